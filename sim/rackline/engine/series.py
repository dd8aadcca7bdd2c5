"""The run's cumulative counters at each snapshot time, kept as columns of doubles.

A snapshot (every week, the warm-up and the horizon) is a dict of dicts of counters;
keeping each one whole costs ~100 bytes a number and grows with the horizon. `Series`
appends each counter to its own `array("d")` as the snapshot is taken (8 bytes a
number) and hands them to the record as numpy arrays, with the values, order and
zeros for a counter that first appears mid-run exactly as a list of whole snapshots
gave them.
"""
from __future__ import annotations

from array import array

import numpy as np

Snapshot = dict[str, dict[object, dict[str, float]]]   # kind -> key -> counter -> value


class Series:
    __slots__ = ("columns", "n")

    def __init__(self) -> None:
        self.columns: dict[tuple[str, object], dict[str, array[float]]] = {}
        self.n = 0          # snapshots taken

    def add(self, snap: Snapshot) -> None:
        """Append one snapshot. A counter first seen now reads 0 in the earlier ones; one
        missing now reads 0 in this one (as `row.get(counter, 0.0)`)."""
        n = self.n
        for kind, objs in snap.items():
            for key, row in objs.items():
                cols = self.columns.get((kind, key))
                if cols is None:
                    cols = self.columns[(kind, key)] = {}
                for m, v in row.items():
                    col = cols.get(m)
                    if col is None:
                        col = cols[m] = array("d", bytes(8 * n))
                    col.append(v)
                for col in cols.values():
                    if len(col) == n:
                        col.append(0.0)
        self.n = n + 1

    def of(self, kind: str, key: object) -> dict[str, np.ndarray]:
        """Each counter of one object over the snapshots, in order of first appearance."""
        return {m: np.asarray(col, dtype=float) for m, col in self.columns.get((kind, key), {}).items()}
