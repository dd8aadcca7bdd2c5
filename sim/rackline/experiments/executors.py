"""Worker processes for replications and sweeps.

Workers ignore Ctrl-C (sent to the whole terminal process group), so the parent
alone decides what to keep and how to stop; SIGTERM ends a worker at once (the
parent's handler, inherited by the fork, is replaced). Workers end themselves if the
parent dies (a SIGKILL leaves no orphans running).

No more workers start than can be used (`usable_jobs`: the tasks, and CORES_MULTIPLE
x the cores), and a worker that cannot be started (fork fails: too many processes)
stops the pool at once with `WorkersFailed`: the ones already started are ended, so
nothing waits for them.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from rackline.errors import WorkersFailed

CORES_MULTIPLE = 4      # workers per core worth starting: more only queue for the same cores


def cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:     # pragma: no cover - not Linux
        return os.cpu_count() or 1


def usable_jobs(jobs: int, tasks: int | None = None) -> tuple[int, str | None]:
    """(workers worth starting, a note when fewer than asked): at most one per task and
    CORES_MULTIPLE per core."""
    limits = [(CORES_MULTIPLE * cores(), f"{CORES_MULTIPLE} x the {cores()} cores")]
    if tasks is not None:
        limits.append((max(1, tasks), f"{tasks} tasks to run"))
    n, why = min(limits)
    if jobs <= n:
        return jobs, None
    return n, f"Note: --jobs {jobs} capped at {n} ({why})"


def _worker_init(parent: int) -> None:
    import signal
    import threading
    import time
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


class Pool(ProcessPoolExecutor):
    """A process pool where `shutdown(wait=False)` means stop now: the tasks still
    running are abandoned and their workers terminated. Otherwise an interrupted run
    would wait, at exit, for every running replication to finish (a minute or more)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        try:
            return super().submit(fn, *args, **kwargs)
        except OSError as exc:      # fork failed (BlockingIOError: too many processes, ENOMEM)
            procs = list((getattr(self, "_processes", None) or {}).values())
            for proc in procs:      # just forked: they may not have their own signal handlers yet
                proc.kill()
                proc.join(timeout=1)
            started, wanted = len(procs), getattr(self, "_max_workers", "?")
            self.shutdown(wait=False, cancel_futures=True)
            raise WorkersFailed(f"could not start worker process {started + 1} of {wanted} "
                                f"({type(exc).__name__}: {exc.strerror or exc}); try fewer --jobs") from None

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if not wait:
            for proc in list((getattr(self, "_processes", None) or {}).values()):
                if proc.is_alive():
                    proc.terminate()
        super().shutdown(wait=wait, cancel_futures=cancel_futures)


def process_pool(jobs: int) -> ProcessPoolExecutor:
    """A pool of at most `jobs` workers, and never more than CORES_MULTIPLE per core."""
    return Pool(max_workers=usable_jobs(jobs)[0], initializer=_worker_init, initargs=(os.getpid(),))
