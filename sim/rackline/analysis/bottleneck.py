"""Bottleneck detection by the active-period method (Roser, Nakano & Tanaka, 2002).

A station is *active* while none of its servers waits (busy, in setup or under
repair). At each moment the station whose current active period is the longest is
the momentary bottleneck. Where the outgoing and incoming bottlenecks' active
periods overlap, both are *shifting* bottlenecks; the rest of a station's
bottleneck time is *sole*. Shares are of the measured window.

A station whose every output piles up without bound (unlimited buffer, a faster
station upstream of a slower one) is active all the time without limiting anything:
its work only feeds the pile. Its periods count as blocked (`constraining_periods`),
so the slower station downstream is named, not the one whose period began first.
"""
from __future__ import annotations

import heapq
from typing import NamedTuple

import numpy as np

from rackline.engine.records import InventoryKey, Replication
from rackline.units import WEEK


def momentary(periods: dict[str, np.ndarray], a: float, b: float) -> list[tuple[float, float, str, int]]:
    """Segments (start, end, station, period index) of the momentary bottleneck in [a, b]."""
    events = []
    for name, arr in periods.items():
        for i, (s, e) in enumerate(arr):
            if e > a and s < b and e > s:
                events.append((s, 1, name, i, e - s))
                events.append((e, 0, name, i, e - s))
    events.sort(key=lambda x: (x[0], x[1]))
    heap: list[tuple[float, str, str, int]] = []
    ended: set[tuple[str, int]] = set()
    segs: list[tuple[float, float, str, int]] = []
    t_prev = None
    k = 0
    while k < len(events):
        t = events[k][0]
        if t_prev is not None and heap:
            while heap and (heap[0][2], heap[0][3]) in ended:
                heapq.heappop(heap)
            if heap:
                _, _, name, i = heap[0]
                lo, hi = max(t_prev, a), min(t, b)
                if hi > lo:
                    if segs and segs[-1][2] == name and segs[-1][3] == i and segs[-1][1] == lo:
                        segs[-1] = (segs[-1][0], hi, name, i)
                    else:
                        segs.append((lo, hi, name, i))
        while k < len(events) and events[k][0] == t:
            _, kind, name, i, dur = events[k]
            if kind == 1:
                heapq.heappush(heap, (-dur, name, name, i))
            else:
                ended.add((name, i))
            k += 1
        t_prev = t
    return segs


def _merge(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sorted, disjoint union of intervals."""
    out: list[list[float]] = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1][1] = e
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def _intersection_length(x: list[tuple[float, float]], y: list[tuple[float, float]]) -> float:
    """Length of the intersection of two sorted disjoint interval lists (two pointers)."""
    i = j = 0
    total = 0.0
    while i < len(x) and j < len(y):
        lo, hi = max(x[i][0], y[j][0]), min(x[i][1], y[j][1])
        if hi > lo:
            total += hi - lo
        if x[i][1] < y[j][1]:
            i += 1
        else:
            j += 1
    return total


def shares(periods: dict[str, np.ndarray], a: float, b: float) -> dict[str, tuple[float, float]]:
    """station -> (sole share, shifting share) of [a, b]."""
    segs = momentary(periods, a, b)
    span = b - a
    shifting: dict[str, list[tuple[float, float]]] = {n: [] for n in periods}
    bn_time: dict[str, list[tuple[float, float]]] = {n: [] for n in periods}
    for s, e, name, _ in segs:
        bn_time[name].append((s, e))
    for (_s1, e1, n1, i1), (s2, _e2, n2, i2) in zip(segs, segs[1:]):
        if n1 == n2 or e1 != s2:
            continue
        p1, p2 = periods[n1][i1], periods[n2][i2]
        lo, hi = max(p1[0], p2[0], a), min(p1[1], p2[1], b)
        if hi > lo:
            shifting[n1].append((lo, hi))
            shifting[n2].append((lo, hi))
    out = {}
    for name in periods:
        shift_iv, bn_iv = _merge(shifting[name]), _merge(bn_time[name])
        shift = sum(e - s for s, e in shift_iv)
        total = sum(e - s for s, e in bn_iv)
        overlap = _intersection_length(bn_iv, shift_iv)
        out[name] = ((total - overlap) / span if span > 0 else 0.0, shift / span if span > 0 else 0.0)
    return out


class Growth(NamedTuple):
    """A stock whose level trends upward through the measured window."""

    key: InventoryKey
    per_week: float        # fitted growth, units per week
    total: float           # fitted growth over the window, units


def growing_stocks(rep: Replication, i: int) -> list[Growth]:
    """Stocks of `rep` whose level grows without bound from snapshot `i` on.

    Growing: the least-squares trend over the window adds at least 3 units and 5% of
    what flowed in, stands clear of the noise around it (4 x the residual spread, so an
    (s, S) saw-tooth caught at a delivery is not a trend), and the second half of the
    window still adds a quarter of it. A bounded stock cannot pass all three for long."""
    t = rep.times[i:]
    if len(t) < 3 or t[-1] <= t[0]:
        return []
    out = []
    x = t - t.mean()
    mid = len(t) // 2
    for key, inv in rep.inventories.items():
        y = inv.level[i:].astype(float)
        slope = float(np.dot(x, y - y.mean()) / np.dot(x, x))
        total = slope * float(t[-1] - t[0])
        resid = y - y.mean() - slope * x
        flowed = float(inv.units_in[-1] - inv.units_in[i])
        if (total >= max(3.0, 0.05 * flowed) and total > 4 * float(resid.std())
                and y[-1] - y[mid] >= 0.25 * total * (t[-1] - t[mid]) / (t[-1] - t[0])):
            out.append(Growth(key, total / float(t[-1] - t[0]) * WEEK, total))
    return out


def overproducing(rep: Replication, i: int) -> set[str]:
    """Stations every one of whose outputs piles up without bound at their site."""
    growing = {g.key for g in growing_stocks(rep, i)}
    return {key for key, st in rep.stations.items()
            if st.items and all(InventoryKey(st.site, item) in growing for item in st.items)}


def constraining_periods(rep: Replication, i: int) -> dict[str, np.ndarray]:
    """Active periods for the bottleneck method from snapshot `i` on: none for a station
    that only feeds a growing pile (its activity is blocked-equivalent)."""
    skip = overproducing(rep, i)
    return {key: (np.empty((0, 2)) if key in skip else st.periods) for key, st in rep.stations.items()}
