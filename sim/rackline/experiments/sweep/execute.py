"""Running a sweep's tasks through one `concurrent.futures` interface.

A task is (base scenario data, overrides, replication, seed): defined by its inputs
alone, so any worker (a local process, a Dask worker) computes the same numbers, and
a retried or resumed task reproduces exactly. Only the parent writes the store.

A point with a fixed warm-up is measured in the worker. A
point with `warmup: auto` needs all its replications for the warm-up (the rule of
`rackline run`), so its tasks return their records and the parent measures the
point when its last replication is in. Either way a point is stored whole, in one
transaction: a resumed sweep never holds part of a point.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, wait
from dataclasses import dataclass
from functools import partial
from typing import Any

from rackline.analysis.kpis import ReplicationKpis
from rackline.errors import RunInterrupted, ScenarioError, WorkersFailed
from rackline.experiments.executors import process_pool
from rackline.experiments.sweep.design import Design
from rackline.experiments.sweep.store import Store, StoreRow
from rackline.experiments.task import ReplicationOutcome, measure, replicate, scenario_of
from rackline.scenario.model import Scenario


@dataclass(slots=True)
class TaskResult:
    """One (point, replication) back from a worker: its store rows when the point's
    warm-up is fixed, else its outcome (the point is measured once all its
    replications are in), or an error text."""

    rows: list[StoreRow] | None = None
    outcome: ReplicationOutcome | None = None
    error: str | None = None


def store_rows(measured: ReplicationKpis) -> list[StoreRow]:
    """A replication's KPI rows as the store keeps them; station metrics become `station:<metric>`."""
    out = [tuple(r) for r in measured.kpis]
    out += [("station:" + r.metric, r.station, "share" if r.metric.startswith(("share", "bottle")) else "", r.value)
            for r in measured.stations]
    return out  # type: ignore[return-value]


def sweep_task(data: dict[str, Any], overrides: dict[str, Any], replication: int, seed: int) -> TaskResult:
    """One replication at one sweep point (the replication task every command uses)."""
    try:
        o = replicate(data, overrides, replication, seed, weekly=False)
        return TaskResult(rows=store_rows(o.kpis)) if o.kpis is not None else TaskResult(outcome=o)
    except ScenarioError as exc:
        return TaskResult(error="invalid point: " + "; ".join(p.message for p in exc.problems))
    except Exception as exc:  # noqa: BLE001 - a failing point is recorded, the sweep goes on
        return TaskResult(error=f"{type(exc).__name__}: {exc}")


def point_rows(results: dict[int, TaskResult],
               scenario: Callable[[], Scenario]) -> list[tuple[int, list[StoreRow] | None, str | None]]:
    """(replication, store rows, error) of a point whose replications are all in. Under
    `warmup: auto` the point is measured here (its `scenario()` asked for only then):
    MSER-5 on the mean over the point's replications, exactly as `rackline run`
    measures that point's scenario."""
    ok = [(r, t.outcome) for r, t in sorted(results.items()) if t.outcome is not None]
    _, _, measured = measure([o for _, o in ok], scenario()) if ok else (0.0, "", [])
    rows = {r: store_rows(m) for (r, _), m in zip(ok, measured)}
    return [(r, t.rows if t.rows is not None else rows.get(r), t.error) for r, t in sorted(results.items())]


def design_hash(data: dict[str, Any], design: Design, reps: int, seed: int) -> str:
    blob = json.dumps({"data": data, "points": design.overrides, "reps": reps, "seed": seed}, sort_keys=True,
                      default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


@contextlib.contextmanager
def executor_for(jobs: int, scheduler: str | None) -> Iterator[Executor]:
    """A local process pool, a local Dask cluster, or a client of a running one."""
    if scheduler is None:
        ex = process_pool(jobs)
        try:
            yield ex
        finally:
            ex.shutdown(wait=False, cancel_futures=True)
        return
    from distributed import Client, LocalCluster
    if scheduler == "local-dask":
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        cluster, client = None, Client(scheduler, timeout="20s")
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_tasks(store: Store, data: dict[str, Any], design: Design, reps: int, seed: int, executor: Executor,
              progress: Callable[[int], None] | None = None, max_in_flight: int | None = None) -> tuple[int, int]:
    """Run every (point, replication) not yet in the store; returns (ran, failed)."""
    todo = [(p, r) for p in range(len(design.overrides)) for r in range(reps) if (p, r) not in store.done()]
    limit = max_in_flight or max(4, 4 * getattr(executor, "_max_workers", 2))
    pending: dict[Future[TaskResult], tuple[int, int]] = {}
    expected = Counter(p for p, _ in todo)
    waiting: dict[int, dict[int, TaskResult]] = {}   # points with replications still running
    ran = failed = 0
    it = iter(todo)
    try:
        while True:
            while len(pending) < limit:
                nxt = next(it, None)
                if nxt is None:
                    break
                p, r = nxt
                pending[executor.submit(sweep_task, data, design.overrides[p], r, seed)] = nxt
            if not pending:
                break
            finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for f in finished:
                p, r = pending.pop(f)
                result: TaskResult = f.result()
                ran += 1
                failed += result.error is not None
                if progress:
                    progress(1)
                waiting.setdefault(p, {})[r] = result
                if len(waiting[p]) == expected[p]:     # a point is stored whole, in one transaction
                    store.commit_point(p, point_rows(waiting.pop(p), partial(scenario_of, data, design.overrides[p])))
    except BrokenExecutor:      # a worker died (killed, out of memory): keep what is stored, never hang
        raise WorkersFailed(f"a worker process ended abruptly (killed, or out of memory?); {len(store.done())} of "
                            f"{len(design.overrides) * reps} tasks are saved in {store.path.parent}; rerun with "
                            "--resume to finish") from None
    except KeyboardInterrupt:
        for f in pending:
            f.cancel()
        kept = len(store.done())
        raise RunInterrupted(f"{kept} of {len(design.overrides) * reps} tasks are saved in {store.path.parent}; "
                             "rerun with --resume to finish") from None
    return ran, failed


def total_tasks(design: Design, reps: int) -> int:
    return len(design.overrides) * reps
