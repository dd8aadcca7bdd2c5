"""Open hours of stations: daily shifts on working days, minus holidays.

Week 0 starts at time 0 on the first working day. A calendar announces each opening
and closing to its listeners (stations), which pause work in progress at a close
and resume it at the next open.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rackline.engine.clock import Clock
    from rackline.engine.station import Station
    from rackline.scenario.model import Calendar

from rackline.calendars import always_open, open_hours, open_intervals

__all__ = ["ShiftCalendar", "always_open", "open_hours", "open_intervals"]


class ShiftCalendar:
    """Runs one calendar in a replication and tells its listeners when it opens or closes.

    `is_open` is right from construction (closed if the first opening is after time 0),
    because stations copy it when they are built, before the run starts."""

    def __init__(self, clock: Clock, name: str, spec: Calendar) -> None:
        self.clock = clock
        self.name = name
        self.listeners: list[Station] = []
        self._intervals = None if always_open(spec) else open_intervals(spec)
        self._first = None if self._intervals is None else next(self._intervals, None)
        self.is_open = (self._intervals is None if self._first is None
                        else self._first[0] <= clock.now < self._first[1])

    def who(self, args: tuple[Any, ...]) -> str:
        return f"calendar {self.name}"

    def start(self) -> None:
        if self._intervals is None:
            return
        first, self._first = self._first, None
        if first is None:          # pragma: no cover - never open
            return
        self._schedule(*first)

    def _schedule(self, a: float, b: float) -> None:
        if a <= self.clock.now:
            self._set(True)
            if b < math.inf:
                self.clock.call_at(b, self._close)
        else:
            self._set(False)
            self.clock.call_at(a, self._open, b)

    def _open(self, close_at: float) -> None:
        self._set(True)
        if close_at < math.inf:
            self.clock.call_at(close_at, self._close)

    def _close(self) -> None:
        self._set(False)
        nxt = None if self._intervals is None else next(self._intervals, None)
        if nxt is not None:
            self._schedule(*nxt)

    def _set(self, is_open: bool) -> None:
        if is_open == self.is_open:
            return
        self.is_open = is_open
        for listener in self.listeners:
            listener.on_calendar(is_open)
