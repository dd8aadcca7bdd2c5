"""Sensitivity sweeps: which assumptions matter.

`run_sweep` expands a sweep into (point, replication) tasks, runs what the store in
the sweep folder (`sweep.db`) does not already hold through a process pool or a Dask
cluster, and returns the analysed tables as data. Writing the folder's tables, plots,
report and manifest is `rackline.output.sweep_report.write_sweep`'s, called by the
CLI and `rackline.sweep`.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from rackline.errors import RacklineError
from rackline.experiments.sweep.analysis import SweepTables, analyse
from rackline.experiments.sweep.design import Design, build
from rackline.experiments.sweep.execute import design_hash, executor_for, run_tasks, total_tasks
from rackline.experiments.sweep.spec import Sweep, load_sweep, sweep_from_args
from rackline.experiments.sweep.store import STORE, Store

__all__ = ["Design", "Sweep", "SweepOutcome", "SweepTables", "build", "load_sweep", "prepare", "run_sweep",
           "sweep_from_args"]


@dataclass
class SweepOutcome:
    """A finished sweep: its spec and design, where its store is, how many tasks ran
    (now and in all), its analysed tables, and how it ran."""

    sweep: Sweep
    design: Design
    folder: Path
    tasks: int
    ran: int
    failed: int
    tables: SweepTables
    wall: float = 0.0
    scheduler: str = ""
    design_hash: str = ""

    @property
    def analysis(self) -> dict[str, pd.DataFrame]:
        """The per-KPI analysis tables (oat_, tornado_, grid_, sobol_, morris_<kpi>)."""
        return self.tables.analysis


def prepare(sweep: Sweep, folder: str | Path, resume: bool) -> tuple[Design, Store]:
    """Open (or create) the store in `folder`, refusing to mix designs. Whether the folder
    may take a sweep at all is checked before (`output.sweep_report.check_sweep_folder`)."""
    folder = Path(folder)
    design = build(sweep)
    h = design_hash(sweep.base.data, design, sweep.spec.replications, sweep.spec.seed)
    folder.mkdir(parents=True, exist_ok=True)
    store = Store(folder / STORE)
    old = store.meta("design")
    if old is not None and old != h:
        store.close()
        raise RacklineError(f"{folder}: expected the same sweep to resume, but its design differs "
                            f"(stored {old}, now {h}); use another --out")
    store.init(h, design.overrides, {"name": sweep.name, "method": design.method, "parameters": design.names,
                                     "replications": sweep.spec.replications, "seed": sweep.spec.seed})
    return design, store


def run_sweep(sweep: Sweep, folder: str | Path, jobs: int = 1, scheduler: str | None = None, resume: bool = False,
              progress: Callable[[int], None] | None = None) -> SweepOutcome:
    """Run every task of `sweep` its store in `folder` lacks, then analyse them all."""
    t0 = time.perf_counter()
    design, store = prepare(sweep, folder, resume)
    try:
        reps, seed = sweep.spec.replications, sweep.spec.seed
        with executor_for(jobs, scheduler) as ex:
            ran, failed = run_tasks(store, sweep.base.data, design, reps, seed, ex, progress)
        tables = analyse(design, list(sweep.spec.kpis), store.results(), store.errors(), seed)
        stored_design = store.meta("design") or ""
    finally:
        store.close()
    return SweepOutcome(sweep, design, Path(folder), total_tasks(design, reps), ran, failed, tables,
                        time.perf_counter() - t0, scheduler or f"local process pool ({jobs})", stored_design)
