"""Progress of long work (replications, sweep runs, optimizer trials) on stderr.

On a terminal this is a tqdm bar. Elsewhere (CI logs, pipes, files) tqdm with
`disable=None` prints nothing at all, so a long sweep looks hung: there we print a
plain line every few seconds instead. For a large design the first finished run
gives an estimate of the whole, printed once, so nobody waits blind for hours.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, TextIO

from rackline.quantities import counted
from rackline.units import format_hours

EVERY_S = 5.0            # seconds between two plain progress lines
ESTIMATE_ABOVE = 300     # designs with more runs than this get a time estimate from the first run


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return format_hours(seconds / 3600)


class Progress:
    """`with Progress(total, "baseline", "rep") as bar: ... bar.update(1)`.

    `initial` counts work already done (a resumed sweep); `jobs` is how many runs
    go at once, for the estimate. `clock` is injectable for tests.
    """

    def __init__(self, total: int, desc: str, unit: str = "run", *, initial: int = 0, jobs: int = 1,
                 stream: TextIO | None = None, every: float = EVERY_S, estimate_above: int = ESTIMATE_ABOVE,
                 clock: Callable[[], float] = time.monotonic, tty: bool | None = None) -> None:
        self.total, self.desc, self.unit, self.jobs = total, desc, unit, max(1, jobs)
        self.stream = stream if stream is not None else sys.stderr
        self.every, self.estimate_above, self.clock = every, estimate_above, clock
        self.done = self.initial = initial
        self.start = self.last = clock()
        self.lines = 0
        self.shown = -1          # `done` when the last plain line was printed
        self.estimated = False
        is_tty = tty if tty is not None else bool(getattr(self.stream, "isatty", lambda: False)())
        self.bar: Any = None
        if is_tty:
            from tqdm import tqdm
            self.bar = tqdm(total=total, desc=desc, unit=unit, file=self.stream, initial=initial, leave=False)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _say(self, text: str) -> None:
        if self.bar is not None:
            self.bar.write(text, file=self.stream)
        else:
            print(text, file=self.stream, flush=True)

    def set_total(self, total: int) -> None:
        """The total grew (replications added until a precision is reached)."""
        self.total = total
        if self.bar is not None:
            self.bar.total = total
            self.bar.refresh()

    def update(self, n: int = 1) -> None:
        self.done += n
        now = self.clock()
        if self.bar is not None:
            self.bar.update(n)
        if not self.estimated and self.total > self.estimate_above and self.done > self.initial:
            self.estimated = True
            first = now - self.start
            rest = first * (self.total - self.done) / self.jobs
            self._say(f"{self.desc}: the first {self.unit} took {_duration(first)}; the {counted(self.total, self.unit)} "
                      f"will take about {_duration(rest + first)} with {counted(self.jobs, 'job')}")
        if self.bar is None and now - self.last >= self.every:
            self.last = now
            self.lines += 1
            self.shown = self.done
            self._say(self.line(now))

    def line(self, now: float) -> str:
        elapsed = now - self.start
        text = f"{self.desc}: {self.done}/{counted(self.total, self.unit)}"
        if self.total:
            text += f" ({self.done / self.total:.0%})"
        text += f", {_duration(elapsed)} elapsed"
        ran = self.done - self.initial
        if 0 < ran and self.done < self.total:
            text += f", about {_duration(elapsed / ran * (self.total - self.done))} left"
        return text

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        elif self.lines and self.shown != self.done:   # a plain log that showed progress shows the end once
            self.lines = 0
            self._say(self.line(self.clock()))
