"""Disruptions: a supplier, lane, station or whole site at a fraction of capacity for a while.

Overlapping disruptions on one target take the lowest fraction. Every event is
logged with its start and end so results can show it.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from rackline.engine.clock import Clock
    from rackline.scenario.model import Disruption as DisruptionSpec


class Target(Protocol):
    """What a disruption acts on: a supplier, lane or station."""

    def set_factor(self, factor: float) -> None: ...


class Disruptions:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.active: dict[int, list[float]] = defaultdict(list)
        self.log: list[tuple[str, str, float, float, float]] = []   # name, target, start, end, capacity

    def who(self, args: tuple[Any, ...]) -> str:
        return f"disruption {args[0]}" if args else "a disruption"

    def add(self, name: str, label: str, targets: list[Target], spec: DisruptionSpec,
            every: Callable[[], float] | None = None, duration: Callable[[], float] | None = None) -> None:
        if spec.at is not None:
            self.clock.call_at(spec.at, self._begin, name, label, targets, spec.capacity, duration, None)
        else:
            # a disruption without `at` has `every` (the scenario model checks exactly one is given)
            self.clock.call_in(every(), self._begin, name, label, targets, spec.capacity, duration,  # type: ignore[misc]
                               every)

    def _begin(self, name: str, label: str, targets: list[Target], capacity: float, duration: Callable[[], float],
               every: Callable[[], float] | None) -> None:
        length = duration()
        now = self.clock.now
        self.log.append((name, label, now, now + length, capacity))
        for t in targets:
            self.active[id(t)].append(capacity)
            t.set_factor(min(self.active[id(t)]))
        self.clock.call_in(length, self._end, name, label, targets, capacity, duration, every)

    def _end(self, name: str, label: str, targets: list[Target], capacity: float, duration: Callable[[], float],
             every: Callable[[], float] | None) -> None:
        for t in targets:
            factors = self.active[id(t)]
            factors.remove(capacity)
            t.set_factor(min(factors) if factors else 1.0)
        if every is not None:
            self.clock.call_in(every(), self._begin, name, label, targets, capacity, duration, every)
