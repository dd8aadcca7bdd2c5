"""The simulation clock: a SimPy Environment driven by plain callbacks.

A generator process per unit costs several SimPy events per operation; rackline's
building blocks instead schedule a callback directly on SimPy's event queue
(`Clock.call_in`), one queue entry per state change. Other SimPy processes can still
share the same Environment.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from heapq import heappush

import numpy as np
import simpy
from simpy.core import EmptySchedule, StopSimulation
from simpy.events import NORMAL, URGENT, Event

from rackline.errors import RunFlooded

CHECK_EVERY = 1 << 16          # events between two checks of the run's progress (cheap: one per window)
MAX_EVENTS_PER_HOUR = 1e6      # the baseline makes about 5 an hour; a run this dense can never finish
SAMPLE = 4096                  # events looked at to name who floods the event list


class _Call:
    """The smallest object SimPy's `Environment.step` will process: it calls `fn(*args)`."""

    __slots__ = ("_ok", "_value", "args", "callbacks", "fn")


def _fire(call: _Call) -> None:
    call.fn(*call.args)


_CALLBACKS = (_fire,)   # SimPy only iterates an event's callbacks: one shared tuple, no list per event


class Clock:
    """Time in hours, an event queue, and the replication's random streams."""

    def __init__(self, root_seed: int, replication: int):
        self.env = simpy.Environment()
        self.root_seed = int(root_seed)
        self.replication = int(replication)
        self._queue = self.env._queue
        self._eid = self.env._eid

    @property
    def now(self) -> float:
        return self.env._now

    def call_in(self, delay: float, fn, *args) -> None:
        """Call fn(*args) after `delay` hours (what Environment.schedule does, inlined:
        this is the engine's hottest line)."""
        call = _Call()
        call.callbacks = _CALLBACKS
        call._ok = True
        call.fn = fn
        call.args = args
        heappush(self._queue, (self.env._now + delay, NORMAL, next(self._eid), call))

    def call_at(self, when: float, fn, *args) -> None:
        self.call_in(max(0.0, when - self.env._now), fn, *args)

    def stream(self, key: str) -> np.random.Generator:
        """An independent Generator for one random process, seeded from
        `[stream, replication, root seed]`. The stream number comes from the process's
        name, not its position in the file, so two scenarios that share a process
        share its random numbers (common random numbers)."""
        stream = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little")
        return np.random.default_rng(np.random.SeedSequence([stream, self.replication, self.root_seed]))

    def run(self, until: float) -> None:
        """Run to `until` hours (what Environment.run does), checking every
        CHECK_EVERY events that simulated time moves on: a component that makes events
        with no (or next to no) time between them would otherwise never let the run end."""
        env = self.env
        stop = Event(env)
        stop._ok = True
        stop._value = None
        env.schedule(stop, URGENT, until - env._now)
        stop.callbacks.append(StopSimulation.callback)
        step = env.step
        try:
            while True:
                t0 = env._now
                for _ in range(CHECK_EVERY):
                    step()
                if (env._now - t0) * MAX_EVENTS_PER_HOUR < CHECK_EVERY:
                    self._flooded(t0)
        except (StopSimulation, EmptySchedule):
            return

    def _flooded(self, t0: float) -> None:
        """Name the component behind most of the next SAMPLE events, and stop the run."""
        counts: Counter = Counter()
        queue, step = self._queue, self.env.step
        for _ in range(SAMPLE):
            counts[who(queue[0][3])] += 1
            step()
        culprit, n = counts.most_common(1)[0]
        raise RunFlooded(
            f"the run stopped at {self.now:.6g} h: {CHECK_EVERY} events took {self.now - t0:.3g} h of simulated "
            f"time (more than {MAX_EVENTS_PER_HOUR:.0e} events an hour), so it could never finish. "
            f"{n / SAMPLE:.0%} of events come from {culprit}: look for a time of zero or next to zero there "
            f"(process_time, interarrival, transit, every, a reorder review)")


def who(event) -> str:
    """What scheduled an event, in the scenario's words (e.g. 'station texas.l11_test')."""
    fn = getattr(event, "fn", None)
    describe = getattr(getattr(fn, "__self__", None), "who", None)
    if describe is not None:
        return describe(event.args)
    return getattr(fn, "__qualname__", type(event).__name__)
