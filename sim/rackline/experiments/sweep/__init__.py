"""Sensitivity sweeps: which assumptions matter.

`run_sweep` expands a sweep into (point, replication) tasks, runs what the store
does not already hold through a process pool or a Dask cluster, then exports tables,
plots and a report. Everything is written inside the sweep folder; `manifest.json`
(with `"complete": true`) is written last.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from rackline.errors import RacklineError
from rackline.experiments.sweep.design import Design, build
from rackline.experiments.sweep.execute import design_hash, executor_for, run_tasks, total_tasks
from rackline.experiments.sweep.spec import Sweep, load_sweep, sweep_from_args
from rackline.experiments.sweep.store import Store

__all__ = ["Design", "Sweep", "SweepOutcome", "build", "load_sweep", "prepare", "run_sweep", "sweep_from_args"]


@dataclass
class SweepOutcome:
    """A finished sweep: where it is, how many tasks ran, and its tables (summary, indices, ...)."""

    folder: Path
    tasks: int
    ran: int
    failed: int
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def prepare(sweep: Sweep, folder: str | Path, resume: bool) -> tuple[Design, Store]:
    """Open (or create) the store, refusing to mix designs or overwrite by accident."""
    folder = Path(folder)
    design = build(sweep)
    h = design_hash(sweep.base.data, design, sweep.spec.replications, sweep.spec.seed)
    db = folder / "sweep.db"
    if db.exists() and not resume:
        raise RacklineError(f"{folder} already holds a sweep; rerun with --resume to finish it, or choose --out")
    if resume and not db.exists():
        raise RacklineError(f"{folder}: expected a sweep to resume (sweep.db), got none")
    folder.mkdir(parents=True, exist_ok=True)
    if (folder / "manifest.json").exists():
        (folder / "manifest.json").unlink()     # it is being (re)completed
    store = Store(db)
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
    from rackline.output.sweep_report import export
    design, store = prepare(sweep, folder, resume)
    try:
        reps, seed = sweep.spec.replications, sweep.spec.seed
        with executor_for(jobs, scheduler) as ex:
            ran, failed = run_tasks(store, sweep.base.data, design, reps, seed, ex, progress)
        tables = export(sweep, design, store, Path(folder), plots=plots)
    finally:
        store.close()
    total = total_tasks(design, sweep.spec.replications)
    meta = {"complete": True, "kind": "sweep", "name": sweep.name, "method": design.method, "tasks": total,
            "points": len(design.overrides), "replications": sweep.spec.replications, "seed": sweep.spec.seed,
            "scheduler": scheduler or f"local process pool ({jobs})", "source": sweep.source,
            "parameters": design.names, "kpis": sweep.spec.kpis}
    from rackline.output.folder import versions
    meta["versions"] = versions()
    (Path(folder) / "manifest.json").write_text(json.dumps(meta, indent=2, default=str))
    return SweepOutcome(Path(folder), total, ran, failed, tables)
