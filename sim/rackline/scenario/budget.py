"""How much work a scenario asks for, known before any of it is done.

A replication costs a few simulation events per unit a station starts and per order,
plus the clock's own (shifts, failures, reviews, departures). The rough cut
(`scenario.flows`) gives units started per hour at the peak demand mix, or at the
static bottleneck's rate in capacity mode; times the horizon that is the estimate a
run is refused on when it is far beyond `run.max_events` (a horizon of 2,000,000
weeks would never finish). Measured on the shipped scenarios the estimate is within
a few times the engine's count (tests/test_limits.py): an order of magnitude, which
is what a budget needs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from rackline.scenario.flows import bottleneck_rate, demand_mixes, explode
from rackline.scenario.model import Scenario
from rackline.scenario.yamlfile import KeyPath
from rackline.units import WEEK, format_hours

EVENTS_PER_START = 5.0      # SimPy events per unit started: request, timeout, put, wake-ups (measured 1-5)
EVENTS_PER_ORDER = 4.0      # arrival, backorder, fill, record
EVENTS_PER_CHANGE = 2.0     # each open/close of a calendar, failure/repair, review, departure
ENGINE_EVENTS_PER_S = 150_000   # the engine's speed on one core (national.yaml: 155k events/s)


@dataclass(frozen=True)
class Estimate:
    """Events one replication is expected to take, and what they come from."""

    events: float
    starts_per_hour: float
    orders_per_hour: float
    horizon: float

    def seconds(self, replications: int = 1) -> float:
        return self.events * replications / ENGINE_EVENTS_PER_S

    def text(self) -> str:
        return (f"an estimated {count_text(self.events)} ({format_hours(self.horizon, 7)} x "
                f"{self.starts_per_hour:.3g} units started and {self.orders_per_hour:.3g} orders an hour: "
                f"about {span_text(self.seconds())} a replication)")


def count_text(x: float) -> str:
    """280M, 1.5B, 12k: a count of events with a scale."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if x >= size:
            return f"{x / size:.3g}{suffix}"
    return f"{x:.3g}"


def span_text(seconds: float) -> str:
    """3.5 hours, 12 min, 40 s: how long a piece of work takes, roughly."""
    for size, unit in ((86400 * 365, "years"), (86400, "days"), (3600, "hours"), (60, "min")):
        if seconds >= size:
            return f"{seconds / size:.2g} {unit}"
    return f"{seconds:.2g} s"


def _clock_changes_per_hour(sc: Scenario) -> float:
    """Scheduled changes an hour: shifts opening and closing, failures, reviews, departures."""
    n = 0.0
    for site_name, _, st in sc.station_items():
        cal = st.calendar or sc.sites[site_name].calendar
        if cal is not None:
            n += 2 * 7 * max(1, len(sc.calendars[cal].shifts or [])) / WEEK
        if st.failures is not None and st.failures.mtbf.mean() > 0:
            n += st.servers / st.failures.mtbf.mean()
    for site in sc.sites.values():
        for inv in site.inventories.values():
            if inv.policy is not None and inv.policy.review:
                n += 1 / inv.policy.review
    n += sum(1 / lane.every for lane in sc.lanes.values() if lane.every)
    return n


def estimate_events(sc: Scenario) -> Estimate:
    """Events one replication of `sc` is expected to take (an order of magnitude)."""
    mixes, capacity_mode = demand_mixes(sc)
    peak = max(mixes, key=lambda m: sum(m.values()))
    orders = 0.0 if capacity_mode else sum(peak.values())
    try:
        rate = bottleneck_rate(sc, peak) / sum(peak.values()) if peak else math.inf
        # capacity mode runs at the bottleneck's rate; demand at its own, or the bottleneck's if lower
        scale = 1.0 if not math.isfinite(rate) else rate if capacity_mode else min(1.0, rate)
        flows = explode(sc, {n: v * scale for n, v in peak.items()})
        starts = sum(flows.starts.values())
    except (ValueError, ZeroDivisionError):     # a loop that never settles: the engine will say so
        starts = 0.0
    per_hour = EVENTS_PER_START * starts + EVENTS_PER_ORDER * orders + EVENTS_PER_CHANGE * _clock_changes_per_hour(sc)
    return Estimate(per_hour * sc.run.horizon, starts, orders, sc.run.horizon)


def budget_problems(sc: Scenario) -> list[tuple[KeyPath, str]]:
    """A run far beyond `run.max_events` is refused, at the horizon, with the estimate."""
    est = estimate_events(sc)
    if est.events <= sc.run.max_events:
        return []
    return [(("run", "horizon"), f"expected a run within run.max_events ({count_text(sc.run.max_events)} "
                                 f"events a replication), got {est.text()}; shorten the horizon or raise "
                                 f"run.max_events (--set run.max_events={_round_up(est.events)})")]


def _round_up(x: float) -> int:
    """A budget a little above `x` with one significant digit: 3.2e8 -> 400000000."""
    exp = 10 ** math.floor(math.log10(max(x, 1)))
    return int(math.ceil(x / exp) * exp)
