"""A test hall: the power (and cooling) that racks under test share.

A rack of k kW holds k kW of the hall from the start of its test to its end, so a
hall of P kW holds at most floor(P / k) such racks at once; a station whose next
rack does not fit waits (`waiting_power`) and is woken, in the order it began to wait,
when a test ends. By default (`power_queue: first_fit`) power is not reserved: a station
whose next start needs less (one L11 rack) can take what frees while a cluster waits for
the whole hall, and may keep it from ever starting. `in_turn` starts them in the order
they began to wait: power that frees is held for the first in line (`admits`); a station
that starts leaves the first place (its next start queues behind those waiting), and one
that no longer waits for power leaves the line (`leave`: no free server, shut, or its
start now waits for something else), so a start that cannot go never holds the hall.
The hall keeps the kWh drawn (energy) and the peak kW of each interval between snapshots.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from rackline.engine.clock import Clock


class Tester(Protocol):
    """A station that tests in the hall, as the hall sees it: to be woken when power frees."""

    def try_start(self) -> None: ...


class Hall:
    __slots__ = ("clock", "key", "cap", "drawn", "waiters", "kwh", "peak", "t_last", "in_turn", "_waking", "_due")

    def __init__(self, clock: Clock, key: str, cap_kw: float, in_turn: bool = False) -> None:
        self.clock = clock
        self.key = key
        self.cap = cap_kw
        self.drawn = 0.0
        self.waiters: list[Tester] = []
        self.in_turn = in_turn      # waiters start in their order (`waiters` is the line), else any that fits
        self._waking = False
        self._due = False           # in turn: the first place changed hands; try the line
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

    def admits(self, kw: float, station: Tester) -> bool:
        """Whether `station` may start a test drawing `kw` now: it fits, and (in turn) it is
        first in line, or no one waits."""
        if self.drawn + kw > self.cap + 1e-9:
            return False
        return not self.in_turn or not self.waiters or self.waiters[0] is station

    def take(self, kw: float, station: Tester | None = None) -> None:
        """`station` starts a test drawing `kw`. In turn, it was first in line: its next
        start waits behind everyone now waiting (it queues again if refused), and the
        next in line is tried when this start is done (`settle`), never in the middle of it."""
        self._flush()
        self.drawn += kw
        if self.drawn > self.peak:
            self.peak = self.drawn
        if self.in_turn and self.waiters and self.waiters[0] is station:
            self.waiters.pop(0)
            self._due = bool(self.waiters)

    def wait(self, station: Tester) -> None:
        if station not in self.waiters:
            self.waiters.append(station)

    def leave(self, station: Tester) -> None:
        """In turn: `station` no longer waits for power (it has no free server, is shut,
        or its start now waits for something else): out of the line, and if it was first,
        the next one's turn."""
        if station in self.waiters:
            first = self.waiters[0] is station
            self.waiters.remove(station)
            if first and self.waiters:
                self._due = True
                self.settle()

    def recheck(self, station: Tester) -> None:
        """In turn: something `station` needs was lost (an input taken by another, people
        leaving its crew): if it is first in line, it tries again, and leaves if it can
        no longer start."""
        if self.in_turn and self.waiters and self.waiters[0] is station and not self._waking:
            station.try_start()

    def settle(self) -> None:
        """In turn: try the line if its first place changed hands (a start or a leave)."""
        if self._due and not self._waking:
            self._wake_in_turn()

    def give(self, kw: float) -> None:
        self._flush()
        self.drawn = max(0.0, self.drawn - kw)
        if self.waiters:
            if self.in_turn:
                self._due = True
                self.settle()
                return
            waiters, self.waiters = self.waiters, []
            for st in waiters:
                st.try_start()

    def _wake_in_turn(self) -> None:
        """Try the first in line until one cannot start: each that starts (or no longer
        waits) leaves the first place to the next; one refused keeps it, and everyone
        behind it waits (no start overtakes it, however small)."""
        self._waking = True
        try:
            while self._due and self.waiters:
                self._due = False
                self.waiters[0].try_start()
        finally:
            self._waking = False
            self._due = False

    def snapshot(self) -> dict[str, float]:
        self._flush()
        out = {"kwh": self.kwh, "peak_kw": self.peak}
        self.peak = self.drawn
        return out
