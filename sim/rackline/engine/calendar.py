"""Open hours of stations: daily shifts on working days, minus holidays.

Week 0 starts at time 0 on the first working day. A calendar announces each opening
and closing to its listeners (stations), which pause work in progress at a close
and resume it at the next open.
"""
from __future__ import annotations

from typing import Iterator


def open_intervals(spec) -> Iterator[tuple[float, float]]:
    """Merged open intervals (start, end) in hours from time 0, forever."""
    if spec.shifts:
        daily = sorted((s.start, s.end) for s in spec.shifts)
    else:
        daily = [(spec.day_start, spec.day_start + spec.hours_per_day)]
    holidays = sorted((h.start, h.start + h.duration) for h in spec.holidays)

    def raw() -> Iterator[tuple[float, float]]:
        day = 0
        while True:
            if day % 7 < spec.days_per_week:
                for a, b in daily:
                    yield day * 24.0 + a, day * 24.0 + b
            day += 1
            if day > 10_000_000:  # pragma: no cover - a calendar with no open time
                return

    def minus_holidays(intervals):
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

    cur = None
    for a, b in minus_holidays(raw()):
        if cur is None:
            cur = [a, b]
        elif a <= cur[1]:
            cur[1] = max(cur[1], b)
        else:
            yield cur[0], cur[1]
            cur = [a, b]
    if cur is not None:  # pragma: no cover
        yield cur[0], cur[1]


def always_open(spec) -> bool:
    return (spec is None or (not spec.shifts and spec.hours_per_day >= 24 and spec.days_per_week >= 7
                             and not spec.holidays))


def open_hours(spec, horizon: float) -> float:
    """Total open time in [0, horizon] (for tests and capacity estimates)."""
    if always_open(spec):
        return horizon
    total = 0.0
    for a, b in open_intervals(spec):
        if a >= horizon:
            break
        total += min(b, horizon) - max(a, 0.0)
    return total


class ShiftCalendar:
    """Runs one calendar in a replication and tells its listeners when it opens or closes."""

    def __init__(self, clock, name: str, spec):
        self.clock = clock
        self.name = name
        self.listeners: list = []
        self.is_open = True
        self._intervals = None if always_open(spec) else open_intervals(spec)

    def start(self) -> None:
        if self._intervals is None:
            return
        self.is_open = False
        self._next()

    def _next(self) -> None:
        a, b = next(self._intervals)
        if a <= self.clock.now:
            self._set(True)
            self.clock.call_at(b, self._close)
        else:
            self.clock.call_at(a, self._open, b)

    def _open(self, close_at: float) -> None:
        self._set(True)
        self.clock.call_at(close_at, self._close)

    def _close(self) -> None:
        self._set(False)
        self._next()

    def _set(self, is_open: bool) -> None:
        if is_open == self.is_open:
            return
        self.is_open = is_open
        for listener in self.listeners:
            listener.on_calendar(is_open)
