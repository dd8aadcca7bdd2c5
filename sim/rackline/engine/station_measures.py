"""What a station measures: time in each state, WIP area and active periods.

Time in state is kept by time stamps, not polling: before each change, `_flush`
adds `count x elapsed` to the running totals, so the cost is one flush per state
change, never one per unit or per hour. A mixin of `Station`, which holds the
state (in slots) and calls `_flush` before it changes any count.

The base of the station's parts (`StationMeasures` < `Breakdowns` < `Dispatch` <
`PlainPath` < `Station`): one line of classes, not mixins, so the engine compiles with mypyc
(engine/native.py), which takes single inheritance only. The state is declared
here, once, for all of them; `Station.__init__` sets it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from array import array

    from rackline.engine.clock import Clock
    from rackline.engine.work import Job, RecipeRun, Server

STATES = ("busy", "setup", "starved", "blocked", "idle", "waiting_crew", "down", "off_shift", "waiting_power")
BUSY, SETUP, STARVED, BLOCKED, IDLE, CREW, DOWN, OFF, POWER = range(9)


class StationMeasures:
    # the station's state, set by Station.__init__ (declared here for every part of the station)
    clock: Clock
    recipes: list[RecipeRun]
    servers: list[Server]
    free: list[Server]
    repair_waiting: list[Server]
    # mtbf=Sampler, mttr=Sampler, basis=str, pool=Pool|None, crew=int; empty when it never breaks down
    failures: dict[str, Any]
    n_servers: int
    n_busy: int
    n_setup: int
    n_down: int
    reason: int
    starved_item: str | None
    open: bool
    factor: float
    t_last: float
    state_time: list[float]
    starved_on: dict[str, float]
    wip: int
    wip_area: float
    completions: int
    sojourn: float
    scrapped: int
    active: bool
    periods: array[float]

    # the station's own steps (engine/station.py), declared here so its parts can call them
    def try_start(self) -> None:
        raise NotImplementedError

    def _run(self, server: Server) -> None:
        raise NotImplementedError

    def _phase_done(self, server: Server, job: Job, token: int) -> None:
        raise NotImplementedError

    def _out_of_line(self) -> None:
        """Leave the test hall's line, if it starts in turn: this station cannot start now."""
        raise NotImplementedError

    def _flush(self) -> None:
        """Add `count x elapsed` to each state's total since the last change (called
        before every change). Zero counts add nothing: skipping them is bit-identical
        (x + 0.0 == x) and spares the common busy-only case most of the work."""
        now = self.clock.now
        dt = now - self.t_last
        if dt <= 0.0:
            return
        self.t_last = now
        wip = self.wip
        if wip:
            self.wip_area += dt if wip == 1 else wip * dt   # 1 * dt is dt; an int times a float is slow
        st = self.state_time
        if self.factor > 0.0 and self.open:
            n = self.n_busy
            if n:
                st[BUSY] += dt if n == 1 else n * dt
            if self.n_setup:
                st[SETUP] += self.n_setup * dt
            if self.n_down:
                st[DOWN] += self.n_down * dt
            if self.free:
                t = dt if len(self.free) == 1 else len(self.free) * dt
                st[self.reason] += t
                if self.reason == STARVED:   # then try_start set starved_item to the missing input's item
                    self.starved_on[self.starved_item] = self.starved_on.get(self.starved_item, 0.0) + t  # type: ignore[index,arg-type]
        elif self.factor <= 0.0:
            st[DOWN] += self.n_servers * dt
        else:
            st[OFF] += (self.n_servers - self.n_down) * dt
            st[DOWN] += self.n_down * dt

    def _mark(self) -> None:
        """Roser's active-period method: a station is active when no server waits (for
        work, room or crew; servers waiting for test hall power count as active)."""
        if not self.open:
            return
        active = not self.free or self.factor <= 0.0 or self.reason == POWER
        if active != self.active:
            self.active = active
            self.periods.append(self.clock.now)

    def snapshot(self) -> dict[str, float]:
        self._flush()
        out = {f"time_{s}": t for s, t in zip(STATES, self.state_time)}
        out.update({"wip_area": self.wip_area, "completions": self.completions, "sojourn": self.sojourn,
                    "scrapped": self.scrapped, "wip": self.wip})
        now = self.clock.now
        in_process = {r.item: r.sojourn for r in self.recipes}
        for s in self.servers:
            if s.job is not None:
                in_process[s.job.recipe.item] += (now - s.job.started) * s.job.units
        for r in self.recipes:
            out[f"wip_area:{r.item}"] = in_process[r.item]   # integral of units of r.item in the station
            out[f"made:{r.item}"] = r.completed
            out[f"good:{r.item}"] = r.good
        for item, t in self.starved_on.items():
            out[f"starved_on:{item}"] = t
        return out
