"""KPIs of the test floor, allocations and ended generations, from a replication's records.

A hall's utilisation is the energy its racks drew over what its cap could have given
in the window (MW-hours used over MW-hours available), its peak the most drawn at
once; its wait is the share of its stations' server time spent waiting for power. A
cluster test's wait is the share of its server time starved: waiting for a full
cluster. An allocation reports units granted, used and lost per week and units still
waiting for a grant at the end (short). Stock of an ended generation left at the
horizon is written off (its money, the obsolescence, is in `analysis.costs`).
"""
from __future__ import annotations

import numpy as np

from rackline.analysis.window import KpiRow, station_window
from rackline.engine.records import Replication
from rackline.units import WEEK


def written_off(rep: Replication) -> dict[str, float]:
    """Item of a generation that ended within the run -> units of it on hand at the horizon."""
    out: dict[str, float] = {}
    for inv in rep.inventories.values():
        end = rep.ended.get(inv.item)
        if end is not None and end < rep.horizon:
            out[inv.item] = out.get(inv.item, 0.0) + float(inv.level[-1])
    return dict(sorted(out.items()))


def _delta(series: np.ndarray, i: int) -> float:
    return float(series[-1] - series[i])


def floor_rows(rep: Replication, i: int, warmup: float) -> list[KpiRow]:
    """Rows for the window from snapshot i (none for a scenario without halls,
    clusters, allocations or generation ends). A hall and a cluster test are measured
    over their stations' own windows (`window.station_window`): a Gen-2 hall is not averaged
    over the weeks before Gen-2 exists."""
    rows: list[KpiRow] = []
    end = float(rep.times[-1])
    if end - float(rep.times[i]) <= 0:
        return rows
    for key, hall in rep.halls.items():
        h = min((station_window(rep, warmup, s) for s in hall.stations), default=i)
        span = max(end - float(rep.times[h]), 1e-12)
        kwh = _delta(hall.kwh, h)
        server_h = sum(rep.stations[s].servers for s in hall.stations) * span
        waited = sum(_delta(rep.stations[s].time_in_state["waiting_power"], h) for s in hall.stations)
        rows += [KpiRow("hall_utilization", key, "share of MW-hours", kwh / (hall.cap_kw * span)),
                 KpiRow("hall_energy", key, "MWh", kwh / 1000),
                 KpiRow("hall_peak", key, "MW", float(np.max(hall.peak_kw[h + 1:], initial=0.0)) / 1000),
                 KpiRow("hall_wait", key, "share of server time", waited / server_h if server_h > 0 else 0.0)]
    for key, st in rep.stations.items():
        if st.cluster:
            c = station_window(rep, warmup, key)
            span = max(end - float(rep.times[c]), 1e-12)
            rows.append(KpiRow("cluster_wait", key, "share of server time",
                               _delta(st.time_in_state["starved"], c) / (st.servers * span)))
    weeks = (end - float(rep.times[i])) / WEEK
    for name, sp in rep.suppliers.items():
        if sp.allocation:
            rows += [KpiRow(f"allocation_{what}", name, "units/week", _delta(sp.allocation[what], i) / weeks)
                     for what in ("granted", "used", "lost")]
            rows.append(KpiRow("allocation_short", name, "units", float(sp.allocation["short"][-1])))
    rows += [KpiRow("written_off", item, "units", units) for item, units in written_off(rep).items()]
    return rows
