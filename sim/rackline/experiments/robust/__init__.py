"""Robust plans: every plan against every future, on common random numbers.

`run_robust` expands a study into (plan x future, replication) tasks and runs those
its store (`robust.db` in the study folder) lacks through the sweep machinery
(`run_tasks`: process pool or Dask, resumable after any kill), then computes the
robustness measures (`measures.robustness`). Writing the folder is
`rackline.output.robust_report.write_robust`'s.

Point `f * plans + p` is plan p in future f: a stopped study holds whole futures.
Every point runs the same replications from the same root seed, and the engine
names its random streams after the process that draws them, so two plans in one
future see the same demand, lead times and failures (common random numbers).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rackline.errors import RacklineError
from rackline.experiments.robust.measures import Robustness, robustness
from rackline.experiments.robust.spec import Future, Plan, Study, build_study, load_study
from rackline.experiments.sweep.design import Design
from rackline.experiments.sweep.execute import design_hash, executor_for, run_tasks
from rackline.experiments.sweep.store import Store

__all__ = ["STORE", "Future", "Plan", "Robustness", "RobustOutcome", "Study", "build_study", "design_of",
           "load_study", "run_robust"]

STORE = "robust.db"


@dataclass
class RobustOutcome:
    """A finished study: where its store is, how many runs there are and ran now, the
    measures, and how it ran."""

    study: Study
    folder: Path
    tasks: int
    ran: int
    failed: int
    robustness: Robustness
    wall: float = 0.0
    scheduler: str = ""
    design_hash: str = ""


def design_of(study: Study) -> Design:
    """The study as a sweep design: one point per (future, plan), the plan's values over the future's."""
    names = [a.path for a in study.axes]
    rows, overrides = [], []
    for f in study.futures:
        for p in study.plans:
            rows.append(list(f.values))
            overrides.append({**f.overrides, **p.overrides})
    X = np.asarray(rows, dtype=float).reshape(len(rows), len(names))
    problem = {"num_vars": len(names), "names": names, "bounds": [[a.low, a.high] for a in study.axes]}
    return Design("robust", names, X, overrides, problem, [None] * len(rows), [a.label for a in study.axes])


def plan_future(study: Study, point: int) -> tuple[Plan, Future]:
    f, p = divmod(point, len(study.plans))
    return study.plans[p], study.futures[f]


def study_hash(study: Study, design: Design | None = None) -> str:
    """What a study's store is keyed by (its base scenario as edited, plans, futures,
    replications and seed): a study resumes only into a store of the same hash."""
    return design_hash(study.base.data, design or design_of(study), study.spec.replications, study.spec.seed)


def run_robust(study: Study, folder: str | Path, jobs: int = 1, scheduler: str | None = None,
               progress: Callable[[int], None] | None = None) -> RobustOutcome:
    """Run every (plan, future, replication) the store in `folder` lacks, then measure the plans."""
    t0 = time.perf_counter()
    folder = Path(folder)
    design = design_of(study)
    reps, seed = study.spec.replications, study.spec.seed
    h = study_hash(study, design)
    folder.mkdir(parents=True, exist_ok=True)
    store = Store(folder / STORE)
    try:
        old = store.meta("design")
        if old is not None and old != h:
            raise RacklineError(f"{folder}: expected the same study to resume, but it differs (stored {old}, "
                                f"now {h}); use another --out")
        store.init(h, design.overrides, {"name": study.name, "method": "robust", "parameters": design.names,
                                         "replications": reps, "seed": seed})
        with executor_for(jobs, scheduler) as ex:
            ran, failed = run_tasks(store, study.base.data, design, reps, seed, ex, progress)
        measured = robustness(study, store.results(), store.errors())
    finally:
        store.close()
    return RobustOutcome(study, folder, len(design.overrides) * reps, ran, failed, measured,
                         time.perf_counter() - t0, scheduler or f"local process pool ({jobs})", h)
