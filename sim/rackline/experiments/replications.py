"""Run replications (in parallel processes) and turn them into tables.

Each replication is a task defined by its inputs alone (scenario data, replication
number, root seed), so results are identical whatever the number of workers, and
a sweep can retry or resume any task exactly.
"""
from __future__ import annotations

import hashlib
import json
import time
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd

from rackline.engine.network import WEEK, RepResult, run_replication
from rackline.errors import RunInterrupted
from rackline.analysis.kpis import replication_kpis, weekly_series
from rackline.experiments.executors import process_pool
from rackline.scenario.load import Loaded, validate_data
from rackline.analysis.stats import mser5, replications_needed, summarize
from rackline.scenario.yamlfile import Document

_CACHE: dict[str, Any] = {}


def _scenario_from_data(data: dict):
    key = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    sc = _CACHE.get(key)
    if sc is None:
        sc = validate_data(data, Document(data, "<scenario>"))
        _CACHE.clear()
        _CACHE[key] = sc
    return sc


def replication_task(data: dict, replication: int, seed: int) -> RepResult:
    """One replication from plain inputs (what a worker process or Dask task runs).

    The worker also computes the replication's KPI rows for the scenario's own
    warm-up, so that analysis runs in parallel too; `analyse` recomputes them only
    for another warm-up (MSER-5 needs every replication first)."""
    sc = _scenario_from_data(data)
    rep = run_replication(sc, replication, seed)
    rep.cache["weekly"] = weekly_series(rep, sc)
    if sc.run.warmup != "auto":
        rep.cache["warmup"] = float(sc.run.warmup)
        rep.cache["kpis"], rep.cache["stations"] = replication_kpis(rep, sc, float(sc.run.warmup))
    return rep


@dataclass
class RunResults:
    """Everything a run produced: per-replication results and the tables built from them."""

    loaded: Loaded
    reps: list[RepResult]
    seed: int
    warmup: float
    warmup_method: str
    kpis: pd.DataFrame
    replications: pd.DataFrame
    stations: pd.DataFrame
    station_reps: pd.DataFrame
    timeseries: pd.DataFrame
    wall: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def scenario(self):
        return self.loaded.scenario

    def kpi(self, kpi: str, subject: str | None = None) -> pd.Series:
        """The row of `kpis` for one KPI (and subject), e.g. res.kpi('throughput', 'rack')."""
        df = self.kpis[self.kpis.kpi == kpi]
        if subject is not None:
            df = df[df.subject == subject]
        if df.empty:
            raise KeyError(f"no KPI {kpi!r} for {subject!r}")
        return df.iloc[0]


def _executor(jobs: int) -> Executor | None:
    return process_pool(jobs) if jobs > 1 else None


def simulate(data: dict, reps: list[int], seed: int, jobs: int = 1,
             progress: Callable[[int], None] | None = None, executor: Executor | None = None) -> list[RepResult]:
    """Run the listed replications; results come back in replication order."""
    own = executor is None and jobs > 1
    ex = executor or _executor(jobs)
    out: dict[int, RepResult] = {}
    try:
        if ex is None:
            for r in reps:
                out[r] = replication_task(data, r, seed)
                if progress:
                    progress(1)
        else:
            futures = {ex.submit(replication_task, data, r, seed): r for r in reps}
            import scipy.stats  # noqa: F401 - load the analysis libraries while the workers run
            from concurrent.futures import as_completed
            for f in as_completed(futures):
                out[futures[f]] = f.result()
                if progress:
                    progress(1)
    except KeyboardInterrupt:
        if own:
            ex.shutdown(wait=False, cancel_futures=True)
            own = False
        raise RunInterrupted(f"stopped after {len(out)} of {len(reps)} replications; no results were written")
    finally:
        if own:
            ex.shutdown(wait=True, cancel_futures=True)
    return [out[r] for r in reps]


def choose_warmup(reps: list[RepResult], sc) -> float:
    """MSER-5 on the weekly output of all products, averaged over replications."""
    rows = []
    for rep in reps:
        total = np.zeros(len(rep.times) - 1)
        for product in rep.meta["products"]:
            for s in {d.site for d in sc.demand.values() if d.item == product}:
                key = f"inventory|{s}/{product}|units_in"
                if key in rep.series:
                    total += np.diff(rep.series[key])
        rows.append(total)
    n = min(len(r) for r in rows) if rows else 0
    if n == 0:
        return 0.0
    mean = np.mean([r[:n] for r in rows], axis=0)
    return float(mser5(mean) * 5 * WEEK)


def analyse(loaded: Loaded, reps: list[RepResult], seed: int, warmup: float | None = None,
            wall: float = 0.0) -> RunResults:
    """Tables from replications: KPIs with CIs, station metrics, weekly series."""
    sc = loaded.scenario
    method = "fixed"
    if warmup is None:
        if sc.run.warmup == "auto":
            warmup, method = choose_warmup(reps, sc), "MSER-5"
        else:
            warmup = float(sc.run.warmup)
    kpi_rows, st_rows, ts_parts = [], [], []
    for rep in reps:
        if rep.cache.get("warmup") == warmup:
            k, s = rep.cache["kpis"], rep.cache["stations"]
        else:
            k, s = replication_kpis(rep, sc, warmup)
        kpi_rows += [dict(r, replication=rep.replication) for r in k]
        st_rows += [dict(r, replication=rep.replication) for r in s]
        ts_parts.append(rep.cache["weekly"] if "weekly" in rep.cache else weekly_series(rep, sc))
    per_rep = pd.DataFrame(kpi_rows, columns=["replication", "kpi", "subject", "unit", "value"])
    station_reps = pd.DataFrame(st_rows, columns=["replication", "station", "metric", "value"])
    kpis = summarize(per_rep, ["kpi", "subject", "unit"])
    stations = summarize(station_reps, ["station", "metric"])
    ts = pd.concat(ts_parts, ignore_index=True) if ts_parts else pd.DataFrame(
        columns=["replication", "week", "metric", "subject", "value"])
    return RunResults(loaded, reps, seed, warmup, method, kpis, per_rep, stations, station_reps, ts, wall)


def run_replications(loaded: Loaded, reps: int | None = None, jobs: int = 1, seed: int | None = None,
                     precision: float | None = None, max_reps: int = 100,
                     progress: Callable[[int], None] | None = None, on_total: Callable[[int], None] | None = None,
                     executor: Executor | None = None) -> RunResults:
    """Run a loaded scenario `reps` times (default: its `run.replications`).

    With `precision` (e.g. 0.05), the run starts from `reps` (default: the scenario's
    `run.replications`), never fewer than 3, and adds replications in rounds until
    every throughput KPI's CI half-width is within that share of its mean, or `max_reps`.
    """
    t0 = time.perf_counter()
    sc = loaded.scenario
    n = reps or sc.run.replications
    if precision:
        n = max(n, 3)          # a standard deviation from fewer is too unstable to size the run
    seed = sc.run.seed if seed is None else seed
    results = simulate(loaded.data, list(range(n)), seed, jobs, progress, executor)
    res = analyse(loaded, results, seed)
    if precision:
        while len(results) < max_reps:
            tp = res.replications[res.replications.kpi == "throughput"]
            need = max([replications_needed(g.value.to_numpy(), precision) for _, g in tp.groupby("subject")]
                       or [len(results)])
            if need <= len(results):
                break
            more = min(need, max_reps) - len(results)
            if on_total:
                on_total(len(results) + more)
            results += simulate(loaded.data, list(range(len(results), len(results) + more)), seed, jobs,
                                progress, executor)
            res = analyse(loaded, results, seed)
        res.notes.append(f"--precision {precision}: chose {len(results)} replications (cap {max_reps})")
    res.wall = time.perf_counter() - t0
    return res


def run(scenario, reps: int | None = None, jobs: int = 1, seed: int | None = None,
        overrides: dict[str, Any] | None = None) -> RunResults:
    """Python API: `sim.run('scenarios/baseline.yaml', reps=5)` -> RunResults with DataFrames."""
    from rackline.scenario import load_scenario
    loaded = scenario if isinstance(scenario, Loaded) else load_scenario(scenario, overrides)
    return run_replications(loaded, reps, jobs, seed)
