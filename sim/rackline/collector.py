"""Python's cyclic garbage collector, kept off what a command holds to the end.

A command builds its scenario, then the run's records and tables, and keeps them until
it exits; drawing, writing and the workers' results allocate many short-lived objects
meanwhile, and each full collection rescanned everything held (~0.1-0.3 s CPU of a
one-replication run). Used by the command line only: frozen objects are never collected
as cycles, so a library call must thaw them (`long_lived`) and only a process that is
about to exit freezes for good (`rackline.cli.entry`).
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def long_lived() -> Iterator[None]:
    """Keep the collector off everything that exists now while the block runs; thawed
    afterwards, so a process that calls main() again (the tests, a notebook) collects as before."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
