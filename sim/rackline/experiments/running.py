"""Replications running in worker processes, started before the heavy imports.

A run's workers are forked as soon as the scenario is valid: this module and the
replication task (`task.replicate`) import the engine and the per-replication KPIs
but not pandas, scipy or the output modules, so the workers start from a small
process and the parent imports what it analyses and writes with while they
simulate, instead of before. Results come back as they finish (`Running.results`),
so the parent can work on each while the others run; `simulate` returns them in
replication order. Each replication is defined by its inputs alone, so the numbers
are the same whatever the number of workers.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import BrokenExecutor, Executor, Future
from types import TracebackType
from typing import TYPE_CHECKING

from rackline.errors import RunInterrupted, WorkersFailed
from rackline.experiments.executors import process_pool
from rackline.experiments.task import ReplicationOutcome, remember, replicate

if TYPE_CHECKING:
    from rackline.scenario.load import Loaded


def first_round(reps: int | None, precision: float | None, scenario_reps: int) -> int:
    """How many replications a run starts with: those asked for, else the scenario's;
    never fewer than 3 when the run sizes itself to a `precision` (a standard deviation
    from fewer is too unstable to size it)."""
    n = reps or scenario_reps
    return max(n, 3) if precision else n


class Running:
    """Replications `reps` of a loaded scenario from root `seed`: submitted to `executor`,
    or to a pool of `jobs` workers of its own (one per replication at most), when made;
    with one job and no executor they run in this process as `results` is read.

    The scenario was validated when it was loaded: it is remembered before any worker
    starts, so this process (and workers forked from it) use it as is. Used as a
    context manager, whatever ends the block early (an error, Ctrl-C while the parent
    imports or analyses) ends the workers at once instead of waiting for them."""

    def __init__(self, loaded: Loaded, reps: list[int], seed: int, jobs: int = 1,
                 executor: Executor | None = None) -> None:
        self.loaded, self.reps, self.seed = loaded, reps, seed
        self.started = time.perf_counter()      # the run's wall time counts from here
        remember(loaded.data, loaded.scenario)
        self._own = executor is None and jobs > 1 and len(reps) > 1
        self._ex = process_pool(min(jobs, len(reps))) if self._own else executor
        self._futures: dict[Future[ReplicationOutcome], int] = {}
        self.done = 0
        try:
            if self._ex is not None:
                self._futures = {self._ex.submit(replicate, loaded.data, None, r, seed): r for r in reps}
        except BaseException:
            self.close(now=True)
            raise

    def results(self, progress: Callable[[int], None] | None = None) -> Iterator[tuple[int, ReplicationOutcome]]:
        """(replication, outcome) as each finishes; the pool of its own is shut down after
        the last. A dead worker raises WorkersFailed, Ctrl-C RunInterrupted: never a hang."""
        try:
            if self._ex is None:
                for r in self.reps:
                    yield r, replicate(self.loaded.data, None, r, self.seed)
                    self._count(progress)
            else:
                from concurrent.futures import as_completed
                for f in as_completed(self._futures):
                    yield self._futures[f], f.result()
                    self._count(progress)
        except BrokenExecutor:      # a worker died (killed, out of memory): say so, never hang
            self.close(now=True)
            raise WorkersFailed(f"a worker process ended abruptly after {self.done} of {len(self.reps)} "
                                "replications (killed, or out of memory?); no results were written") from None
        except KeyboardInterrupt:
            self.close(now=True)
            raise self._interrupted() from None
        finally:
            self.close()

    def _count(self, progress: Callable[[int], None] | None) -> None:
        self.done += 1
        if progress:
            progress(1)

    def __enter__(self) -> Running:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close(now=kind is not None)
        if kind is not None and issubclass(kind, KeyboardInterrupt):
            raise self._interrupted() from None

    def _interrupted(self) -> RunInterrupted:
        return RunInterrupted(f"stopped after {self.done} of {len(self.reps)} replications; no results were written")

    def close(self, now: bool = False) -> None:
        """Shut the pool of its own down: at once (`now`: running tasks abandoned, their
        workers ended) or after the running tasks."""
        if self._own and self._ex is not None:
            self._ex.shutdown(wait=not now, cancel_futures=True)
            self._own = False


def simulate(loaded: Loaded, reps: list[int], seed: int, jobs: int = 1,
             progress: Callable[[int], None] | None = None,
             executor: Executor | None = None) -> list[ReplicationOutcome]:
    """Run the listed replications; outcomes come back in replication order."""
    out = dict(Running(loaded, reps, seed, jobs, executor).results(progress))
    return [out[r] for r in reps]
