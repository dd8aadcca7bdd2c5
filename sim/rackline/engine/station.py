"""A Station: `servers` in parallel making items from inputs, one job per server.

A server starts a job only when its recipe's inputs are on hand, its output has room
(the space is reserved), a crew is free, the calendar is open and release control
allows it. Work advances at a *speed* (0 when the station is closed or the server
is down, a fraction during a disruption), so shifts, breakdowns and slow-downs all
pause and resume the same remaining work.

A free server's state is the reason it can't start (starved on an input, blocked
by a full output, idle without release or introduction, waiting for crew); what a
station measures is kept by `StationMeasures` (engine/station_measures.py).
"""
from __future__ import annotations

from array import array
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rackline.engine.plain import PlainPath
from rackline.engine.station_measures import BLOCKED, CREW, IDLE, POWER, STARVED, STATES  # noqa: F401 (STATES re-exported)
from rackline.engine.work import SETUP_PHASE, WORK_PHASE, Job, RecipeRun, Server  # noqa: F401 (RecipeRun re-exported)

if TYPE_CHECKING:
    import numpy as np

    from rackline.engine.clock import Clock
    from rackline.engine.test_hall import Hall
    from rackline.engine.workforce import Pool
    from rackline.scenario.distributions import Sampler
    from rackline.scenario.stations import Station as StationSpec

DONE = 1e-9   # hours of work left below which a paused job counts as finished (rounding of left -= elapsed)


class Station(PlainPath):   # < Dispatch < Breakdowns < StationMeasures (one line of parts, see station_measures.py)
    # slots: the hot path reads a dozen of these per event, and a slot is read faster than a dict
    # entry (the parts have none, so instances keep a __dict__, unused); compiled, mypyc lays them out
    __slots__ = ("clock", "env", "key", "site", "recipes", "batch", "servers", "n_servers", "free", "n_busy", "n_setup",
                 "n_down", "reason", "starved_item", "open", "factor", "pool", "crew", "failures", "operating_failures",
                 "repair_waiting", "setup_sample", "dispatch", "backlog_of", "_rr", "_last_item", "_yield_random",
                 "_trying", "_again", "t_last", "state_time", "starved_on", "wip", "wip_area", "completions", "sojourn",
                 "scrapped", "last_done", "active", "periods", "whole", "hall", "plain", "_queue", "_eid")

    def __init__(self, clock: Clock, key: str, spec: StationSpec, recipes: list[RecipeRun], *,
                 yield_rng: np.random.Generator, setup_sample: Sampler | None = None, pool: Pool | None = None,
                 failures: dict[str, Any] | None = None, dispatch: str = "largest_backlog",
                 backlog_of: Callable[[str], int] | None = None, hall: Hall | None = None) -> None:
        self.clock = clock
        self.env = clock.env
        self.key = key
        self.site = key.split(".")[0]
        self.recipes = recipes
        self.batch = spec.units_per_start
        self.whole = spec.cluster is not None   # a cluster starts with all its units or waits
        # the test hall whose power its units draw (recipes with `kw` > 0); None when it tests in none
        self.hall = hall
        self.servers = [Server(i) for i in range(spec.servers)]
        self.n_servers = spec.servers
        self.free = list(reversed(self.servers))
        self.n_busy = 0
        self.n_setup = 0
        self.n_down = 0
        self.reason = IDLE
        self.starved_item = None
        self.open = True
        self.factor = 1.0
        self.pool = pool    # None only when the station needs no crew (self.crew == 0)
        self.crew = spec.crew.size if spec.crew else 0
        self.failures = failures or {}      # see StationMeasures.failures
        self.operating_failures = failures is not None and failures["basis"] == "operating"
        self.repair_waiting = []
        self.setup_sample = setup_sample
        self.dispatch = dispatch
        self.backlog_of = backlog_of or (lambda item: 0)
        self._rr = 0
        self._last_item = None
        self._yield_random = yield_rng.random
        self._trying = False
        self._again = False
        self.plain = False                  # set by `settle` once release control is bound
        self._queue = clock._queue          # the clock's queue and ids: the plain path pushes its job's end itself
        self._eid = clock._eid
        # accounting
        self.t_last = 0.0
        self.state_time = [0.0] * len(STATES)
        self.starved_on = {}
        self.wip = 0
        self.wip_area = 0.0
        self.completions = 0
        self.sojourn = 0.0
        self.scrapped = 0
        self.last_done = 0.0             # when the last unit finished (how long a deadlock has lasted)
        self.active = False
        self.periods = array("d")     # alternating start, end of active periods (doubles: 8 bytes each)

    def who(self, args: tuple[Any, ...]) -> str:
        """How the run guard names this station (sim.engine.clock.who)."""
        return f"station {self.key}"

    # ---- wake-ups (on_crew: engine/breakdowns.py); methods, not aliases of try_start: mypyc compiles none
    def on_stock(self) -> None:
        self.try_start()

    def on_room(self) -> None:
        self.try_start()

    def on_auth(self) -> None:
        self.try_start()

    def on_calendar(self, is_open: bool) -> None:
        self._flush()
        self.open = is_open
        for s in self.servers:
            if s.job is not None:
                self._run(s)
        self.try_start()    # shut, it starts nothing (and in a hall that starts in turn, leaves the line)

    def add_servers(self, n: int) -> None:
        """A rule's expansion: `n` more servers, idle and ready (they do not break down)."""
        self._flush()
        new = [Server(len(self.servers) + i) for i in range(n)]
        self.servers.extend(new)
        self.n_servers += n
        self.free[:0] = reversed(new)          # the lowest-numbered free server is taken first
        self.try_start()

    def set_factor(self, factor: float) -> None:
        """Disruption: work goes at `factor` of normal speed (0 = stopped)."""
        self._flush()
        self.factor = factor
        for s in self.servers:
            if s.job is not None:
                self._run(s)
        self.try_start()

    def recheck_turn(self) -> None:
        if self.hall is not None:
            self.hall.recheck(self)

    def _out_of_line(self) -> None:
        if self.hall is not None and self.hall.in_turn:
            self.hall.leave(self)

    def _crew_pool(self) -> Pool:
        assert self.pool is not None, "only a station with a crew takes one"
        return self.pool

    def _hall(self) -> Hall:
        assert self.hall is not None, "only a station whose recipes draw power tests in a hall"
        return self.hall

    # ---- starting work --------------------------------------------------------------------
    def try_start(self) -> None:
        """Start jobs on free servers while the recipes allow, then note the reason the
        rest wait (called on every wake-up: stock, room, authorization, a finished job).
        One function, not a loop calling a `_fill`: it runs at each station visit."""
        if self._trying:
            self._again = True
            return
        refused = False     # the last pass found a start that waits for hall power
        if self.free and self.open and self.factor > 0.0:
            self._trying = True
            try:
                self._again = True
                while self._again:
                    self._again = False
                    now = self.clock.now
                    if self.plain:
                        self._start_plain(now)
                        continue
                    single = len(self.recipes) == 1
                    while self.free:
                        reason = None
                        starved = None
                        refused = False
                        for r in (self.recipes if single else self._order()):
                            units = self.batch
                            if now < r.available_from or now >= r.available_until:
                                why = IDLE
                            elif r.auth is not None and r.auth.count <= 0:
                                why = IDLE
                            elif r.loop_start is not None and r.loop_start.cards <= 0:
                                why = IDLE
                            else:
                                if r.auth is not None and r.auth.count < units:
                                    units = r.auth.count
                                if r.loop_start is not None and r.loop_start.cards < units:
                                    units = r.loop_start.cards
                                if self.whole and units < self.batch:
                                    why = IDLE
                                elif r.bounded and not r.has_room(units):
                                    why = BLOCKED
                                else:
                                    why = None
                                    for inv, q in r.inputs:
                                        if inv.level < q * units:
                                            why, starved = STARVED, inv.item
                                            break
                                    if why is None and self.crew and self._crew_pool().available < self.crew:
                                        why = CREW
                                        self._crew_pool().wait(self)
                                    if why is None and r.kw and not self._hall().admits(r.kw * units, self):
                                        why, refused = POWER, True
                                        self._hall().wait(self)
                                    if why is None:
                                        # start: take inputs, then begin the job
                                        if now > self.t_last:     # _flush adds nothing when no time has passed
                                            self._flush()
                                        server = self.free.pop()
                                        if not single and server.last_item != r.item:
                                            server = self._set_up_server(server, r.item)
                                        # power and crew before the inputs: room freed by the take wakes
                                        # stations upstream at once, and they must find both already taken
                                        if r.kw:
                                            self._hall().take(r.kw * units, self)
                                            refused = False
                                        if self.crew:
                                            self._crew_pool().take(self.crew)
                                        self._begin(server, r, units, r.take_inputs(units, now))
                                        r.inputs_taken()    # who waits on them wakes once the start is recorded
                                        break
                            if reason is None or (reason == IDLE and why != IDLE):
                                reason = why
                                if why != STARVED:
                                    starved = None
                        else:
                            if reason != self.reason or starved != self.starved_item:
                                self._flush()
                                self.reason = reason  # type: ignore[assignment]   # a station has recipes: the loop set it
                                self.starved_item = starved
                            break
            finally:
                self._trying = False
        if self.hall is not None and self.hall.in_turn:
            if not refused:
                self._out_of_line()     # no free server, shut, or waiting for something else
            self.hall.settle()          # a start here gave the first place to the next in line
        # _mark, inlined: servers waiting for hall power count as active (the hall holds them back, as work does)
        if self.open and (not self.free or self.factor <= 0.0 or self.reason == POWER) != self.active:
            self.active = not self.active
            self.periods.append(self.clock.now)

    def _begin(self, server: Server, r: RecipeRun, units: int, birth: float) -> None:
        r.out.reserved += units
        if r.fail_reserve is not None:
            r.fail_reserve.reserved += units
        if r.auth is not None:
            r.auth.count -= units
        if r.loop_start is not None:
            r.loop_start.cards -= units
        n = r.started + 1
        r.started += units
        work = r.sample()
        if r.learn_first is not None:
            f = r.learn_first * n ** r.learn_b
            if f > 1.0:
                work *= f
        job = Job()
        job.recipe = r
        job.units = units
        job.work = work
        job.started = job.since = self.clock.now
        job.birth = birth
        job.speed = 0.0
        job.token = 0
        setup = 0.0
        if server.last_item is not None and server.last_item != r.item and self.setup_sample is not None:
            setup = self.setup_sample()
        server.last_item = r.item
        self._last_item = r.item
        self._rr += 1
        if setup > 0.0:
            job.phase, job.left = SETUP_PHASE, setup
            self.n_setup += 1
        else:
            job.phase, job.left = WORK_PHASE, work
            self.n_busy += 1
        server.job = job
        self.wip += units
        if self.open and self.factor == 1.0 and not self.failures:   # the common case of _run, inlined
            job.speed = 1.0
            job.token = 1
            self.clock.call_in(job.left, self._phase_done, server, job, 1)
        else:
            self._run(server)

    def _run(self, server: Server) -> None:
        """(Re)schedule the end of the server's current phase at its current speed."""
        job: Job = server.job  # type: ignore[assignment]   # called only for a server that holds a job
        now = self.clock.now
        if job.speed > 0.0:
            job.left -= (now - job.since) * job.speed
            if job.left < DONE:
                job.left = 0.0
        speed = 0.0 if (not self.open or server.down) else self.factor
        job.since = now
        job.speed = speed
        job.token += 1
        if job.left <= 0.0 and not server.down:
            # its work is done (it ends at this very instant, e.g. at closing time): it
            # completes now, not at the next opening
            self.clock.call_in(0.0, self._phase_done, server, job, job.token)
        elif speed > 0.0:
            self.clock.call_in(job.left / speed, self._phase_done, server, job, job.token)
        if self.operating_failures:
            self._aging(server, speed > 0.0 and job.phase == WORK_PHASE)

    # ---- finishing work -------------------------------------------------------------------
    def _phase_done(self, server: Server, job: Job, token: int) -> None:
        if job.token != token or server.job is not job:
            return
        now = self.clock.now
        if self.plain:     # the general path below, less what a plain station never has (engine/plain.py)
            if now > self.t_last:     # _flush adds nothing when no time has passed
                self._flush()
            r = job.recipe
            units = job.units
            self._finished(job, r, units, units, now)
            server.job = None
            self.free.append(server)
            r.out.reserved -= units
            r.out.put(units, job.birth)
            self.try_start()
            return
        self._flush()
        if job.phase == SETUP_PHASE:
            job.phase, job.left, job.speed = WORK_PHASE, job.work, 0.0
            self.n_setup -= 1
            self.n_busy += 1
            self._run(server)
            self._mark()
            return
        r = job.recipe
        units = job.units
        if r.perfect:
            good = units
        else:
            p = r.yield_now(now)
            rnd = self._yield_random
            good = sum(1 for _ in range(units) if rnd() < p)
        failed = units - good
        self._finished(job, r, units, good, now)
        server.job = None
        if self.operating_failures:
            self._aging(server, False)
        if not server.down:
            self.free.append(server)
        if self.crew:
            self._crew_pool().give(self.crew)
        if r.kw:
            self._hall().give(r.kw * units)
        if failed and r.auth is not None:
            r.auth.count += failed
        r.out.reserved -= units
        if r.fail_reserve is not None:
            r.fail_reserve.reserved -= units
        loop = r.loop_end
        if loop is not None:
            loop.cards += units
        r.out.put(good, job.birth)
        if failed:
            if r.fail is not None:
                r.fail.put(failed, job.birth)
            else:
                self.scrapped += failed
            r.out.release_room()
        if r.fail is not None and good:
            r.fail.release_room()
        if loop is not None:
            loop.first.try_start()
        self.try_start()

    def _finished(self, job: Job, r: RecipeRun, units: int, good: int, now: float) -> None:
        """What every completed job counts, on the plain path and the general one alike."""
        r.completed += units
        r.good += good
        self.last_done = now
        self.completions += units
        self.sojourn += (now - job.started) * units
        r.sojourn += (now - job.started) * units
        self.wip -= units
        self.n_busy -= 1

    # ---- initial state and results -----------------------------------------------------------
    def preload(self, units: int) -> None:
        """Put `units` already in process at time 0 (their inputs were consumed before)."""
        r = self.recipes[0]
        while units > 0 and self.free:
            n = min(units, self.batch)
            if r.kw:
                self._hall().take(r.kw * n)
            if self.crew:
                self._crew_pool().take(self.crew)
            self._begin(self.free.pop(), r, n, 0.0)
            units -= n
