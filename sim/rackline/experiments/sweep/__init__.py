"""Sensitivity sweeps: which assumptions matter.

`run_sweep` expands a sweep into (point, replication) tasks, runs what the store
does not already hold through a process pool or a Dask cluster, then exports tables,
plots and a report. Everything is written inside the sweep folder; `manifest.json`
(with `"complete": true`) is written last.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from rackline.errors import RacklineError
from rackline.experiments.sweep.design import Design, build
from rackline.experiments.sweep.execute import design_hash, executor_for, run_tasks, total_tasks
from rackline.experiments.sweep.spec import Sweep, load_sweep, sweep_from_args
from rackline.experiments.sweep.store import Store

__all__ = ["Design", "Sweep", "SweepOutcome", "build", "check_folder", "load_sweep", "prepare", "run_sweep",
           "sweep_from_args"]


@dataclass
class SweepOutcome:
    """A finished sweep: where it is, how many tasks ran, and its tables (summary, indices, ...)."""

    folder: Path
    tasks: int
    ran: int
    failed: int
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def check_folder(folder: str | Path, resume: bool) -> Path:
    """Before anything runs: `folder` must be new or empty, or hold a sweep when resuming,
    and be writable (RacklineError naming --out otherwise)."""
    from rackline.output.folder import check_destination
    folder = Path(folder)
    db = folder / "sweep.db"
    if db.exists() and not resume:
        raise RacklineError(f"--out {folder}: already holds a sweep; rerun with --resume to finish it, "
                            "or choose another --out")
    if resume and not db.exists():
        raise RacklineError(f"--out {folder}: expected a sweep to resume (sweep.db), got none")
    return check_destination(folder, may_exist=resume)


def prepare(sweep: Sweep, folder: str | Path, resume: bool) -> tuple[Design, Store]:
    """Open (or create) the store, refusing to mix designs or overwrite by accident."""
    from rackline.output.folder import remove_manifest
    folder = check_folder(folder, resume)
    design = build(sweep)
    h = design_hash(sweep.base.data, design, sweep.spec.replications, sweep.spec.seed)
    folder.mkdir(parents=True, exist_ok=True)
    remove_manifest(folder)                     # it is being (re)completed
    store = Store(folder / "sweep.db")
    old = store.meta("design")
    if old is not None and old != h:
        store.close()
        raise RacklineError(f"{folder}: expected the same sweep to resume, but its design differs "
                            f"(stored {old}, now {h}); use another --out")
    store.init(h, design.overrides, {"name": sweep.name, "method": design.method, "parameters": design.names,
                                     "replications": sweep.spec.replications, "seed": sweep.spec.seed})
    return design, store


def run_sweep(sweep: Sweep, folder: str | Path, jobs: int = 1, scheduler: str | None = None, resume: bool = False,
              progress=None, plots: bool = True) -> SweepOutcome:
    from rackline.output.folder import manifest, scenario_hash, write_manifest
    from rackline.output.sweep_report import export
    t0 = time.perf_counter()
    design, store = prepare(sweep, folder, resume)
    try:
        reps, seed = sweep.spec.replications, sweep.spec.seed
        with executor_for(jobs, scheduler) as ex:
            ran, failed = run_tasks(store, sweep.base.data, design, reps, seed, ex, progress)
        tables = export(sweep, design, store, Path(folder), plots=plots)
        stored_design = store.meta("design")
    finally:
        store.close()
    total = total_tasks(design, sweep.spec.replications)
    run = sweep.base.scenario.run
    write_manifest(folder, manifest(
        "sweep", scenario_hash=scenario_hash(sweep.base.data), seed=sweep.spec.seed,
        replications=sweep.spec.replications, warmup_h=run.warmup, wall_time_s=time.perf_counter() - t0,
        name=sweep.name, method=design.method, tasks=total, points=len(design.overrides),
        scheduler=scheduler or f"local process pool ({jobs})", source=sweep.source, parameters=design.names,
        kpis=sweep.spec.kpis, design_hash=stored_design))
    return SweepOutcome(Path(folder), total, ran, failed, tables)
