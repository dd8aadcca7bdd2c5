"""Stock of one item at one site.

A finite capacity blocks the stations that feed it (they start a unit only when its
output has room, reserving the space). Made items carry their build start ("birth":
when the first operation on the unit's own path began, see `engine.work.path_input`)
in FIFO order, so build time can be measured where racks arrive; purchased items are
counted only.

Units of initial stock have no known history: their birth is `UNKNOWN` (infinity), so
their build starts when an operation on their path first takes them, and units that
reach a product's stock without any operation in the run are left out of build time.
(Units put in process at time 0 by `initial_wip` are born at 0.)
"""
from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rackline.engine.clock import Clock

UNKNOWN = math.inf   # birth of a unit whose first operation is not in the run


class Consumer(Protocol):
    """Takes from an inventory, woken when units arrive: a station, lane or demand."""

    def on_stock(self) -> None: ...


class Producer(Protocol):
    """Puts into an inventory, woken when room frees: a station or lane."""

    def on_room(self) -> None: ...


class InLine(Protocol):
    """A station that takes from this stock in a test hall that starts in turn: told when
    units leave, so it leaves the line if it was first and can no longer start."""

    def recheck_turn(self) -> None: ...


class Policy(Protocol):
    """Reviews an inventory's position as units leave it: its reorder policy
    (`engine.supplier.Replenishment`)."""

    def review(self, inv: Inventory) -> None: ...


class Inventory:
    __slots__ = ("clock", "env", "site", "item", "key", "level", "reserved", "capacity", "births", "consumers", "in_line",
                 "producers", "policy", "on_order", "area", "zero_time", "t_last", "units_in", "units_out",
                 "track_flow", "flow_sum", "flow_n", "_notifying")

    def __init__(self, clock: Clock, site: str, item: str, initial: int = 0, capacity: float = math.inf,
                 made: bool = False) -> None:
        self.clock = clock
        self.env = clock.env
        self.site = site
        self.item = item
        self.key = f"{site}/{item}"
        self.level = initial
        self.reserved = 0
        self.capacity = capacity
        self.births: deque[float] | None = deque([UNKNOWN] * initial) if made else None
        self.consumers: list[Consumer] = []   # objects with on_stock(): stations, lanes, demand
        self.in_line: list[InLine] = []       # consumers in a test hall that starts in turn
        self.producers: list[Producer] = []   # objects with on_room(): stations, lanes
        self.policy: Policy | None = None   # its reorder policy, if replenished
        self.on_order = 0
        self.area = 0.0             # integral of level over time
        self.zero_time = 0.0        # time spent empty
        self.t_last = 0.0
        self.units_in = 0
        self.units_out = 0
        self.track_flow = False     # products: record flow time of arriving units
        self.flow_sum = 0.0
        self.flow_n = 0
        self._notifying = 0

    def _flush(self) -> None:
        now = self.clock.now
        dt = now - self.t_last
        if dt > 0.0:
            if self.level > 0:
                self.area += self.level * dt
            else:                        # empty (a level is never below 0): the area adds nothing
                self.zero_time += dt
            self.t_last = now

    def room(self) -> float:
        return self.capacity - self.level - self.reserved

    def take(self, n: int) -> float:
        """Remove n units (caller checked they are there) and wake who waits on the room
        and the reorder policy; return the oldest birth among them (now for purchased or
        unknown-history units)."""
        birth = self.remove(n)
        self.taken()
        return birth

    def remove(self, n: int) -> float:
        """`take` without waking anyone: a station's start removes all its inputs and
        records itself first (`taken` after), so no one it wakes can start in between on
        what it counted (a shared input, its output's room)."""
        birth = self.clock.now
        dt = birth - self.t_last
        if dt > 0.0:                     # _flush, inlined (every take and put pays it)
            level = self.level
            if level > 0:
                self.area += level * dt
            else:
                self.zero_time += dt
            self.t_last = birth
        self.level -= n
        self.units_out += n
        births = self.births
        if births is not None:
            if n == 1:
                b = births.popleft()
                if b < birth:
                    birth = b
            else:
                pop = births.popleft
                for _ in range(n):
                    b = pop()
                    if b < birth:
                        birth = b
        return birth

    def taken(self) -> None:
        """After units left: the reorder policy reviews, producers waiting for room wake."""
        if self.policy is not None:
            self.policy.review(self)
        if self.producers and self.capacity != math.inf:   # room matters only when it is finite
            self._notify_room()
        for st in self.in_line:
            st.recheck_turn()

    def take_births(self, n: int) -> list[float] | None:
        """Remove n units keeping each one's birth (for loads that travel together)."""
        births = None if self.births is None else [self.births[i] for i in range(n)]
        self.take(n)
        return births

    def put(self, n: int, birth: float | None = None, births: list[float] | None = None) -> None:
        if n <= 0:
            return
        now = self.clock.now
        dt = now - self.t_last
        if dt > 0.0:                     # _flush, inlined
            level = self.level
            if level > 0:
                self.area += level * dt
            else:
                self.zero_time += dt
            self.t_last = now
        self.level += n
        self.units_in += n
        if self.births is not None:
            if births is None:
                b = now if birth is None else birth
                if n == 1:
                    self.births.append(b)
                else:
                    self.births.extend([b] * n)
                if self.track_flow and b != UNKNOWN:
                    self.flow_sum += (now - b) * n
                    self.flow_n += n
            else:
                self.births.extend(births)
                if self.track_flow:
                    known = [b for b in births if b != UNKNOWN]
                    self.flow_sum += now * len(known) - sum(known)
                    self.flow_n += len(known)
        for c in self.consumers:
            c.on_stock()

    def reserve(self, n: int) -> None:
        self.reserved += n

    def unreserve(self, n: int) -> None:
        self.reserved -= n

    def release_room(self) -> None:
        """Tell producers space may have freed (after an unreserve with nothing put)."""
        if self.producers and self.capacity != math.inf:
            self._notify_room()

    def _notify_room(self) -> None:
        # A producer woken here may free room again (nested); rather than recurse,
        # the outer call repeats the round so no wake-up is lost.
        if self._notifying:
            self._notifying = 2
            return
        while True:
            self._notifying = 1
            for p in self.producers:
                p.on_room()
            if self._notifying != 2:
                break
        self._notifying = 0

    def snapshot(self) -> dict[str, float]:
        self._flush()
        return {"level": self.level, "area": self.area, "zero_time": self.zero_time, "units_in": self.units_in,
                "units_out": self.units_out, "flow_sum": self.flow_sum, "flow_n": self.flow_n,
                "on_order": self.on_order}
