"""A test hall: the power (and cooling) that racks under test share.

A rack of k kW holds k kW of the hall from the start of its test to its end, so a
hall of P kW holds at most floor(P / k) such racks at once; a station whose next
rack does not fit waits (`waiting_power`) and is woken, in the order it began to wait,
when a test ends. Power is not reserved: a station whose next start needs less (one L11
rack) can take what frees while a cluster waits for the whole hall. The hall keeps the kWh drawn (energy) and the peak kW of each
interval between snapshots.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rackline.engine.clock import Clock
    from rackline.engine.station import Station


class Hall:
    __slots__ = ("clock", "key", "cap", "drawn", "waiters", "kwh", "peak", "t_last")

    def __init__(self, clock: Clock, key: str, cap_kw: float) -> None:
        self.clock = clock
        self.key = key
        self.cap = cap_kw
        self.drawn = 0.0
        self.waiters: list[Station] = []
        self.kwh = 0.0
        self.peak = 0.0          # the most kW drawn since the last snapshot
        self.t_last = 0.0

    def who(self, args: tuple[Any, ...]) -> str:
        return f"test hall {self.key}"

    def _flush(self) -> None:
        now = self.clock.now
        dt = now - self.t_last
        if dt > 0.0:
            self.kwh += self.drawn * dt
            self.t_last = now

    def fits(self, kw: float) -> bool:
        return self.drawn + kw <= self.cap + 1e-9

    def take(self, kw: float) -> None:
        self._flush()
        self.drawn += kw
        if self.drawn > self.peak:
            self.peak = self.drawn

    def wait(self, station: Station) -> None:
        if station not in self.waiters:
            self.waiters.append(station)

    def give(self, kw: float) -> None:
        self._flush()
        self.drawn = max(0.0, self.drawn - kw)
        if self.waiters:
            waiters, self.waiters = self.waiters, []
            for st in waiters:
                st.try_start()

    def snapshot(self) -> dict[str, float]:
        self._flush()
        out = {"kwh": self.kwh, "peak_kw": self.peak}
        self.peak = self.drawn
        return out
