"""The measured window of a replication and the rows KPIs come in.

A KPI is measured over a window [warm-up, horizon] of the engine's snapshots; a
product's own window starts at its introduction or first demand and ends with its
generation, a station's at the earliest start of the products it serves. The KPI
modules (`kpis`, `floor_kpis`, `costs`) and the answer share these, so each is
defined here once, below all of them.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from rackline.engine.records import Replication


class KpiRow(NamedTuple):
    kpi: str
    subject: str
    unit: str
    value: float


class StationRow(NamedTuple):
    station: str
    metric: str
    value: float



def window_index(rep: Replication, warmup: float) -> int:
    """Index of the first snapshot at or after `warmup`."""
    idx = int(np.searchsorted(rep.times, warmup - 1e-9))
    return min(idx, len(rep.times) - 1)


def product_window(rep: Replication, warmup: float, product: str) -> int:
    """Index of the first snapshot of `product`'s own window: from its start (introduction or
    first demand, `Replication.starts`) or the warm-up, whichever is later."""
    return window_index(rep, max(warmup, rep.starts.get(product, 0.0)))


def product_window_end(rep: Replication, product: str) -> int:
    """Index of the last snapshot of `product`'s own window: the horizon, or the first
    snapshot at or after its generation's end (`Replication.ended`): an ended generation
    is measured over the weeks it was in production, not averaged with its weeks of zero."""
    end = rep.ended.get(product)
    return len(rep.times) - 1 if end is None else window_index(rep, end)


def station_window(rep: Replication, warmup: float, key: str) -> int:
    """Index of the first snapshot of a station's window: from the earliest start of the
    products it serves, or the warm-up, whichever is later (a Gen-2 bay is not idle for
    the weeks before Gen-2 exists)."""
    serves = rep.stations[key].serves
    start = min((rep.starts.get(p, 0.0) for p in serves), default=0.0)
    return window_index(rep, max(warmup, start))
