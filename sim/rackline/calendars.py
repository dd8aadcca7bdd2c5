"""When a calendar is open: shift patterns on working days, minus holidays, as
intervals of hours from time 0.

A pure function of the scenario's calendar spec, so the rough-cut capacity table and
the engine's `ShiftCalendar` compute open time the same way.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

from rackline.units import WEEK

# a calendar as the scenario declares it (shifts, hours_per_day, day_start, days_per_week, holidays);
# read by duck typing, since this bottom module may not import the scenario layer
CalendarSpec = Any


def _daily(spec: CalendarSpec) -> list[tuple[float, float]]:
    if spec.shifts:
        return sorted((s.start, s.end) for s in spec.shifts)
    return [(spec.day_start, spec.day_start + spec.hours_per_day)]


def _merge(intervals: Iterable[tuple[float, float]]) -> Iterator[tuple[float, float]]:
    """Touching or overlapping intervals (sorted by start) joined into one."""
    cur: list[float] | None = None
    for a, b in intervals:
        if cur is None:
            cur = [a, b]
        elif a <= cur[1]:
            cur[1] = max(cur[1], b)
        else:
            yield cur[0], cur[1]
            cur = [a, b]
    if cur is not None:
        yield cur[0], cur[1]


def _weekly(spec: CalendarSpec) -> Iterator[tuple[float, float]]:
    """The shift pattern without holidays: one interval per shift and working day, forever.

    When the pattern leaves no gap once under way (24/7, or shifts that cover every
    hour of every day), it ends in one interval to infinity, so a change costs the same
    however long the calendar stays open."""
    daily = _daily(spec)
    days = [d for d in range(7) if d < spec.days_per_week]
    span = max(b for _, b in daily) + 24.0 * 6       # week 0's shifts end before this
    weeks = int(span // WEEK) + 2
    first = list(_merge(sorted((w * WEEK + d * 24.0 + a, w * WEEK + d * 24.0 + b)
                               for w in range(weeks + 1) for d in days for a, b in daily)))
    steady_from, steady_to = (weeks - 1) * WEEK, weeks * WEEK   # a week no earlier shift can still reach
    for a, b in first:
        if a <= steady_from and b >= steady_to:       # the steady week is one open interval: open from a on
            yield a, math.inf
            return
        if a >= steady_from:
            break
        yield a, b
    week = 0
    while True:
        yield from sorted((week * WEEK + d * 24.0 + a, week * WEEK + d * 24.0 + b) for d in days for a, b in daily
                          if week * WEEK + d * 24.0 + a >= steady_from)
        week += 1


def open_intervals(spec: CalendarSpec) -> Iterator[tuple[float, float]]:
    """Merged open intervals (start, end) in hours from time 0, forever (the last may end at inf)."""
    holidays = sorted((h.start, h.start + h.duration) for h in spec.holidays)

    def minus_holidays(intervals: Iterable[tuple[float, float]]) -> Iterator[tuple[float, float]]:
        for a, b in intervals:
            pieces = [(a, b)]
            for ha, hb in holidays:
                if hb <= a or ha >= b:
                    continue
                nxt = []
                for pa, pb in pieces:
                    if pa < ha:
                        nxt.append((pa, min(pb, ha)))
                    if pb > hb:
                        nxt.append((max(pa, hb), pb))
                pieces = nxt
            yield from (p for p in pieces if p[1] > p[0])

    yield from _merge(minus_holidays(_weekly(spec)))


def always_open(spec: CalendarSpec | None) -> bool:
    return (spec is None or (not spec.shifts and spec.hours_per_day >= 24 and spec.days_per_week >= 7
                             and not spec.holidays))


_OPEN_HOURS: dict[tuple[Any, ...], float] = {}
OPEN_HOURS_KEPT = 4096


def open_hours(spec: CalendarSpec | None, horizon: float) -> float:
    """Total open time in [0, horizon] (for tests and capacity estimates). Kept per pattern
    (everything of the spec it reads) and horizon: the capacity table, the run's answer and
    each replication's cost plan ask for the same calendars again, and walking a year of
    shifts takes a while."""
    if spec is None or always_open(spec):
        return horizon
    key = (tuple(_daily(spec)), spec.days_per_week, tuple((h.start, h.duration) for h in spec.holidays), horizon)
    total = _OPEN_HOURS.get(key)
    if total is None:
        total = 0.0
        for a, b in open_intervals(spec):
            if a >= horizon:
                break
            total += min(b, horizon) - max(a, 0.0)
        if len(_OPEN_HOURS) >= OPEN_HOURS_KEPT:
            _OPEN_HOURS.clear()
        _OPEN_HOURS[key] = total
    return total
