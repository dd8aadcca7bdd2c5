"""Worker processes for replications and sweeps.

Workers ignore Ctrl-C (sent to the whole terminal process group), so the parent
alone decides what to keep and how to stop; SIGTERM ends a worker at once (the
parent's handler, inherited by the fork, is replaced). Workers end themselves if the
parent dies (a SIGKILL leaves no orphans running).
"""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor


def _worker_init(parent: int) -> None:
    import signal
    import threading
    import time
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


class Pool(ProcessPoolExecutor):
    """A process pool where `shutdown(wait=False)` means stop now: the tasks still
    running are abandoned and their workers terminated. Otherwise an interrupted run
    would wait, at exit, for every running replication to finish (a minute or more)."""

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if not wait:
            for proc in list((getattr(self, "_processes", None) or {}).values()):
                if proc.is_alive():
                    proc.terminate()
        super().shutdown(wait=wait, cancel_futures=cancel_futures)


def process_pool(jobs: int) -> ProcessPoolExecutor:
    return Pool(max_workers=jobs, initializer=_worker_init, initargs=(os.getpid(),))
