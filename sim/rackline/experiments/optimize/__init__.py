"""Goal seeking: the cheapest plan that meets KPI targets with stated confidence.

`run_optimize` opens (or resumes) an Optuna study stored beside the output folder,
searches, re-runs the best few candidates, selects one (select.py) and returns the
tables as data (tables.py); `rackline.output.optimize_report.write_optimize` writes
the folder at once (trials, plan, Pareto front, plots, report).
"""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import BrokenExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from rackline.errors import RacklineError, RunInterrupted, WorkersFailed
from rackline.experiments.optimize.select import Selection, select
from rackline.experiments.optimize.spec import OptimizeProblem, load_optimize

__all__ = ["OptimizeOutcome", "OptimizeProblem", "load_optimize", "run_optimize", "study_db"]


@dataclass
class OptimizeOutcome:
    """A finished search: the selection and its tables, where its folder goes, and how it ran."""

    problem: OptimizeProblem
    folder: Path
    selection: Selection
    trials: int
    simulated: int        # candidates simulated in this call (repeats and resumed ones are reused)
    trials_table: pd.DataFrame
    finalists: pd.DataFrame
    pareto: pd.DataFrame | None
    plan: pd.DataFrame | None
    warmup: float | str
    wall: float


def study_db(folder: str | Path) -> Path:
    """The resumable study lives beside the results folder, which is written whole at the end."""
    folder = Path(folder)
    return folder.parent / f"{folder.name}.study.db"


def run_optimize(problem: OptimizeProblem, folder: str | Path, jobs: int = 1, trials: int | None = None,
                 resume: bool = False, progress: Callable[[int], None] | None = None) -> OptimizeOutcome:
    """Search (or resume searching) `problem` and select a plan; the study is kept beside `folder`."""
    import time

    from rackline.experiments.executors import process_pool
    from rackline.experiments.optimize import tables
    from rackline.experiments.optimize.search import open_study, search
    from rackline.experiments.task import scenario_of
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise RacklineError(f"{folder} already exists and is not empty; choose another --out")
    t0 = time.perf_counter()
    db = study_db(folder)
    study = open_study(problem, db, resume)
    n = trials or problem.spec.trials
    ex = process_pool(jobs) if jobs > 1 else None
    try:
        simulated = search(problem, study, n, ex, progress, where=str(db))   # an interrupt says how many trials are kept
        try:
            sel = select(problem, study, ex)
        except (KeyboardInterrupt, RunInterrupted):   # Ctrl-C or SIGTERM in the final re-runs (or their replications)
            raise RunInterrupted(f"the search and the final re-runs done so far are saved in {db}; "
                                 "rerun with --resume to finish") from None
    except BrokenExecutor:          # a worker died (killed, out of memory): keep the study, never hang
        raise WorkersFailed(f"a worker process ended abruptly (killed, or out of memory?); the search done so far "
                            f"is saved in {db}; rerun with --resume to finish") from None
    finally:
        if ex is not None:
            ex.shutdown(wait=False, cancel_futures=True)
    return OptimizeOutcome(problem, folder, sel, n, simulated, tables.trials_table(problem, study),
                           tables.finalists_table(sel),
                           tables.pareto_table(sel) if len(problem.objectives) > 1 else None, tables.plan_table(sel),
                           scenario_of(problem.data).run.warmup, time.perf_counter() - t0)
