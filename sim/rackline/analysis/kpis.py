"""KPIs of one replication, for a measured window [warm-up, horizon].

The engine records cumulative counters at snapshot times (`rackline.engine.records`);
a KPI over the window is the difference between the counter at the warm-up and at
the horizon. Rows are tidy: `kpi, subject, unit, value` (and for stations
`station, metric, value`).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from rackline.analysis.bottleneck import constraining_periods, shares
from rackline.analysis.cost_plan import CostPlan
from rackline.analysis.costs import cost_rows
from rackline.analysis.floor_kpis import floor_rows
from rackline.analysis.window import (
    KpiRow,
    StationRow,
    product_window,
    product_window_end,
    station_window,
    window_index,
)
from rackline.engine.records import InventoryKey, Replication
from rackline.states import STATES
from rackline.units import WEEK

if TYPE_CHECKING:
    import pandas as pd


@dataclass(slots=True)
class ReplicationKpis:
    """The KPI rows of one replication over one window."""

    replication: int
    warmup: float
    kpis: list[KpiRow]
    stations: list[StationRow]


def _between(series: np.ndarray | None, i: int, j: int) -> float:
    """Growth of a cumulative counter from snapshot i to snapshot j."""
    return 0.0 if series is None else float(series[j] - series[i])


def _delta(series: np.ndarray | None, i: int) -> float:
    """Growth of a cumulative counter from snapshot i to the end."""
    return 0.0 if series is None else float(series[-1] - series[i])


def replication_kpis(rep: Replication, warmup: float, plan: CostPlan | None = None) -> ReplicationKpis:
    """KPI and station rows of one replication after `warmup` hours; with the scenario's
    cost `plan` (`analysis.cost_plan.cost_plan`), the economic layer's rows too."""
    i = window_index(rep, warmup)
    a, b = float(rep.times[i]), float(rep.times[-1])
    span = max(b - a, 1e-12)
    weeks = span / WEEK
    rows: list[KpiRow] = []

    def add(kpi: str, subject: str, unit: str, value: float) -> None:
        rows.append(KpiRow(kpi, subject, unit, float(value)))

    made_by = products_made(rep)
    for product in rep.products:
        invs = [rep.inventories.get(InventoryKey(site, product)) for site in rep.product_sites(product)]
        ip, ie = product_window(rep, warmup, product), product_window_end(rep, product)
        made = _between(made_by[product], ip, ie)
        add("throughput", product, "units/week", made / (max(float(rep.times[ie]) - float(rep.times[ip]), 1e-12) / WEEK))
        if product in rep.undisrupted:     # over the whole run: the twin starts alike, no warm-up is needed
            add("disruption_loss", product, "units (net)",
                _delta(rep.undisrupted[product], 0) - _delta(made_by[product], 0))
        flow_n = sum(_delta(inv.flow_n if inv else None, ip) for inv in invs)
        flow = sum(_delta(inv.flow_sum if inv else None, ip) for inv in invs)
        if flow_n > 0:
            add("build_time", product, "h", flow / flow_n)
    for name, d in rep.demands.items():      # each demand over its product's window
        idx, ide = product_window(rep, warmup, d.item), product_window_end(rep, d.item)
        da = float(rep.times[idx])
        dspan = max(float(rep.times[ide]) - da, 1e-12)
        add("shipped", name, "units/week", _between(d.units_shipped, idx, ide) / (dspan / WEEK))
        if d.capacity:
            continue
        add("demand", name, "units/week", _between(d.units_ordered, idx, ide) / (dspan / WEEK))
        add("backlog", name, "units", _between(d.backlog_area, idx, ide) / dspan)
        arr = d.arrivals
        arr = arr[arr[:, 0] >= da] if len(arr) else arr
        if len(arr):
            add("fill_rate", name, "share of orders", arr[:, 1].mean())
        lt = d.lead_times
        lt = lt[lt[:, 0] >= da] if len(lt) else lt
        if len(lt):
            add("order_lead_time", name, "h", lt[:, 2].mean())
            add("order_lead_time_p90", name, "h", np.quantile(lt[:, 2], 0.9))
            add("on_time", name, "share of orders", (lt[:, 2] <= d.due + 1e-9).mean())
        add("open_orders_at_end", name, "orders", float(d.orders[-1]) - len(d.lead_times))

    for inv in sorted(rep.inventories.values(), key=lambda r: r.label):
        add("inventory", inv.label, "units", _delta(inv.area, i) / span)
        consumed = _delta(inv.units_out, i) > 0 or any(
            inv.item in st.inputs for st in rep.stations.values() if st.site == inv.site)
        if consumed:
            add("stockout", inv.label, "share of time", _delta(inv.zero_time, i) / span)
    for key in sorted(rep.lanes):
        add("lane_shipped", key, "units/week", _delta(rep.lanes[key].shipped, i) / weeks)
    for kpi, subject, value in wip_rows(rep, i, span):
        add(kpi, subject, "units", value)

    region_units: dict[str, float] = defaultdict(float)
    for name, sp in rep.suppliers.items():
        units = _delta(sp.delivered, i)
        region_units[sp.region] += units
        add("supplier_delivered", name, "units/week", units / weeks)
        slt = sp.lead_times
        if len(slt):
            slt = slt[slt[:, 0] >= a]
            if len(slt):
                add("supplier_lead_time", name, "h", slt[:, 1].mean())
    total = sum(region_units.values())
    if total > 0:
        for region, units in sorted(region_units.items()):
            add("region_share", region, "share of purchased units", units / total)
    for key in sorted(rep.pools):
        size = _delta(rep.pools[key].size_area, i)
        if size > 0:
            add("crew_utilization", key, "share of people-hours", _delta(rep.pools[key].busy_area, i) / size)

    rows += floor_rows(rep, i, warmup)
    for name in rep.rule_names:     # decisions over the whole run: a rule decided in the warm-up still acts
        add("rule_firings", name, "times", sum(1 for e in rep.rules if e.rule == name))

    if plan is not None:
        rows += cost_rows(rep, plan, i)
    return ReplicationKpis(rep.replication, warmup, rows, station_metrics(rep, warmup))


def wip_by_item(rep: Replication, i: int, span: float) -> dict[str, float]:
    """Time-average units of each made item in process over the window: in stations
    making it, in its buffers (products in their own stock are finished, not WIP) and
    on lanes. Each item is counted in its own units; items are never added together."""
    wip: dict[str, float] = defaultdict(float)
    made_items = set(rep.made_items) | {it for st in rep.stations.values() for it in st.items}
    for inv in rep.inventories.values():
        if inv.item in made_items and inv.item not in rep.products:
            wip[inv.item] += _delta(inv.area, i) / span
    for st in rep.stations.values():
        if st.wip_area_by_item:
            for item, area in st.wip_area_by_item.items():
                wip[item] += _delta(area, i) / span
        elif len(st.items) == 1:    # a record without per-item areas: one recipe, one item
            wip[st.items[0]] += _delta(st.wip_area, i) / span
    for lane in rep.lanes.values():
        if lane.item:
            wip[lane.item] += _delta(lane.transit_area, i) / span
    return dict(sorted(wip.items()))


def wip_rows(rep: Replication, i: int, span: float) -> list[tuple[str, str, float]]:
    """(`wip`, item, units) per made item, then (`wip_family`, family, units) for each
    declared family whose items all count the same kind of unit (a rack family: racks
    integrated, tested, failed and reworked); a family that mixes units (PSUs and
    shelves) gets no total, nor does a family with only one item in process."""
    per_item = wip_by_item(rep, i, span)
    rows = [("wip", item, value) for item, value in per_item.items()]
    members: dict[str, list[str]] = defaultdict(list)
    for item, family in rep.families.items():
        if family != "other":
            members[family].append(item)
    for family, items in sorted(members.items()):
        counted = [it for it in items if it in per_item]
        if len(counted) > 1 and len({rep.item_units.get(it, "unit") for it in items}) == 1:
            rows.append(("wip_family", family, sum(per_item.get(it, 0.0) for it in items)))
    return rows


def station_metrics(rep: Replication, warmup: float) -> list[StationRow]:
    """Per-station shares of time in each state, throughput and Little's law check over the
    station's own window (`station_window`: from when the products it serves are active;
    `window_start_h` says from when), and bottleneck shares over the common measured window
    after `warmup` (the active-period method compares stations at the same moments)."""
    i = window_index(rep, warmup)
    a, b = float(rep.times[i]), float(rep.times[-1])
    bn = shares(constraining_periods(rep, i), a, b)
    rows: list[StationRow] = []
    for key, st in rep.stations.items():
        own = station_window(rep, warmup, key)
        span = max(b - float(rep.times[own]), 1e-12)
        cap = st.servers * span

        def m(metric: str, value: float, key: str = key) -> None:
            rows.append(StationRow(key, metric, float(value)))

        for s in STATES:
            if s in st.time_in_state:      # waiting_power only at stations testing in a hall
                m(f"share_{s}", _delta(st.time_in_state[s], own) / cap)
        done = _delta(st.completions, own)
        m("throughput_per_week", done / span * WEEK)
        L = _delta(st.wip_area, own) / span
        W = _delta(st.sojourn, own) / done if done else np.nan
        lam = done / span
        m("wip", L)
        m("time_in_station_h", W)
        m("little_gap", (L - lam * W) / L if L > 0 and done else np.nan)
        sole, shift = bn.get(key, (0.0, 0.0))
        m("window_start_h", float(rep.times[own]))
        m("bottleneck_sole", sole)
        m("bottleneck_shifting", shift)
        for item in st.inputs:
            t = _delta(st.starved_on.get(item), own)
            if t > 0:
                m(f"starved_on:{item}", t / cap)
    return rows


def products_made(rep: Replication) -> dict[str, np.ndarray]:
    """Product -> cumulative units made (arrived in its stock at the sites that ship it)
    at each snapshot."""
    out: dict[str, np.ndarray] = {}
    for product in rep.products:
        total = np.zeros(len(rep.times))
        for site in rep.product_sites(product):
            inv = rep.inventories.get(InventoryKey(site, product))
            if inv is not None:
                total = total + inv.units_in
        out[product] = total
    return out


def product_output(rep: Replication) -> np.ndarray:
    """Units of every product made in each snapshot interval (the warm-up rule's input)."""
    return sum((np.diff(made) for made in products_made(rep).values()), np.zeros(len(rep.times) - 1))


def weekly_series(rep: Replication) -> pd.DataFrame:
    """Week-by-week rows (replication, week, metric, subject, value) for plots. Built in
    the process that analyses, so a worker measuring replications never imports pandas."""
    import pandas as pd
    t = rep.times
    weeks = np.round(t[1:] / WEEK, 6)
    dt = np.diff(t)
    dt[dt <= 0] = np.nan
    blocks: list[tuple[str, str, np.ndarray]] = []
    for product, made in products_made(rep).items():
        blocks.append(("output", product, np.diff(made) / dt * WEEK))
        twin = rep.undisrupted.get(product)
        if twin is not None and not np.array_equal(twin, made):    # a run without disruptions is its own twin
            blocks.append(("output_undisrupted", product, np.diff(twin) / dt * WEEK))
    for name, d in rep.demands.items():
        blocks.append(("shipped", name, np.diff(d.units_shipped) / dt * WEEK))
        blocks.append(("ordered", name, np.diff(d.units_ordered) / dt * WEEK))
        blocks.append(("backlog", name, d.backlog[1:]))
    for inv in sorted(rep.inventories.values(), key=lambda r: r.label):
        blocks.append(("inventory", inv.label, inv.level[1:]))
    for key, st in rep.stations.items():
        busy = np.diff(st.time_in_state["busy"])
        blocks.append(("utilization", key, busy / (dt * st.servers)))
    for key, hall in rep.halls.items():       # a test hall: its average and peak draw each week, in MW
        blocks.append(("hall_mw", key, np.diff(hall.kwh) / dt / 1000))
        blocks.append(("hall_peak_mw", key, hall.peak_kw[1:] / 1000))
    n = len(weeks)
    return pd.DataFrame({
        "replication": np.full(n * len(blocks), rep.replication),
        "week": np.tile(weeks, len(blocks)),
        "metric": np.repeat([b[0] for b in blocks], n),
        "subject": np.repeat([b[1] for b in blocks], n),
        "value": np.concatenate([np.asarray(b[2], dtype=float) for b in blocks]) if blocks else np.array([]),
    })
