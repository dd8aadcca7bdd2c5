"""What a station works on: recipes bound to a replication, jobs in process, servers.

Plain data holders with `__slots__` (the engine makes one Job per unit started).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rackline.engine.inventory import Inventory
    from rackline.engine.release import Authorization, Loop
    from rackline.scenario.distributions import Sampler
    from rackline.scenario.stations import Learning

WORK_PHASE, SETUP_PHASE = 0, 1


class RecipeRun:
    """A recipe bound to this replication's inventories, samplers and release control."""

    __slots__ = ("item", "inputs", "out", "fail", "bounded", "perfect", "sample", "yield_", "ramp", "available_from", "auth",
                 "loop_start", "loop_end", "learn_first", "learn_b", "started", "completed", "good", "fail_reserve",
                 "room_needs", "path_input", "sojourn", "available_until", "kw")

    def __init__(self, item: str, inputs: list[tuple[Inventory, int]], out: Inventory, fail: Inventory | None,
                 sample: Sampler, yield_: float, ramp: tuple[float, int | None, float | None] | None = None,
                 available_from: float = 0.0, learning: Learning | None = None, available_until: float = math.inf,
                 kw: float = 0.0) -> None:
        self.item = item
        self.inputs = inputs        # [(Inventory, qty per unit)]
        self.out = out
        self.fail = fail            # Inventory for failed units, or None (scrap)
        self.fail_reserve = fail if fail is not None and fail is not out else None   # a second stock to reserve in
        self.room_needs = room_needs(inputs, out, fail)
        self.bounded = bool(self.room_needs)
        self.path_input = path_input(inputs)
        self.sample = sample        # Sampler of base process time
        self.yield_ = yield_
        self.ramp = ramp            # (start yield, units or None, over hours or None)
        self.perfect = yield_ >= 1.0 and ramp is None
        self.available_from = available_from
        self.available_until = available_until   # its generation's end of production
        self.kw = kw                # power one unit draws from the station's test hall while in process
        self.auth: Authorization | None = None   # make-to-order authorizations (sim.engine.release.Authorization)
        self.loop_start: Loop | None = None      # CONWIP loop whose cards gate this recipe
        self.loop_end: Loop | None = None        # CONWIP loop whose cards this recipe returns
        self.learn_first = learning.first_unit if learning else None
        self.learn_b = math.log2(learning.rate) if learning else 0.0
        self.started = 0
        self.completed = 0
        self.good = 0
        self.sojourn = 0.0          # summed hours units of this recipe spent in the station (finished jobs)

    def has_room(self, units: int) -> bool:
        for inv, per_unit in self.room_needs:
            if inv.room() < per_unit * units:
                return False
        return True

    def yield_now(self, now: float) -> float:
        if self.ramp is None:
            return self.yield_
        start, units, over = self.ramp
        # the scenario's YieldRamp requires `units` or `over`: without units, over is set
        frac = self.completed / units if units else (now - self.available_from) / over  # type: ignore[operator]
        return start + (self.yield_ - start) * min(1.0, max(0.0, frac))

    def take_inputs(self, units: int, now: float) -> float:
        """Remove the inputs of `units` and return their build start: the path input's
        (see `path_input`), or `now` when it has none. No one is woken yet: the station
        records its start, then calls `inputs_taken`."""
        birth = now
        path = self.path_input
        for inv, q in self.inputs:
            b = inv.remove(q * units)
            if inv is path:
                birth = b
        return birth

    def inputs_taken(self) -> None:
        """The start is recorded: each input's reorder policy and waiting producers wake."""
        for inv, _ in self.inputs:
            inv.taken()


def path_input(inputs: list[tuple[Inventory, int]]) -> Inventory | None:
    """The input whose unit this recipe carries on (so its build start travels on), or None.

    A recipe continues a unit's own path when it takes exactly one made unit (an
    inventory that keeps births) per unit it makes, and no other made input: a test,
    a rework, a move along the rack's line. A recipe that assembles several made
    parts, or only purchased ones, starts a new path: its units' build starts when
    it starts (integrate starts the rack; a tray station starts the tray)."""
    made = [(inv, q) for inv, q in inputs if inv.births is not None]
    if len(made) == 1 and made[0][1] == 1:
        return made[0][0]
    return None


def room_needs(inputs: list[tuple[Inventory, int]], out: Inventory,
               fail: Inventory | None) -> list[tuple[Inventory, int]]:
    """[(finite stock, room it must have per unit started)]. A unit started needs one
    place in its output stock (and in its `fail_to` stock, if another), less what
    starting it takes out of that same stock: rework back into the station's own
    input needs no extra room, since the unit leaves the stock as it starts."""
    need: dict[int, list[Any]] = {}   # id(stock) -> [stock, room per unit]
    for inv in (out, fail):
        if inv is not None and inv.capacity != math.inf:
            need[id(inv)] = [inv, 1]
    for inv, q in inputs:
        if id(inv) in need:
            need[id(inv)][1] -= q
    return [(inv, n) for inv, n in need.values() if n > 0]


class Job:
    __slots__ = ("recipe", "units", "left", "work", "phase", "speed", "since", "token", "started", "birth")

    recipe: RecipeRun
    units: int
    left: float       # hours of the current phase's work left at `since`
    work: float       # hours of work (the work phase's length at full speed)
    phase: int        # WORK_PHASE or SETUP_PHASE
    speed: float
    since: float
    token: int        # bumped at each reschedule; a stale end-of-phase call carries an older one
    started: float
    birth: float


class Server:
    __slots__ = ("idx", "job", "last_item", "down", "ttf", "fail_since", "fail_token")

    def __init__(self, idx: int) -> None:
        self.idx = idx
        self.job: Job | None = None
        self.last_item: str | None = None
        self.down = False
        self.ttf = math.inf
        self.fail_since: float | None = None
        self.fail_token = 0
