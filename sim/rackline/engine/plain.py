"""A plain station's short path: start and finish jobs without the checks that cannot apply.

Most stations of a line have one recipe gated only by its inputs, its generation's
dates and make-to-order authorizations: no crew, test hall, breakdowns, set-ups,
learning, CONWIP loop, finite output, failed units or whole-cluster starts. For
them `Station.try_start` and `Station._phase_done` take this path, which is the
general one less those checks, with `_begin` and the common case of `_run` inlined
(the job's end pushed on the clock's queue directly). Same events, same order, same
numbers: every record hashes the same either way. A part of `Station`
(engine/station_measures.py).
"""
from __future__ import annotations

from heapq import heappush
from typing import TYPE_CHECKING, Any

from simpy.events import NORMAL

from rackline.engine.dispatch import Dispatch
from rackline.engine.station_measures import IDLE, STARVED
from rackline.engine.work import WORK_PHASE, Job

if TYPE_CHECKING:
    from rackline.engine.test_hall import Hall
    from rackline.scenario.distributions import Sampler


class PlainPath(Dispatch):
    # what else of the station's state this part reads (set by Station.__init__)
    batch: int
    whole: bool
    crew: int
    hall: Hall | None
    setup_sample: Sampler | None
    plain: bool
    _queue: list[Any]
    _eid: Any

    def settle(self) -> None:
        """Decide, once the network is built, whether this station is *plain*: one recipe
        gated only by its inputs, its dates and make-to-order authorizations; no crew,
        hall, breakdowns, set-ups, learning, CONWIP loop, finite output, failed units or
        whole-cluster starts. A plain station starts and finishes jobs on a short path
        (`_start_plain`, the top of `Station._phase_done`) with the same results."""
        r = self.recipes[0]
        self.plain = (len(self.recipes) == 1 and not self.crew and self.hall is None and not self.failures
                      and not self.whole and self.setup_sample is None and r.kw == 0.0 and not r.bounded
                      and r.fail is None and r.loop_start is None and r.loop_end is None
                      and r.learn_first is None and r.perfect)

    def _start_plain(self, now: float) -> None:
        """try_start's loop for a plain station (see `settle`): one recipe that only its
        inputs, its generation's dates and any make-to-order authorizations gate. The
        general loop less every check that cannot apply, and `_begin` inlined: this runs
        at most station visits of a line."""
        r = self.recipes[0]
        auth = r.auth
        free = self.free
        while free:
            starved = None
            if now < r.available_from or now >= r.available_until or (auth is not None and auth.count <= 0):
                why = IDLE
            else:
                units = self.batch
                if auth is not None and auth.count < units:
                    units = auth.count
                for inv, q in r.inputs:
                    if inv.level < q * units:
                        starved = inv.item
                        break
                else:
                    if now > self.t_last:     # _flush adds nothing when no time has passed
                        self._flush()
                    server = free.pop()
                    birth = r.take_inputs(units, now)
                    # _begin, less what a plain station never has (loops, crew, learning, set-ups)
                    r.out.reserved += units
                    if auth is not None:
                        auth.count -= units
                    r.started += units
                    job = Job()
                    job.recipe = r
                    job.units = units
                    job.work = job.left = r.sample()
                    job.started = job.since = now
                    job.birth = birth
                    job.phase = WORK_PHASE
                    server.last_item = self._last_item = r.item
                    self._rr += 1
                    self.n_busy += 1
                    server.job = job
                    self.wip += units
                    if self.open and self.factor == 1.0:   # the common case of _run, inlined
                        job.speed = 1.0
                        job.token = 1
                        heappush(self._queue, (now + job.left, NORMAL, next(self._eid), (self._phase_done, (server, job, 1))))
                    else:
                        job.speed = 0.0
                        job.token = 0
                        self._run(server)
                    r.inputs_taken()    # who waits on them wakes once the start is recorded
                    continue
                why = STARVED
            if why != self.reason or starved != self.starved_item:
                self._flush()
                self.reason = why
                self.starved_item = starved
            return
