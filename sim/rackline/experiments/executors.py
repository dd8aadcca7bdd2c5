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


def process_pool(jobs: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=jobs, initializer=_worker_init, initargs=(os.getpid(),))
