"""Running a sweep's tasks through one `concurrent.futures` interface.

A task is (base scenario data, overrides, replication, seed): defined by its inputs
alone, so any worker (a local process, a Dask worker) computes the same numbers, and
a retried or resumed task reproduces exactly. Only the parent writes the store.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
from concurrent.futures import FIRST_COMPLETED, Executor, wait
from typing import Callable

from rackline.errors import RunInterrupted, ScenarioError
from rackline.experiments.executors import process_pool
from rackline.experiments.sweep.design import Design
from rackline.experiments.sweep.store import Store


def sweep_task(data: dict, overrides: dict, replication: int, seed: int) -> tuple[list[tuple] | None, str | None]:
    """Rows (kpi, subject, unit, value) of one replication at one point, or an error text."""
    try:
        from rackline.engine.network import run_replication
        from rackline.analysis.kpis import replication_kpis
        from rackline.experiments.replications import choose_warmup
        from rackline.scenario.load import validate_data
        from rackline.scenario.paths import apply_overrides
        from rackline.scenario.yamlfile import Document
        point, _ = apply_overrides(data, overrides)
        sc = validate_data(point, Document(point, "<sweep point>"))
        rep = run_replication(sc, replication, seed)
        warmup = choose_warmup([rep], sc) if sc.run.warmup == "auto" else float(sc.run.warmup)
        rows, st_rows = replication_kpis(rep, sc, warmup)
        out = [(r["kpi"], r["subject"], r["unit"], r["value"]) for r in rows]
        out += [("station:" + r["metric"], r["station"], "share" if r["metric"].startswith(("share", "bottle"))
                 else "", r["value"]) for r in st_rows]
        return out, None
    except ScenarioError as exc:
        return None, "invalid point: " + "; ".join(p.message for p in exc.problems)
    except Exception as exc:  # noqa: BLE001 - a failing point is recorded, the sweep goes on
        return None, f"{type(exc).__name__}: {exc}"


def design_hash(data: dict, design: Design, reps: int, seed: int) -> str:
    blob = json.dumps({"data": data, "points": design.overrides, "reps": reps, "seed": seed}, sort_keys=True,
                      default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


@contextlib.contextmanager
def executor_for(jobs: int, scheduler: str | None):
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


def run_tasks(store: Store, data: dict, design: Design, reps: int, seed: int, executor: Executor,
              progress: Callable[[int], None] | None = None, max_in_flight: int | None = None) -> tuple[int, int]:
    """Run every (point, replication) not yet in the store; returns (ran, failed)."""
    todo = [(p, r) for p in range(len(design.overrides)) for r in range(reps) if (p, r) not in store.done()]
    limit = max_in_flight or max(4, 4 * getattr(executor, "_max_workers", 2))
    pending: dict = {}
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
                rows, error = f.result()
                store.commit(p, r, rows, error)
                ran += 1
                failed += error is not None
                if progress:
                    progress(1)
    except KeyboardInterrupt:
        for f in pending:
            f.cancel()
        kept = len(store.done())
        raise RunInterrupted(f"{kept} of {len(design.overrides) * reps} tasks are saved in {store.path.parent}; "
                             "rerun with --resume to finish") from None
    return ran, failed


def total_tasks(design: Design, reps: int) -> int:
    return len(design.overrides) * reps
