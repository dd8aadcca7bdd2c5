"""The simulation clock: a SimPy Environment driven by plain callbacks.

A generator process per unit costs several SimPy events per operation; rackline's
building blocks instead schedule a callback directly on SimPy's event queue
(`Clock.call_in`), one queue entry per state change. Other SimPy processes can still
share the same Environment.
"""
from __future__ import annotations

import hashlib
from heapq import heappush

import numpy as np
import simpy
from simpy.events import NORMAL


class _Call:
    """The smallest object SimPy's `Environment.step` will process: it calls `fn(*args)`."""

    __slots__ = ("callbacks", "_ok", "_value", "fn", "args")


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
        self.env.run(until=until)
