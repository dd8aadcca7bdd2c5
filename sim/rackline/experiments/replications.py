"""Run replications (in parallel processes) and turn them into tables.

Each replication is a task defined by its inputs alone (scenario data, replication
number, root seed), so results are identical whatever the number of workers, and
a sweep can retry or resume any task exactly.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field

import pandas as pd

from rackline.analysis.answer import Answer
from rackline.analysis.answering import answer_of
from rackline.analysis.kpis import weekly_series
from rackline.analysis.ranking import RANKING_COLUMNS, rank_bottlenecks
from rackline.analysis.run_tables import (
    COLUMNS,
    bottleneck_timeline,
    capacity_frame,
    disruption_events,
    lead_times,
    rule_events,
    weekly_bands,
    welch_data,
)
from rackline.analysis.stats import replications_needed, summarize
from rackline.engine.records import Replication
from rackline.errors import interruptible
from rackline.experiments.running import Running, first_round, simulate
from rackline.experiments.task import ReplicationOutcome, measure
from rackline.kpi_names import SUMMARY_COLUMNS
from rackline.scenario.load import Loaded
from rackline.scenario.model import Scenario


@dataclass
class RunResults:
    """Everything a run produced: per-replication records, the tables built from them
    (each with the columns `FRAMES` declares) and the typed `answer` every output formats."""

    loaded: Loaded
    reps: list[Replication]
    seed: int
    warmup: float
    warmup_method: str
    kpis: pd.DataFrame
    replications: pd.DataFrame
    stations: pd.DataFrame
    station_reps: pd.DataFrame
    timeseries: pd.DataFrame
    ranking: pd.DataFrame        # stations ranked as bottlenecks (rackline.analysis.ranking)
    answer: Answer
    capacity: pd.DataFrame
    welch: pd.DataFrame
    lead_times: pd.DataFrame
    bottleneck_timeline: pd.DataFrame
    disruptions: pd.DataFrame
    bands: pd.DataFrame
    wall: float = 0.0
    notes: list[str] = field(default_factory=list)
    rules: pd.DataFrame = field(default_factory=lambda: rule_events([]))   # adaptive rules as they fired

    @property
    def scenario(self) -> Scenario:
        return self.loaded.scenario

    def kpi(self, kpi: str, subject: str | None = None) -> pd.Series:
        """The row of `kpis` for one KPI (and subject), e.g. res.kpi('throughput', 'rack')."""
        df = self.kpis[self.kpis.kpi == kpi]
        if subject is not None:
            df = df[df.subject == subject]
        if df.empty:
            raise KeyError(f"no KPI {kpi!r} for {subject!r}")
        return df.iloc[0]

    def frames(self) -> dict[str, pd.DataFrame]:
        """Every table of the run by name (the names of `FRAMES`)."""
        return {name: getattr(self, name) for name in FRAMES}


KPI_COLUMNS = ["kpi", "subject", "unit", *SUMMARY_COLUMNS]
# the declared columns of each RunResults table (a test checks every run against them)
FRAMES: dict[str, list[str]] = {
    "kpis": KPI_COLUMNS,
    "replications": ["replication", "kpi", "subject", "unit", "value"],
    "stations": ["station", "metric", *SUMMARY_COLUMNS],
    "station_reps": ["replication", "station", "metric", "value"],
    "timeseries": ["replication", "week", "metric", "subject", "value"],
    "ranking": RANKING_COLUMNS,
    **COLUMNS,
}


def analyse(loaded: Loaded, outcomes: list[ReplicationOutcome], seed: int, warmup: float | None = None,
            wall: float = 0.0, capacity: pd.DataFrame | None = None) -> RunResults:
    """Tables from replications (KPIs with CIs, station metrics and ranking, weekly series,
    lead times, timeline, capacity) and the answer computed from them, once. `capacity`
    is the scenario's `capacity_frame` if already built (it needs no replication)."""
    sc = loaded.scenario
    warmup, method, measured = measure(outcomes, sc, warmup)
    per_rep = pd.DataFrame([(m.replication, *row) for m in measured for row in m.kpis],
                           columns=FRAMES["replications"])
    station_reps = pd.DataFrame([(m.replication, *row) for m in measured for row in m.stations],
                                columns=FRAMES["station_reps"])
    kpis = summarize(per_rep, ["kpi", "subject", "unit"])
    stations = summarize(station_reps, ["station", "metric"])
    ts_parts = [o.weekly if o.weekly is not None else weekly_series(o.record) for o in outcomes]
    ts = pd.concat(ts_parts, ignore_index=True) if ts_parts else pd.DataFrame(columns=FRAMES["timeseries"])
    records = [o.record for o in outcomes]
    ranking = rank_bottlenecks(stations, records[0].stations if records else {}, sc)
    bands = weekly_bands(ts)
    answer = answer_of(sc, records, warmup, kpis, per_rep, stations, ranking, ts, bands)
    capacity = capacity_frame(sc) if capacity is None else capacity
    return RunResults(loaded, records, seed, warmup, method, kpis, per_rep, stations, station_reps, ts, ranking,
                      answer, capacity, welch_data(ts), lead_times(records, warmup),
                      bottleneck_timeline(records, warmup), disruption_events(records), bands, wall,
                      rules=rule_events(records))


def run_replications(loaded: Loaded, reps: int | None = None, jobs: int = 1, seed: int | None = None,
                     precision: float | None = None, max_reps: int = 100,
                     progress: Callable[[int], None] | None = None, on_total: Callable[[int], None] | None = None,
                     executor: Executor | None = None, running: Running | None = None) -> RunResults:
    """Run a loaded scenario `reps` times (default: its `run.replications`).

    With `precision` (e.g. 0.05), the run starts from `reps` (default: the scenario's
    `run.replications`), never fewer than 3, and adds replications in rounds until
    every throughput KPI's CI half-width is within that share of its mean, or `max_reps`.
    `running` is the first round if the caller already started it (`rackline run` starts
    its workers before importing this module); the caller closes it.
    """
    t0 = time.perf_counter() if running is None else running.started
    sc = loaded.scenario
    n, seed = first_round(reps, precision, sc.run.replications), sc.run.seed if seed is None else seed
    if running is None:
        with Running(loaded, list(range(n)), seed, jobs, executor) as first:
            results, capacity = _collect(first, progress)
    else:
        assert running.reps == list(range(n)) and running.seed == seed, "started with other replications"
        results, capacity = _collect(running, progress)
    with interruptible(f"after {n} of {n} replications, while analysing them"):
        res = analyse(loaded, results, seed, capacity=capacity)
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
            results += simulate(loaded, list(range(len(results), len(results) + more)), seed, jobs,
                                progress, executor)
            with interruptible(f"after {len(results)} replications, while analysing them"):
                res = analyse(loaded, results, seed, capacity=capacity)
        res.notes.append(f"--precision {precision}: chose {len(results)} replications (cap {max_reps})")
    res.wall = time.perf_counter() - t0
    return res


def _collect(running: Running, progress: Callable[[int], None] | None) -> tuple[list[ReplicationOutcome], pd.DataFrame]:
    """The outcomes in replication order, and the scenario's capacity table. What needs
    no other replication is done here as each arrives (its weekly series) or before
    (the capacity table), while the workers simulate the rest: only what needs them
    all is left for after the last."""
    import scipy.special  # noqa: F401 - the intervals' quantiles: imported while the workers run
    capacity = capacity_frame(running.loaded.scenario)
    out: dict[int, ReplicationOutcome] = {}
    for r, o in running.results(progress):
        if o.weekly is None:
            o.weekly = weekly_series(o.record)
        out[r] = o
    return [out[r] for r in running.reps], capacity
