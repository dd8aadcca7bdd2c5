"""Worker processes for replications and sweeps.

Workers ignore Ctrl-C, so the parent alone decides what to keep and how to stop,
and they end themselves if the parent dies (a SIGKILL leaves no orphans running).
"""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor


def _worker_init(parent: int) -> None:
    import signal
    import threading
    import time
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def process_pool(jobs: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init, initargs=(os.getpid(),))
