"""The simulation clock: SimPy's event queue, driven by plain callbacks.

A generator process per unit costs several SimPy events per operation; rackline's
building blocks instead put a callback straight on SimPy's event queue
(`Clock.call_in`), one queue entry per state change, and `Clock.run` pops them.
SimPy stays the scheduler (its queue, its ordering of (time, priority, id) and its
`Environment.step` for any SimPy event that shares the queue); the loop only skips
SimPy's per-event bookkeeping for rackline's own calls.

This is the one module that touches SimPy's private names (`Environment._queue`,
`_eid`, `_now`): the hot path cannot afford a method call per event.
tests/test_simpy_private.py fails loudly if a SimPy release changes them, and
pyproject pins `simpy<5`. Everything else reads the time as `clock.now`.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any

import numpy as np
import simpy
from simpy.events import NORMAL

from rackline.errors import RunFlooded

CHECK_EVERY = 1 << 16          # events between two checks of the run's progress (cheap: one per window)
MAX_EVENTS_PER_HOUR = 1e6      # the baseline makes about 5 an hour; a run this dense can never finish
SAMPLE = 4096                  # events looked at to name who floods the event list


class Clock:
    """Time in hours (`now`, a plain attribute kept equal to SimPy's `env.now`), an
    event queue, and the replication's random streams."""

    def __init__(self, root_seed: int, replication: int) -> None:
        self.env = simpy.Environment()
        self.root_seed = int(root_seed)
        self.replication = int(replication)
        self.now = 0.0
        self._queue: list[Any] = self.env._queue     # entries (time, priority, id, event or (fn, args))
        self._eid = self.env._eid

    def call_in(self, delay: float, fn: Callable[..., object], *args: Any) -> None:
        """Call fn(*args) after `delay` hours (what Environment.schedule does, inlined:
        this is the engine's hottest line). The entry is SimPy's (time, priority, id,
        what); `what` is the pair (fn, args) rather than a SimPy Event."""
        heappush(self._queue, (self.now + delay, NORMAL, next(self._eid), (fn, args)))

    def call_at(self, when: float, fn: Callable[..., object], *args: Any) -> None:
        self.call_in(max(0.0, when - self.now), fn, *args)

    def events(self) -> int:
        """How many events were scheduled so far (SimPy's event id counter)."""
        return next(self._eid)

    def stream(self, key: str) -> np.random.Generator:
        """An independent Generator for one random process, seeded from
        `[stream, replication, root seed]`. The stream number comes from the process's
        name, not its position in the file, so two scenarios that share a process
        share its random numbers (common random numbers)."""
        stream = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little")
        return np.random.default_rng(np.random.SeedSequence([stream, self.replication, self.root_seed]))

    def run(self, until: float) -> None:
        """Run to `until` hours: every event before `until`, as Environment.run(until)
        does (which stops ahead of events at `until` itself), and leave the clock at
        `until`. Every CHECK_EVERY events it checks that simulated time moves on: a
        component that makes events with no (or next to no) time between them would
        otherwise never let the run end."""
        env, queue, pop = self.env, self._queue, heappop
        left, t0 = CHECK_EVERY, self.now
        while queue:
            entry = pop(queue)
            t = entry[0]
            if t >= until:
                heappush(queue, entry)
                break
            call = entry[3]
            if call.__class__ is tuple:
                env._now = self.now = t
                call[0](*call[1])
            else:                       # a SimPy event: SimPy processes it (at time t)
                self.now = t
                heappush(queue, entry)
                env.step()
            left -= 1
            if not left:
                if (self.now - t0) * MAX_EVENTS_PER_HOUR < CHECK_EVERY:
                    self._flooded(t0)
                left, t0 = CHECK_EVERY, self.now
        if until > self.now:
            env._now = self.now = float(until)

    def _flooded(self, t0: float) -> None:
        """Name the component behind most of the next SAMPLE events, and stop the run."""
        counts: Counter[str] = Counter()
        queue = self._queue
        for _ in range(SAMPLE):
            if not queue:
                break
            entry = heappop(queue)
            counts[who(entry[3])] += 1
            call = entry[3]
            if call.__class__ is tuple:
                self.env._now = self.now = entry[0]
                call[0](*call[1])
            else:
                self.now = entry[0]
                heappush(queue, entry)
                self.env.step()
        culprit, n = counts.most_common(1)[0]
        raise RunFlooded(
            f"the run stopped at {self.now:.6g} h: {CHECK_EVERY} events took {self.now - t0:.3g} h of simulated "
            f"time (more than {MAX_EVENTS_PER_HOUR:.0e} events an hour), so it could never finish. "
            f"{n / sum(counts.values()):.0%} of events come from {culprit}: look for a time of zero or next to "
            f"zero there "
            f"(process_time, interarrival, transit, every, a reorder review)")


def who(event: Any) -> str:
    """What scheduled an event, in the scenario's words (e.g. 'station texas.l11_test')."""
    if event.__class__ is tuple:
        fn, args = event
        describe = getattr(getattr(fn, "__self__", None), "who", None)
        if describe is not None:
            return str(describe(args))
        return str(getattr(fn, "__qualname__", "a callback"))
    return type(event).__name__
