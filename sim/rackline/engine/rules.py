"""Adaptive rules in a replication: watch a demand each week; when the condition has
held for the rule's weeks, decide, and change the plan `after` a delay.

The check runs at the end of every simulated week (a scheduled call on the clock,
like every other process here). A rule's streak counts consecutive weekly checks on
which its condition held; when the streak covers `for`, the rule fires (at most
`at_most` times), its streak restarts, and the change is applied `after` later.
Every firing is logged (rule, decided at, acts at, action) for the record; the
capex is priced outside the engine (`analysis.cost_plan`).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from rackline.units import WEEK

if TYPE_CHECKING:
    from rackline.engine.calendar import ShiftCalendar
    from rackline.engine.clock import Clock
    from rackline.engine.demand import Demand
    from rackline.engine.station import Station
    from rackline.scenario.rules import Rule


class Rules:
    def __init__(self, clock: Clock, specs: dict[str, Rule], demands: dict[str, Demand],
                 stations: dict[str, Station], calendars: dict[str, ShiftCalendar]) -> None:
        self.clock = clock
        self.specs = specs
        self.demands = demands
        self.stations = stations
        self.calendars = calendars
        self.streak = dict.fromkeys(specs, 0)
        self.fired = dict.fromkeys(specs, 0)
        self.last_orders = dict.fromkeys(specs, 0)
        self.log: list[tuple[str, float, float, str]] = []    # rule, decided at, acts at, action

    def who(self, args: tuple[Any, ...]) -> str:
        return f"rule {args[0]}" if args else "a rule"

    def start(self) -> None:
        for name in self.specs:
            self.clock.call_at(WEEK, self._check, name)

    def _holds(self, name: str) -> bool:
        when = self.specs[name].when
        if when.backlog is not None:
            return self.demands[when.backlog].backlog > (when.above or 0.0)
        d = self.demands[str(when.no_orders)]
        new = d.n_orders - self.last_orders[name]
        self.last_orders[name] = d.n_orders
        return new == 0

    def _check(self, name: str) -> None:
        rule = self.specs[name]
        self.streak[name] = self.streak[name] + 1 if self._holds(name) else 0
        if self.fired[name] < rule.at_most and self.streak[name] >= math.ceil(rule.when.for_ / WEEK - 1e-9):
            self.fired[name] += 1
            self.streak[name] = 0
            now = self.clock.now
            self.log.append((name, now, now + rule.after, rule.action))
            self.clock.call_in(rule.after, self._act, name)
        if self.fired[name] < rule.at_most:
            self.clock.call_in(WEEK, self._check, name)

    def _act(self, name: str) -> None:
        rule = self.specs[name]
        if rule.add_servers is not None:
            self.stations[rule.add_servers.station].add_servers(rule.add_servers.count)
        elif rule.calendar is not None:
            st = self.stations[rule.calendar.station]
            for cal in self.calendars.values():
                if st in cal.listeners:
                    cal.listeners.remove(st)
            new = self.calendars[rule.calendar.to]
            new.listeners.append(st)
            st.on_calendar(new.is_open)
