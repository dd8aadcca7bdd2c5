"""SimPy's private names that engine/clock.py relies on, checked against the installed SimPy.

The engine pushes its callbacks straight onto SimPy's event queue and pops them in
its own loop (one method call less per event). If a SimPy release renames or
reshapes any of this, these tests fail with a message saying what changed, before
any simulation silently goes wrong. pyproject pins `simpy>=4.1,<5`.
"""
from __future__ import annotations

import heapq
import itertools

import simpy
from simpy.events import NORMAL, URGENT

from conftest import ROOT
from rackline.engine.clock import Clock


def test_environment_keeps_the_private_names_the_clock_uses():
    env = simpy.Environment()
    assert isinstance(getattr(env, "_queue", None), list), "SimPy changed Environment._queue (the event heap)"
    assert isinstance(getattr(env, "_eid", None), itertools.count), "SimPy changed Environment._eid (event ids)"
    assert getattr(env, "_now", None) == 0, "SimPy changed Environment._now (the time)"
    env._now = 2.5
    assert env.now == 2.5, "Environment.now no longer reads Environment._now"


def test_queue_entries_are_time_priority_id_event():
    """Clock.call_in pushes (time, NORMAL, next id, (fn, args)) as SimPy's schedule does."""
    env = simpy.Environment()
    ev = simpy.Event(env)
    env.schedule(ev, NORMAL, 3.0)
    entry = env._queue[0]
    assert len(entry) == 4 and entry[0] == 3.0 and entry[1] == NORMAL and entry[3] is ev, \
        f"SimPy's queue entries changed shape: {entry!r}"
    assert URGENT < NORMAL, "SimPy's priorities changed order"
    first = next(env._eid)
    assert next(env._eid) == first + 1


def test_clock_and_simpy_events_share_one_queue_in_order():
    """A SimPy event and the clock's calls interleave by (time, priority, id), and the
    clock's `now` is SimPy's `env.now` throughout."""
    clock = Clock(1, 0)
    seen: list[tuple[str, float, float]] = []
    clock.call_in(2.0, lambda: seen.append(("call", clock.now, clock.env.now)))
    timeout = clock.env.timeout(1.0)
    timeout.callbacks.append(lambda e: seen.append(("simpy", clock.now, clock.env.now)))
    clock.call_in(1.0, lambda: seen.append(("call after", clock.now, clock.env.now)))
    clock.call_in(5.0, lambda: seen.append(("too late", clock.now, clock.env.now)))
    clock.run(5.0)
    assert seen == [("simpy", 1.0, 1.0), ("call after", 1.0, 1.0), ("call", 2.0, 2.0)]
    assert clock.now == clock.env.now == 5.0
    assert heapq.nsmallest(1, clock.env._queue)[0][0] == 5.0   # an event at `until` itself waits


def test_simpy_is_pinned_below_its_next_major_version():
    assert '"simpy>=4.1,<5"' in (ROOT / "pyproject.toml").read_text()
    assert int(simpy.__version__.split(".")[0]) == 4


def test_no_other_module_touches_simpys_private_names():
    """engine/clock.py is the one place; everything else reads `clock.now`."""
    import re
    offenders = [f"{p.relative_to(ROOT)}:{i}" for p in sorted((ROOT / "sim" / "rackline").rglob("*.py"))
                 if p.name != "clock.py"
                 for i, line in enumerate(p.read_text().splitlines(), 1)
                 if re.search(r"\benv\._(now|queue|eid)\b|\bsimpy\.core\b", line)]
    assert offenders == [], "SimPy's private names outside engine/clock.py: " + ", ".join(offenders)
