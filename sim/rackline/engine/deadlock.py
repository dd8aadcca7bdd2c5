"""Deadlocks: stations that can never start again because each waits on another.

A station with no unit in process is *stuck* if every one of its recipes lacks room
in a stock that only stuck stations take from, or lacks an input that only stuck
stations make (no supplier, lane or customer can change either). The largest such
set is found by removing stations until none can be removed; a loop among the stuck
stations (A waits on a stock B must empty, B on one A must empty ...) is a deadlock.
It is checked once, at the end of a run: a deadlock, once there, lasts.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rackline.engine.records import Deadlock

if TYPE_CHECKING:
    from rackline.engine.inventory import Inventory
    from rackline.engine.station import Station

    Wait = tuple[Inventory, str, list[Station]]   # (stock, why, stations it waits on)
    Edge = tuple[Inventory, str, Station]         # (stock, why, the station it waits on)


def _waits(st: Station, stuck: set[Station]) -> list[Wait] | None:
    """For each recipe of `st`, one stock that stops it for good, as (stock, why,
    stations it waits on); None if some recipe could still start one day."""
    out: list[Wait] = []
    for r in st.recipes:
        found: Wait | None = None
        for inv, per_unit in r.room_needs:
            if inv.room() < per_unit and all(c in stuck for c in inv.consumers):
                found = (inv, f"full: {inv.level:g} of {inv.capacity:g}", cast("list[Station]", list(inv.consumers)))
                break
        if found is None:
            for inv, q in r.inputs:
                if (inv.level < q and inv.policy is None and inv.on_order <= 0 and inv.reserved <= 0
                        and all(p in stuck for p in inv.producers)):
                    found = (inv, "empty", cast("list[Station]", list(inv.producers)))   # all in `stuck`: stations
                    break
        if found is None:
            return None
        out.append(found)
    return out


def find_deadlocks(stations: dict[str, Station]) -> list[Deadlock]:
    """Deadlocked loops among `stations` (key -> Station) as they stand now."""
    stuck = {st for st in stations.values() if all(s.job is None for s in st.servers)}
    changed = True
    while changed:
        changed = False
        for st in list(stuck):
            if _waits(st, stuck) is None:
                stuck.discard(st)
                changed = True
    edges: dict[Station, list[Edge]] = {}
    for st in stuck:
        edges[st] = [(inv, why, other) for inv, why, others in _waits(st, stuck) or [] for other in others]
    found: list[Deadlock] = []
    covered: set[Station] = set()
    for start in sorted(stuck, key=lambda s: s.key):
        if start in covered:
            continue
        path = _cycle(start, edges)
        if path is None:
            continue
        loop: list[str] = [start.key]
        for inv, why, other in path:
            loop += [f"{inv.key} ({why})", other.key]
        members = {start} | {other for _, _, other in path}
        covered |= members
        found.append(Deadlock(tuple(loop), max(st.last_done for st in members)))
    return found


def _cycle(start: Station, edges: dict[Station, list[Edge]]) -> list[Edge] | None:
    """The shortest path of edges from `start` back to itself, or None."""
    frontier: list[tuple[Station, list[Edge]]] = [(start, [])]
    seen = {start}
    while frontier:
        nxt: list[tuple[Station, list[Edge]]] = []
        for node, path in frontier:
            for edge in edges.get(node, []):
                other = edge[2]
                if other is start:
                    return path + [edge]
                if other not in seen:
                    seen.add(other)
                    nxt.append((other, path + [edge]))
        frontier = nxt
    return None
