"""A Lane: trucks moving one item from a site's inventory to another site's.

On demand (no `every`), a load leaves as soon as units are on hand and the
destination has room; with `every`, loads leave on a fixed schedule. A load never
exceeds `load_limit` or the room left at the destination (in-transit units hold
their space). A disruption scales the load limit, or stops the lane at 0.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rackline.engine.clock import Clock
    from rackline.engine.inventory import Inventory
    from rackline.scenario.model import Lane as LaneSpec


class Lane:
    def __init__(self, clock: Clock, name: str, spec: LaneSpec, origin: Inventory, dest: Inventory,
                 transit: Callable[[], float]) -> None:
        self.clock = clock
        self.name = name
        self.origin = origin
        self.dest = dest
        self.transit = transit
        self.every = spec.every
        self.load_limit = spec.load_limit
        self.factor = 1.0
        self.in_transit = 0
        self.shipped = 0
        self.loads = 0
        self.transit_area = 0.0
        self._t_last = 0.0

    def who(self, args: tuple[Any, ...]) -> str:
        return f"lane {self.name}"

    def start(self) -> None:
        if self.every:
            self.clock.call_in(0.0, self._departure)
        else:
            self.dispatch()

    def _departure(self) -> None:
        self.dispatch(scheduled=True)
        self.clock.call_in(self.every, self._departure)  # type: ignore[arg-type]  # scheduled only with `every`

    def on_stock(self) -> None:
        if not self.every:
            self.dispatch()

    on_room = on_stock

    def dispatch(self, scheduled: bool = False) -> None:
        if self.factor <= 0.0:
            return
        limit = math.inf if self.load_limit is None else max(1, math.floor(self.load_limit * self.factor))
        n = int(min(self.origin.level, self.dest.room(), limit))
        if n <= 0:
            return
        self._flush()
        births = self.origin.take_births(n)
        self.dest.reserve(n)
        self.in_transit += n
        self.loads += 1
        self.clock.call_in(self.transit(), self._arrive, n, births)

    def _arrive(self, n: int, births: list[float] | None) -> None:
        self._flush()
        self.in_transit -= n
        self.shipped += n
        self.dest.unreserve(n)
        self.dest.put(n, births=births)

    def _flush(self) -> None:
        now = self.clock.now
        self.transit_area += self.in_transit * (now - self._t_last)
        self._t_last = now

    def set_factor(self, factor: float) -> None:
        self.factor = factor
        if not self.every:
            self.dispatch()

    def snapshot(self) -> dict[str, float]:
        self._flush()
        return {"shipped": self.shipped, "in_transit": self.in_transit, "transit_area": self.transit_area,
                "loads": self.loads}
