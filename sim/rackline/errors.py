"""Errors rackline reports to people, all in one place.

A `ScenarioError` carries every problem found in an input file, each located by
file, line and dotted path, so the CLI can print them all and exit 2.
"""
from __future__ import annotations

import errno
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


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


class DiskFull(RacklineError):
    """Results could not be written: the disk is full (or failing). Nothing that looks
    complete was left; the message names the folder, the space free and the space needed."""

    exit_code = 1


# errors of the disk rather than of the program: no space, over quota, file too large, read-only, failing
DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO}


def size_text(n: float) -> str:
    """12 MB, 340 kB, 2.1 GB: a size on disk."""
    for size, unit in ((1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
        if n >= size:
            return f"{n / size:.2g} {unit}"
    return f"{n:.0f} bytes"


def _free(folder: Path) -> str:
    probe = folder.absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return size_text(shutil.disk_usage(probe).free)
    except OSError:
        return "unknown"


def disk_error(exc: BaseException) -> str | None:
    """Why writing failed, when the disk is to blame (an OSError's errno, or SQLite's
    'database or disk is full' / 'disk I/O error', also wrapped by SQLAlchemy)."""
    if isinstance(exc, OSError) and exc.errno in DISK_ERRNOS:
        return exc.strerror or str(exc)
    text = str(exc)
    if type(exc).__name__ == "OperationalError" and ("disk is full" in text or "disk I/O error" in text):
        return "disk is full" if "full" in text else "disk I/O error"
    return None


@contextmanager
def disk_space(folder: str | Path, need: int | None = None, kept: str = "nothing was written") -> Iterator[None]:
    """Turn a full (or failing) disk while writing into `folder` into one clean message
    (exit 1) naming the folder, the space free there and, if known, the space needed."""
    try:
        yield
    except Exception as exc:
        why = disk_error(exc)
        if why is None:
            raise
        needed = f", about {size_text(need)} needed" if need else ""
        raise DiskFull(f"{folder}: could not write ({why}); {_free(Path(folder))} free on its disk{needed}; "
                       f"{kept}") from None


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
