"""KPIs of one replication, for a measured window [warm-up, horizon].

The engine records cumulative counters at snapshot times; a KPI over the window is
the difference between the snapshot at the warm-up and the last one. Rows are tidy:
`kpi, subject, unit, value` (and for stations `station, metric, value`).
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from rackline.analysis.bottleneck import shares
from rackline.engine.network import WEEK, RepResult
from rackline.engine.station import STATES


def window_index(rep: RepResult, warmup: float) -> int:
    idx = int(np.searchsorted(rep.times, warmup - 1e-9))
    return min(idx, len(rep.times) - 1)


def _delta(rep: RepResult, key: str, i: int) -> float:
    s = rep.series.get(key)
    return 0.0 if s is None else float(s[-1] - s[i])


def _keys(rep: RepResult, kind: str) -> list[str]:
    return sorted({k.split("|")[1] for k in rep.series if k.startswith(kind + "|")})


def replication_kpis(rep: RepResult, sc, warmup: float) -> tuple[list[dict], list[dict]]:
    """(kpi rows, station rows) of one replication after `warmup` hours."""
    i = window_index(rep, warmup)
    a, b = float(rep.times[i]), float(rep.times[-1])
    span = max(b - a, 1e-12)
    weeks = span / WEEK
    rows: list[dict] = []

    def add(kpi, subject, unit, value):
        rows.append({"kpi": kpi, "subject": subject, "unit": unit, "value": float(value)})

    products = rep.meta["products"]
    for product in products:
        sites = {d.site for d in sc.demand.values() if d.item == product}
        made = sum(_delta(rep, f"inventory|{s}/{product}|units_in", i) for s in sites)
        add("throughput", product, "units/week", made / weeks)
        flow_n = sum(_delta(rep, f"inventory|{s}/{product}|flow_n", i) for s in sites)
        flow = sum(_delta(rep, f"inventory|{s}/{product}|flow_sum", i) for s in sites)
        if flow_n > 0:
            add("flow_time", product, "h", flow / flow_n)
    for name, d in sc.demand.items():
        add("shipped", name, "units/week", _delta(rep, f"demand|{name}|units_shipped", i) / weeks)
        if d.capacity:
            continue
        add("demand", name, "units/week", _delta(rep, f"demand|{name}|units_ordered", i) / weeks)
        add("backlog", name, "units", _delta(rep, f"demand|{name}|backlog_area", i) / span)
        arr = rep.arrivals[name]
        arr = arr[arr[:, 0] >= a] if len(arr) else arr
        if len(arr):
            add("fill_rate", name, "share of orders", arr[:, 1].mean())
        lt = rep.lead_times[name]
        lt = lt[lt[:, 0] >= a] if len(lt) else lt
        if len(lt):
            add("order_lead_time", name, "h", lt[:, 2].mean())
            add("order_lead_time_p90", name, "h", np.quantile(lt[:, 2], 0.9))
            add("on_time", name, "share of orders", (lt[:, 2] <= d.due + 1e-9).mean())
        open_orders = float(rep.series[f"demand|{name}|orders"][-1]) - len(rep.lead_times[name])
        add("open_orders_at_end", name, "orders", open_orders)

    wip = 0.0
    made_items = {it for st in rep.meta["stations"].values() for it in st["items"]}
    for key in _keys(rep, "inventory"):
        site, item = key.split("/", 1)
        avg = _delta(rep, f"inventory|{key}|area", i) / span
        add("inventory", key, "units", avg)
        consumed = _delta(rep, f"inventory|{key}|units_out", i) > 0 or any(
            item in st["inputs"] for st in rep.meta["stations"].values() if st["site"] == site)
        if consumed:
            add("stockout", key, "share of time", _delta(rep, f"inventory|{key}|zero_time", i) / span)
        if item in made_items and item not in products:
            wip += avg
    for key in _keys(rep, "station"):
        wip += _delta(rep, f"station|{key}|wip_area", i) / span
    for key in _keys(rep, "lane"):
        wip += _delta(rep, f"lane|{key}|transit_area", i) / span
        add("lane_shipped", key, "units/week", _delta(rep, f"lane|{key}|shipped", i) / weeks)
    add("wip", "all", "units (mixed items)", wip)

    region_units: dict[str, float] = defaultdict(float)
    for name, sp in sc.suppliers.items():
        units = _delta(rep, f"supplier|{name}|delivered", i)
        region_units[sp.region] += units
        add("supplier_delivered", name, "units/week", units / weeks)
        lt = rep.supplier_leads.get(name)
        if lt is not None and len(lt):
            lt = lt[lt[:, 0] >= a]
            if len(lt):
                add("supplier_lead_time", name, "h", lt[:, 1].mean())
    total = sum(region_units.values())
    if total > 0:
        for region, units in sorted(region_units.items()):
            add("region_share", region, "share of purchased units", units / total)
    for key in _keys(rep, "pool"):
        size = _delta(rep, f"pool|{key}|size_area", i)
        if size > 0:
            add("crew_utilization", key, "share of people-hours", _delta(rep, f"pool|{key}|busy_area", i) / size)

    station_rows = station_metrics(rep, i, a, b)
    return rows, station_rows


def station_metrics(rep: RepResult, i: int, a: float, b: float) -> list[dict]:
    span = max(b - a, 1e-12)
    bn = shares(rep.periods, a, b)
    rows = []
    for key, meta in rep.meta["stations"].items():
        cap = meta["servers"] * span
        def m(metric, value):
            rows.append({"station": key, "metric": metric, "value": float(value)})
        for s in STATES:
            m(f"share_{s}", _delta(rep, f"station|{key}|time_{s}", i) / cap)
        done = _delta(rep, f"station|{key}|completions", i)
        m("throughput_per_week", done / span * WEEK)
        L = _delta(rep, f"station|{key}|wip_area", i) / span
        W = _delta(rep, f"station|{key}|sojourn", i) / done if done else np.nan
        lam = done / span
        m("wip", L)
        m("time_in_station_h", W)
        m("little_gap", (L - lam * W) / L if L > 0 and done else np.nan)
        sole, shift = bn.get(key, (0.0, 0.0))
        m("bottleneck_sole", sole)
        m("bottleneck_shifting", shift)
        for item in meta["inputs"]:
            t = _delta(rep, f"station|{key}|starved_on:{item}", i)
            if t > 0:
                m(f"starved_on:{item}", t / cap)
    return rows


def weekly_series(rep: RepResult, sc) -> pd.DataFrame:
    """Week-by-week rows (replication, week, metric, subject, value) for plots."""
    t = rep.times
    weeks = np.round(t[1:] / WEEK, 6)
    dt = np.diff(t)
    dt[dt <= 0] = np.nan
    blocks: list[tuple[str, str, np.ndarray]] = []
    for product in rep.meta["products"]:
        sites = {d.site for d in sc.demand.values() if d.item == product}
        made = sum(np.diff(rep.series.get(f"inventory|{s}/{product}|units_in", np.zeros(len(t)))) for s in sites)
        blocks.append(("output", product, made / dt * WEEK))
    for name in sc.demand:
        blocks.append(("shipped", name, np.diff(rep.series[f"demand|{name}|units_shipped"]) / dt * WEEK))
        blocks.append(("ordered", name, np.diff(rep.series[f"demand|{name}|units_ordered"]) / dt * WEEK))
        blocks.append(("backlog", name, rep.series[f"demand|{name}|backlog"][1:]))
    for key in _keys(rep, "inventory"):
        blocks.append(("inventory", key, rep.series[f"inventory|{key}|level"][1:]))
    for key, meta in rep.meta["stations"].items():
        busy = np.diff(rep.series[f"station|{key}|time_busy"])
        blocks.append(("utilization", key, busy / (dt * meta["servers"])))
    n = len(weeks)
    return pd.DataFrame({
        "replication": np.full(n * len(blocks), rep.replication),
        "week": np.tile(weeks, len(blocks)),
        "metric": np.repeat([b[0] for b in blocks], n),
        "subject": np.repeat([b[1] for b in blocks], n),
        "value": np.concatenate([np.asarray(b[2], dtype=float) for b in blocks]) if blocks else np.array([]),
    })
