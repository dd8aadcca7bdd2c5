"""The tables of a run beside its KPIs, built once from the replication records: weekly
bands (mean and 95% interval across replications of each weekly series), the orders'
lead times, the momentary bottleneck's timeline, the disruptions as they happened, the
Welch data and the capacity table, each with declared columns (`COLUMNS`), so a
results folder, a plot and a test read the same shape."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from rackline.analysis.bottleneck import momentary
from rackline.analysis.capacity import COLUMNS as CAPACITY_COLUMNS
from rackline.analysis.capacity import capacity_table
from rackline.analysis.intervals import interval
from rackline.analysis.stats import welch
from rackline.engine.records import Replication
from rackline.kpi_names import Range
from rackline.scenario.model import Scenario
from rackline.units import WEEK

COLUMNS: dict[str, list[str]] = {
    "lead_times": ["replication", "demand", "arrival_h", "filled_h", "lead_h"],
    "bottleneck_timeline": ["start_h", "end_h", "station"],
    "disruptions": ["replication", "disruption", "target", "start_h", "end_h", "capacity"],
    "rules": ["replication", "rule", "fired_week", "acts_week", "action"],
    "welch": ["week", "mean", "moving_avg_3", "moving_avg_7"],
    "capacity": CAPACITY_COLUMNS,
    "bands": ["metric", "subject", "week", "mean", "low", "high", "min", "max"],
}
BAND_METRICS = ("output", "output_undisrupted", "ordered", "shipped", "backlog", "inventory")


def weekly_bands(ts: pd.DataFrame) -> pd.DataFrame:
    """Per weekly series (output per product, and `output_total` over all of them; orders,
    shipments and backlog per demand; stock per inventory) and week: the mean across
    replications with its 95% interval (never below 0; the mean itself with one
    replication) and the lowest and highest replication."""
    d = ts[ts.metric.isin(BAND_METRICS)]
    total = ts[ts.metric == "output"].groupby(["replication", "week"], as_index=False).value.sum()
    d = pd.concat([d, total.assign(metric="output_total", subject="all")], ignore_index=True)
    groups = d.groupby(["metric", "subject", "week"], sort=True)
    ids = groups.ngroup().to_numpy()    # numbered in the sorted order groupby iterates them in
    values = d.value.to_numpy(dtype=float)[np.argsort(ids, kind="stable")][int((ids < 0).sum()):]
    sizes = groups.size()
    ends = np.cumsum(sizes.to_numpy())
    rows = []
    for (metric, subject, week), start, end in zip(sizes.index, ends - sizes.to_numpy(), ends):
        v = values[start:end]   # the group's replications in their order, as groupby gives them, without a frame each
        iv = interval(v, Range.NONNEGATIVE)
        low = iv.low if pd.notna(iv.low) else iv.mean
        high = iv.high if pd.notna(iv.high) else iv.mean
        rows.append((metric, subject, week, iv.mean, low, high, float(v.min()), float(v.max())))
    return pd.DataFrame(rows, columns=COLUMNS["bands"])


def lead_times(reps: Sequence[Replication], warmup: float) -> pd.DataFrame:
    """Every order filled after the warm-up: when it came, when it was filled, how long it took."""
    kept = [(r.replication, n, lt) for r in reps for n, d in r.demands.items()
            if len(lt := d.lead_times[d.lead_times[:, 0] >= warmup])]
    if not kept:
        return pd.DataFrame([], columns=COLUMNS["lead_times"])
    times = np.concatenate([lt for _, _, lt in kept])    # whole columns: national fills ~10,000 orders a replication
    return pd.DataFrame({
        "replication": np.concatenate([np.full(len(lt), rep, dtype=np.int64) for rep, _, lt in kept]),
        "demand": np.concatenate([np.full(len(lt), n, dtype=object) for _, n, lt in kept]),
        "arrival_h": times[:, 0], "filled_h": times[:, 1], "lead_h": times[:, 2]})


def bottleneck_timeline(reps: Sequence[Replication], warmup: float) -> pd.DataFrame:
    """Momentary bottleneck segments of replication 0 after the warm-up."""
    if not reps:
        return pd.DataFrame(columns=COLUMNS["bottleneck_timeline"])
    rep = reps[0]
    segs = momentary(rep.periods, warmup, rep.horizon)
    return pd.DataFrame([(s, e, n) for s, e, n, _ in segs], columns=COLUMNS["bottleneck_timeline"])


def disruption_events(reps: Sequence[Replication]) -> pd.DataFrame:
    """Each disruption of each replication as it happened."""
    rows = [(r.replication, n, t, s, e, c) for r in reps for n, t, s, e, c in r.disruptions]
    return pd.DataFrame(rows, columns=COLUMNS["disruptions"])


def rule_events(reps: Sequence[Replication]) -> pd.DataFrame:
    """Each firing of an adaptive rule in each replication: the week it was decided, the
    week it acts, and what it does."""
    rows = [(r.replication, e.rule, e.fired / WEEK, e.acts / WEEK, e.action) for r in reps for e in r.rules]
    return pd.DataFrame(rows, columns=COLUMNS["rules"])


def welch_data(ts: pd.DataFrame) -> pd.DataFrame:
    """Welch's plot data of weekly output over all products."""
    return welch(ts)[COLUMNS["welch"]]


def capacity_frame(sc: Scenario) -> pd.DataFrame:
    """The rough-cut capacity table, tightest first."""
    return capacity_table(sc).table
