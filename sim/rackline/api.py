"""The Python API: `rackline.run`, `rackline.compare`, `rackline.sweep`, `rackline.robust`.

Each takes what a person has at hand (a scenario file, or an already loaded
scenario) and returns a typed result whose tables are DataFrames; nothing prints.
A sweep lives in a folder (its resumable store), so `sweep` also writes the folder's
tables and report, as `rackline sweep` does. This is the top layer, beside the CLI.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rackline.experiments.compare import Comparison
from rackline.experiments.compare import compare as compare_loaded
from rackline.experiments.replications import RunResults, run_replications
from rackline.experiments.robust import RobustOutcome, Study, load_study, run_robust, study_hash
from rackline.experiments.sweep import Sweep, SweepOutcome, load_sweep, run_sweep
from rackline.scenario import Loaded, load_scenario

ScenarioLike = str | Path | Loaded


def _load(scenario: ScenarioLike, overrides: dict[str, Any] | None = None) -> Loaded:
    if isinstance(scenario, Loaded):
        return load_scenario(scenario.source, overrides) if overrides else scenario
    return load_scenario(scenario, overrides)


def run(scenario: ScenarioLike, reps: int | None = None, jobs: int = 1, seed: int | None = None,
        overrides: dict[str, Any] | None = None) -> RunResults:
    """`rackline.run('scenarios/baseline.yaml', reps=5)` -> RunResults (kpis, stations, ... as DataFrames)."""
    return run_replications(_load(scenario, overrides), reps, jobs, seed)


def compare(scenarios: Sequence[ScenarioLike], reps: int | None = None, jobs: int = 1,
            seed: int | None = None) -> Comparison:
    """Run two or more scenarios on common random numbers; differences are paired against the first."""
    loaded = [_load(s) for s in scenarios]
    return compare_loaded([(ld.scenario.name, ld) for ld in loaded], reps, jobs, seed)


def sweep(spec: str | Path | Sweep, out: str | Path, jobs: int = 1, scheduler: str | None = None,
          resume: bool = False, plots: bool = True, progress: Callable[[int], None] | None = None,
          command: list[str] | None = None) -> SweepOutcome:
    """Run a sweep file (or a built `Sweep`) into the folder `out` (its store, tables, plots
    and report); returns its tables. `rackline sweep` is this call."""
    from rackline.output.sweep_report import check_sweep_folder, write_sweep
    sw = spec if isinstance(spec, Sweep) else load_sweep(spec)
    folder = check_sweep_folder(out, resume)
    outcome = run_sweep(sw, folder, jobs, scheduler, resume, progress)
    write_sweep(outcome, plots, command)
    return outcome


def robust(spec: str | Path | Study, out: str | Path, jobs: int = 1, scheduler: str | None = None,
           resume: bool = False, plots: bool = True, progress: Callable[[int], None] | None = None,
           command: list[str] | None = None) -> RobustOutcome:
    """Run a study file (or a built `Study`) into the folder `out` (its store, tables, plots and
    report); returns its measures as data (`outcome.robustness`). `rackline robust` is this call."""
    from rackline.output.robust_report import check_robust_folder, write_robust
    study = spec if isinstance(spec, Study) else load_study(spec)
    folder = check_robust_folder(out, resume, study_hash(study))
    outcome = run_robust(study, folder, jobs, scheduler, progress)
    write_robust(outcome, plots, command)
    return outcome
