"""A site's workforce pool: people that stations need as crew, hired over time.

A hire counts only after its training delay; people leaving reduce the pool as
soon as they are free. Stations that can't get a crew wait in FIFO order.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from rackline.engine.clock import Clock
    from rackline.scenario.model import Pool as PoolSpec


class Crewed(Protocol):
    """A station that needs a crew from the pool, woken when people free up (and, in a
    test hall that starts in turn, told when people leave: `recheck_turn`)."""

    def on_crew(self) -> None: ...

    def recheck_turn(self) -> None: ...


class Pool:
    __slots__ = ("clock", "key", "size", "available", "waiters", "in_line", "busy_area", "t_last", "size_area")

    def __init__(self, clock: Clock, key: str, spec: PoolSpec) -> None:
        self.clock = clock
        self.key = key
        self.size = spec.size
        self.available = spec.size
        self.waiters: list[Crewed] = []
        self.in_line: list[Crewed] = []     # its stations in a test hall that starts in turn
        self.busy_area = 0.0
        self.size_area = 0.0
        self.t_last = 0.0
        for hire in spec.hiring:
            ready = hire.at + (spec.training if hire.add > 0 else 0.0)
            clock.call_at(ready, self._change, hire.add)

    def who(self, args: tuple[Any, ...]) -> str:
        return f"workforce pool {self.key}"

    def _flush(self) -> None:
        now = self.clock.now
        dt = now - self.t_last
        if dt > 0:
            self.busy_area += (self.size - self.available) * dt
            self.size_area += self.size * dt
            self.t_last = now

    def _change(self, add: int) -> None:
        self._flush()
        self.size += add
        self.available += add
        if add > 0:
            self._wake()
        else:
            for st in self.in_line:
                st.recheck_turn()

    def take(self, n: int) -> bool:
        if self.available >= n:
            self._flush()
            self.available -= n
            return True
        return False

    def wait(self, station: Crewed) -> None:
        if station not in self.waiters:
            self.waiters.append(station)

    def give(self, n: int) -> None:
        self._flush()
        self.available += n
        self._wake()

    def _wake(self) -> None:
        if self.available <= 0 or not self.waiters:
            return
        waiters, self.waiters = self.waiters, []
        for st in waiters:
            st.on_crew()

    def snapshot(self) -> dict[str, float]:
        self._flush()
        return {"busy_area": self.busy_area, "size_area": self.size_area, "size": self.size}
