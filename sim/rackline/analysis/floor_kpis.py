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

from rackline.analysis.kpis import KpiRow
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


def floor_rows(rep: Replication, i: int) -> list[KpiRow]:
    """Rows for the window from snapshot i (none for a scenario without halls,
    clusters, allocations or generation ends)."""
    rows: list[KpiRow] = []

    def add(kpi: str, subject: str, unit: str, value: float) -> None:
        rows.append(KpiRow(kpi, subject, unit, float(value)))

    span = float(rep.times[-1] - rep.times[i])
    if span <= 0:
        return rows
    weeks = span / WEEK
    for key, hall in rep.halls.items():
        kwh = float(hall.kwh[-1] - hall.kwh[i])
        add("hall_utilization", key, "share of MW-hours", kwh / (hall.cap_kw * span))
        add("hall_energy", key, "MWh", kwh / 1000)
        add("hall_peak", key, "MW", float(np.max(hall.peak_kw[i + 1:])) / 1000 if len(hall.peak_kw) > i + 1 else 0.0)
        server_h = sum(rep.stations[s].servers for s in hall.stations) * span
        waited = sum(float(rep.stations[s].time_in_state["waiting_power"][-1]
                           - rep.stations[s].time_in_state["waiting_power"][i]) for s in hall.stations)
        add("hall_wait", key, "share of server time", waited / server_h if server_h > 0 else 0.0)
    for key, st in rep.stations.items():
        if st.cluster:
            starved = st.time_in_state["starved"]
            add("cluster_wait", key, "share of server time",
                float(starved[-1] - starved[i]) / (st.servers * span))
    for name, sp in rep.suppliers.items():
        if sp.allocation:
            for what in ("granted", "used", "lost"):
                add(f"allocation_{what}", name, "units/week", float(sp.allocation[what][-1] - sp.allocation[what][i])
                    / weeks)
            add("allocation_short", name, "units", float(sp.allocation["short"][-1]))
    for item, units in written_off(rep).items():
        add("written_off", item, "units", units)
    return rows
