"""Progress on stderr when it is not a terminal: a line every few seconds, an estimate for big designs."""
from __future__ import annotations

import io

from rackline.output.progress import Progress


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_a_pipe_gets_a_line_every_few_seconds_and_the_end():
    out, clock = io.StringIO(), Clock()
    with Progress(10, "baseline", "rep", stream=out, every=5, clock=clock) as bar:
        for _ in range(10):
            clock.t += 2.0          # a replication every 2 s: lines at 6 s, 12 s, 18 s
            bar.update(1)
    lines = out.getvalue().splitlines()
    assert lines[0] == "baseline: 3/10 reps (30%), 6 s elapsed, about 14 s left"
    assert len(lines) == 4 and lines[-1] == "baseline: 10/10 reps (100%), 20 s elapsed"


def test_quick_work_prints_nothing():
    out, clock = io.StringIO(), Clock()
    with Progress(5, "baseline", stream=out, clock=clock) as bar:
        bar.update(5)
    assert out.getvalue() == ""


def test_a_large_design_is_estimated_from_its_first_run():
    out, clock = io.StringIO(), Clock()
    bar = Progress(1000, "sweep", "run", jobs=2, stream=out, every=1e9, clock=clock)
    clock.t = 3.0
    bar.update(1)
    bar.update(1)
    assert out.getvalue().splitlines() == ["sweep: the first run took 3 s; the 1,000 runs will take about 25 min "
                                           "with 2 jobs"]


def test_a_resumed_sweep_counts_from_what_was_done():
    out, clock = io.StringIO(), Clock()
    bar = Progress(100, "sweep", "run", initial=60, stream=out, every=5, clock=clock)
    clock.t = 10.0
    bar.update(10)                   # 10 runs in 10 s, 30 left
    assert out.getvalue().strip() == "sweep: 70/100 runs (70%), 10 s elapsed, about 30 s left"


def test_the_end_is_printed_once():
    """A log whose last line already says 3/3 does not repeat it with a later time at close."""
    out, clock = io.StringIO(), Clock()
    with Progress(3, "baseline", "rep", stream=out, every=5, clock=clock) as bar:
        for _ in range(3):
            clock.t += 5.0          # a line at every rep, the last "3/3 reps (100%), 15 s elapsed"
            bar.update(1)
        clock.t = 21.0              # analysis after the last replication
    lines = out.getvalue().splitlines()
    assert len(lines) == 3 and lines[-1] == "baseline: 3/3 reps (100%), 15 s elapsed"


def test_counts_agree_with_their_nouns():
    from rackline.quantities import counted
    assert [counted(1, "site"), counted(3, "site"), counted(1, "person"), counted(2, "person")] == \
        ["1 site", "3 sites", "1 person", "2 people"]
    out, clock = io.StringIO(), Clock()
    bar = Progress(1, "one", "rep", stream=out, every=0, clock=clock)
    clock.t = 1.0
    bar.update(1)
    assert out.getvalue().strip() == "one: 1/1 rep (100%), 1 s elapsed"
