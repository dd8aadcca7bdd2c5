"""Disruptions: a supplier, lane, station or whole site at a fraction of capacity for a while.

Overlapping disruptions on one target take the lowest fraction. Every event is
logged with its start and end so results can show it.
"""
from __future__ import annotations

from collections import defaultdict


class Disruptions:
    def __init__(self, clock):
        self.clock = clock
        self.active: dict[int, list[float]] = defaultdict(list)
        self.log: list[tuple[str, str, float, float, float]] = []   # name, target, start, end, capacity

    def who(self, args: tuple) -> str:
        return f"disruption {args[0]}" if args else "a disruption"

    def add(self, name: str, label: str, targets: list, spec, every=None, duration=None) -> None:
        if spec.at is not None:
            self.clock.call_at(spec.at, self._begin, name, label, targets, spec.capacity, duration, None)
        else:
            self.clock.call_in(every(), self._begin, name, label, targets, spec.capacity, duration, every)

    def _begin(self, name, label, targets, capacity, duration, every) -> None:
        length = duration()
        now = self.clock.now
        self.log.append((name, label, now, now + length, capacity))
        for t in targets:
            self.active[id(t)].append(capacity)
            t.set_factor(min(self.active[id(t)]))
        self.clock.call_in(length, self._end, name, label, targets, capacity, duration, every)

    def _end(self, name, label, targets, capacity, duration, every) -> None:
        for t in targets:
            factors = self.active[id(t)]
            factors.remove(capacity)
            t.set_factor(min(factors) if factors else 1.0)
        if every is not None:
            self.clock.call_in(every(), self._begin, name, label, targets, capacity, duration, every)
