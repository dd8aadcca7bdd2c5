"""The warm-up rule: where a run's measured window starts.

A fixed `run.warmup` is used as written. `warmup: auto` applies MSER-5 (White 1997)
to the weekly output of all products averaged over the replications of one
scenario; `rackline run`, `compare` and every point of a sweep use this one rule,
so the same scenario is measured over the same window however it is run.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from rackline.analysis.kpis import product_output
from rackline.engine.records import Replication
from rackline.units import WEEK

BATCH = 5   # weeks per batch


def mser5(series: np.ndarray, max_fraction: float = 0.5) -> int:
    """Batches of 5 to cut from the front of `series` (MSER-5, White 1997): the cut
    that minimises the squared standard error of the remaining batch means."""
    y = np.asarray(series, dtype=float)
    n_batches = len(y) // BATCH
    if n_batches < 4:
        return 0
    z = y[: n_batches * BATCH].reshape(n_batches, BATCH).mean(axis=1)
    best, best_d = math.inf, 0
    for d in range(int(n_batches * max_fraction) + 1):
        rest = z[d:]
        m = len(rest)
        if m < 2:
            break
        val = ((rest - rest.mean()) ** 2).sum() / m ** 2
        if val < best - 1e-12:
            best, best_d = val, d
    return best_d


def auto_warmup(reps: Sequence[Replication]) -> float:
    """Hours to cut: MSER-5 on the product output per week, averaged over `reps`."""
    rows = [product_output(rep) for rep in reps]
    n = min(len(r) for r in rows) if rows else 0
    if n == 0:
        return 0.0
    mean = np.mean([r[:n] for r in rows], axis=0)
    return float(mser5(mean) * BATCH * WEEK)


def warmup_for(setting: float | str, reps: Sequence[Replication]) -> tuple[float, str]:
    """(warm-up hours, method) for a scenario's `run.warmup` and its replications."""
    if setting == "auto":
        return auto_warmup(reps), "MSER-5"
    return float(setting), "fixed"
