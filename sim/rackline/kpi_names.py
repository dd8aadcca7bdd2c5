"""The vocabulary every layer shares about KPIs: their names, the cost categories,
the columns of a summary, and where a KPI's values can lie (its range, read from
its unit).

It sits at the bottom (beside `units` and `states`), so a scenario's `question:`
can check a KPI name and a plot can respect a range without reaching up into the
analysis that computes them. Tests keep the names true: a real run reports no KPI
outside `KPI_NAMES`.
"""
from __future__ import annotations

import math
import re
from enum import Enum
from typing import Any

# the KPIs `analysis.kpis.replication_kpis` reports from the flow of units
PHYSICAL_KPIS = ("throughput", "build_time", "shipped", "demand", "backlog", "fill_rate", "order_lead_time",
                 "order_lead_time_p90", "on_time", "open_orders_at_end", "inventory", "stockout", "lane_shipped",
                 "wip", "wip_family", "supplier_delivered", "supplier_lead_time", "region_share",
                 "crew_utilization", "disruption_loss", "rule_firings")
# the KPIs of test halls, L12 clusters, allocations and ended generations (`analysis.floor_kpis`)
FLOOR_KPIS = ("hall_utilization", "hall_energy", "hall_peak", "hall_wait", "cluster_wait", "allocation_granted",
              "allocation_used", "allocation_lost", "allocation_short", "written_off")
# the KPIs the economic layer (`analysis.costs`) adds when a scenario has `costs:`
COST_KPIS = ("cost_per_rack", "cost_per_rack_family", "cost_total", "tariffs_paid", "value_share", "working_capital",
             "capital_employed", "revenue", "margin", "unsold_at_end", "cash_per_week", "npv", "payback_week",
             "cumulative_cash", "obsolescence")
KPI_NAMES: tuple[str, ...] = (*PHYSICAL_KPIS, *FLOOR_KPIS, *COST_KPIS)
# what a good rack's cost splits into (the `subject` of cost_per_rack rows, besides `total`)
CATEGORIES = ("materials", "tariffs", "freight", "labour", "capital_charge", "fixed", "carrying", "scrap", "rework",
              "energy")
# categories only a scenario that has them reports (so the others' tables keep their rows): a
# generation's stock written off at its end (`generations.G.ends`)
OCCASIONAL_CATEGORIES = ("obsolescence",)
# the columns `analysis.stats.summarize` adds to a group's key columns
SUMMARY_COLUMNS = ["mean", "ci_low", "ci_high", "half_width", "n", "ci_method", "ci_note"]

NONNEGATIVE_UNITS = frozenset({"units", "h", "orders", "racks", "trays", "people", "d", "w", "mwh", "mw", "times"})
SIGNED = "(net)"   # a unit that ends so is declared signed: margins, cash flows, NPV
CURRENCY = re.compile(r"[a-z]{3}(/[a-z]+)?")   # money (`USD`, `USD/rack`): costs and values, >= 0
NONNEGATIVE_STATION_METRICS = frozenset({"throughput_per_week", "wip", "time_in_station_h", "window_start_h"})
SHARE_STATION_METRICS = ("share_", "bottleneck_", "starved_on:")


class Range(Enum):
    """Where a KPI's values (and so its mean) can lie."""

    SHARE = "share"                 # [0, 1]
    NONNEGATIVE = "nonnegative"     # [0, inf)
    UNBOUNDED = "unbounded"         # differences, gaps

    def contains(self, low: float, high: float, tol: float = 1e-12) -> bool:
        """Whether [low, high] lies in the range (NaN, i.e. no interval, counts as inside)."""
        if math.isnan(low) or math.isnan(high):
            return True
        if self is Range.UNBOUNDED:
            return True
        return low >= -tol and (self is Range.NONNEGATIVE or high <= 1 + tol)


def range_of_unit(unit: str) -> Range:
    """A KPI's range from its unit: "share of ..." is a share; counts, rates and
    durations ("units", "units/week", "h", "orders", "units (mixed items)") are
    non-negative; anything else is unbounded."""
    u = unit.strip().lower()
    if u.startswith("share"):
        return Range.SHARE
    if u.endswith(SIGNED):
        return Range.UNBOUNDED
    if CURRENCY.fullmatch(u):
        return Range.NONNEGATIVE
    base = u.split(" ", 1)[0].split("/", 1)[0]
    return Range.NONNEGATIVE if base in NONNEGATIVE_UNITS else Range.UNBOUNDED


def declared_signed(unit: str) -> bool:
    """Whether a KPI's unit says it may be negative (a margin, a cash flow)."""
    return unit.strip().lower().endswith(SIGNED)


def range_of_station_metric(metric: str) -> Range:
    """A station metric's range: time shares and bottleneck shares are shares;
    throughput, WIP and time in station are non-negative; the Little's-law gap is not."""
    if metric.startswith(SHARE_STATION_METRICS):
        return Range.SHARE
    return Range.NONNEGATIVE if metric in NONNEGATIVE_STATION_METRICS else Range.UNBOUNDED


def select_rows(table: Any, spec: str) -> Any:
    """Rows of a table with `kpi` and `subject` columns that a spec names: `kpi` (every
    subject) or `kpi:subject` (a question's, a compare's or a sweep's KPI of interest)."""
    name, _, subject = spec.partition(":")
    rows = table[table.kpi == name]
    return rows[rows.subject == subject] if subject else rows

RUN_MORE = "run more replications"   # the note an interval too wide to read carries
