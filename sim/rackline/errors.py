"""Errors rackline reports to people, all in one place.

A `ScenarioError` carries every problem found in an input file, each located by
file, line and dotted path, so the CLI can print them all and exit 2.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is and what was expected."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        at = f" at {self.path}:" if self.path else ""
        return f"{where}:{at} {self.message}"


class RacklineError(Exception):
    """Base class of errors that are the user's to fix (exit code 2 unless `exit_code` says otherwise)."""


class ScenarioError(RacklineError):
    """A scenario or sweep file is not valid; holds every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0, p.path))
        super().__init__("\n".join(str(p) for p in self.problems))


class RunFlooded(RacklineError):
    """A run that could never finish: events with no simulated time between them."""

    exit_code = 1


class WorkersFailed(RacklineError):
    """A worker process could not be started (fork failed) or died (killed, out of memory):
    the command ends with what was kept, never a hang."""

    exit_code = 1


class RunInterrupted(Exception):
    """The user stopped a run (Ctrl-C / SIGTERM); what was kept is in `kept`."""

    def __init__(self, kept: str = ""):
        self.kept = kept
        super().__init__(kept)


@contextmanager
def interruptible(what: str, kept: str = "no results were written") -> Iterator[None]:
    """Name the step a Ctrl-C or SIGTERM stopped: `with interruptible("while loading the
    scenario"):` turns the interrupt into RunInterrupted("stopped while loading ...; no
    results were written"), which the command prints with its exit code."""
    try:
        yield
    except KeyboardInterrupt:
        raise RunInterrupted(f"stopped {what}; {kept}") from None


# process exit codes of the `rackline` command: ok, run failed, bad input, Ctrl-C, SIGTERM
EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 2, 130, 143
