"""A test hall: the power (and cooling) that racks under test share.

A rack of k kW holds k kW of the hall from the start of its test to its end, so a
hall of P kW holds at most floor(P / k) such racks at once; a station whose next
rack does not fit waits (`waiting_power`) and is woken, in the order it began to wait,
when a test ends. By default (`power_queue: first_fit`) power is not reserved: a station
whose next start needs less (one L11 rack) can take what frees while a cluster waits for
the whole hall, and may keep it from ever starting. `in_turn` starts them in the order
they began to wait: power that frees is held for the first waiting start (`admits`), and
a station leaves the queue when it starts or no longer waits for power (`leave`: shut,
down, or its start now waits for something else), so a start that cannot go never holds
the hall. The hall keeps the kWh drawn (energy) and the peak kW of each interval between
snapshots.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from rackline.engine.clock import Clock


class Tester(Protocol):
    """A station that tests in the hall, as the hall sees it: to be woken when power frees."""

    def try_start(self) -> None: ...


class Hall:
    __slots__ = ("clock", "key", "cap", "drawn", "waiters", "kwh", "peak", "t_last", "in_turn", "_pending",
                 "_current", "_waking", "_rewake")

    def __init__(self, clock: Clock, key: str, cap_kw: float, in_turn: bool = False) -> None:
        self.clock = clock
        self.key = key
        self.cap = cap_kw
        self.drawn = 0.0
        self.waiters: list[Tester] = []
        self.in_turn = in_turn
        self._pending: list[Tester] = []      # in turn: woken by a test's end, not yet tried, in their order
        self._current: Tester | None = None   # in turn: the woken station trying now
        self._waking = False
        self._rewake = False
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

    def admits(self, kw: float, station: Tester) -> bool:
        """Whether `station` may start a test drawing `kw` now: it fits, and (in turn) no
        start waits ahead of it."""
        if self.drawn + kw > self.cap + 1e-9:
            return False
        if not self.in_turn:
            return True
        if self.waiters:                # refused since the last wake-up: the first of them goes first
            return self.waiters[0] is station
        return not self._pending or station is self._current

    def take(self, kw: float) -> None:
        self._flush()
        self.drawn += kw
        if self.drawn > self.peak:
            self.peak = self.drawn

    def wait(self, station: Tester) -> None:
        if station not in self.waiters and station not in self._pending:
            self.waiters.append(station)

    def leave(self, station: Tester) -> None:
        """In turn: `station` started, or no longer waits for power; the next one's turn."""
        if station in self.waiters:
            first = self.waiters[0] is station
            self.waiters.remove(station)
            if first and self.waiters and not self._waking:
                self._wake_in_turn()

    def give(self, kw: float) -> None:
        self._flush()
        self.drawn = max(0.0, self.drawn - kw)
        if self.waiters:
            if self.in_turn:
                self._wake_in_turn()
                return
            waiters, self.waiters = self.waiters, []
            for st in waiters:
                st.try_start()

    def _wake_in_turn(self) -> None:
        """Try the waiting stations in their order; one refused stays first in line and
        the rest queue behind it in the same order. A wake-up while one runs (a test
        ending in the same instant) tries them all again after it."""
        if self._waking:
            self._rewake = True
            return
        self._waking = True
        try:
            again = True
            while again:
                self._rewake = False
                self._pending, self.waiters = self.waiters, []
                while self._pending:
                    self._current = self._pending.pop(0)
                    self._current.try_start()
                    self._current = None
                again = self._rewake and bool(self.waiters)
        finally:
            self._waking = False
            self._pending = []
            self._current = None

    def snapshot(self) -> dict[str, float]:
        self._flush()
        out = {"kwh": self.kwh, "peak_kw": self.peak}
        self.peak = self.drawn
        return out
