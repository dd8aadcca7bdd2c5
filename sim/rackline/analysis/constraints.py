"""What binds a run's output and why: the binding constraint chain, the demand gap and
the next constraint, as typed records the headline prints.

The chain starts at the ranking's top station (the active-period bottleneck). A
station that loses a real share of its open time waiting for an input is not what
binds: the chain follows that input to what feeds it (a station at the site, a lane
from another site, or the suppliers and reorder policy of a purchased item) and stops
at what is actually short: a station busy (or down) most of its open time, a crew, a
lane at its load limit, or a supply. It is printed from what binds to the symptom:
`optics supply (...) -> texas.switch_trays starved 31% of open time -> wisconsin.integrate ...`.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from rackline.analysis.answer import Chain, Link
from rackline.analysis.bottleneck import Growth, growing_stocks
from rackline.analysis.window import window_index
from rackline.engine.records import InventoryKey, Replication
from rackline.scenario.model import Demand, Scenario
from rackline.units import WEEK

FOLLOW = 0.05      # share of open time a station waits on one input before the chain follows it
BUSY = 0.80        # share of open time busy from which an upstream station counts as short of capacity
AT_LIMIT = 0.95    # share of its capacity a lane or supplier delivers to count as at its limit


# ---- the chain ------------------------------------------------------------------------------------
def open_shares(row: pd.Series) -> tuple[float, float]:
    """(share of all hours open, busy share of open time) of a ranking row."""
    open_ = max(1.0 - float(row.share_off_shift), 1e-12)
    return open_, float(row.share_busy + row.share_setup) / open_


def _starved_on(stations: pd.DataFrame, key: str) -> dict[str, float]:
    rows = stations[(stations.station == key) & stations.metric.str.startswith("starved_on:")]
    return {m.split(":", 1)[1]: float(v) for m, v in zip(rows.metric, rows["mean"]) if v > 0}


def _kpi(kpis: pd.DataFrame, kpi: str, subject: str) -> float:
    row = kpis[(kpis.kpi == kpi) & (kpis.subject == subject)]
    return float(row["mean"].iloc[0]) if len(row) else math.nan


def _weeks(hours: float) -> str:
    return f"{hours / WEEK:.3g} w"


def _station_text(key: str, row: pd.Series, sc: Scenario) -> str:
    open_, busy = open_shares(row)
    site, name = key.split(".", 1)
    cluster = sc.sites[site].stations[name].cluster
    text = (f"{key} busy {busy:.0%} of {'all hours' if open_ >= 1 - 1e-9 else 'open time'}"   # as answer_text.busy_text
            + (f" (L12 clusters of {cluster})" if cluster else ""))
    down = float(row.share_down) / open_
    if down >= FOLLOW:
        text += f", down {down:.0%}"
    if open_ < 0.75:
        cal = sc.sites[site].stations[name].calendar or sc.sites[site].calendar
        text += f" (open {open_:.0%} of all hours" + (f": calendar {cal})" if cal else ")")
    return text


def _hall_link(sc: Scenario, kpis: pd.DataFrame, station: str) -> Link:
    """The test hall a station waits on: `ohio test hall gen_floor power, 96% of MW-hours`."""
    site, name = station.split(".", 1)
    hall = str(sc.sites[site].stations[name].hall)
    spec = sc.sites[site].test_halls[hall]
    util = _kpi(kpis, "hall_utilization", f"{site}.{hall}")
    used = f", {util:.0%} of MW-hours" if math.isfinite(util) else ""
    return Link(kind="hall", name=f"{site}.{hall}",
                text=f"{site} test hall {hall} {spec.binding} ({spec.cap_kw / 1000:g} MW{used})")


def _allocation_link(sc: Scenario, kpis: pd.DataFrame, name: str) -> Link | None:
    """A supplier's allocation when it binds: it used (nearly) all it was granted."""
    a = sc.suppliers[name].allocation
    granted, used = _kpi(kpis, "allocation_granted", name), _kpi(kpis, "allocation_used", name)
    if a is None or not (math.isfinite(granted) and granted > 0 and used >= AT_LIMIT * granted):
        return None
    item = sc.suppliers[name].item
    return Link(kind="allocation", name=name, text=f"{item} allocation of {name} ({a.units:,} per {_weeks(a.per)}, "
                                                   f"{used / granted:.0%} used)")


def _supply_link(sc: Scenario, kpis: pd.DataFrame, site: str, item: str) -> Link:
    inv = sc.sites[site].inventories[item]
    parts = []
    at_limit = []
    for name in sorted(inv.suppliers, key=lambda n: -inv.suppliers[n]):
        allocated = _allocation_link(sc, kpis, name)
        if allocated is not None:
            return allocated
        sp = sc.suppliers[name]
        lead = _kpi(kpis, "supplier_lead_time", name)
        parts.append(f"{name} lead time {_weeks(lead if math.isfinite(lead) else sp.lead_time.mean())}")
        if sp.capacity is not None and _kpi(kpis, "supplier_delivered", name) >= AT_LIMIT * sp.capacity * WEEK:
            at_limit.append(name)
    out = _kpi(kpis, "stockout", f"{site}/{item}")
    what = (f"supplier capacity of {', '.join(at_limit)}" if at_limit
            else "lead time and reorder policy")
    stock = f"; {site} out of stock {out:.0%} of time" if math.isfinite(out) else ""
    return Link(kind="supply", name=f"{site}/{item}", text=f"{item} supply ({', '.join(parts)}{stock}; {what})")


def _feeder(sc: Scenario, site: str, item: str, seen: set[str]) -> tuple[str, str] | None:
    """What feeds `item` at `site`: ('station', key), ('lane', name) or ('supply', site/item)."""
    for name, st in sc.sites[site].stations.items():
        if item in st.recipes() and f"{site}.{name}" not in seen:
            return "station", f"{site}.{name}"
    for name, lane in sc.lanes.items():
        if lane.to == site and lane.item == item and name not in seen:
            return "lane", name
    inv = sc.sites[site].inventories.get(item)
    if inv is not None and inv.suppliers:
        return "supply", f"{site}/{item}"
    return None


def constraint_chain(sc: Scenario, ranking: pd.DataFrame, stations: pd.DataFrame,
                     kpis: pd.DataFrame, start: str | None = None) -> Chain | None:
    """The binding constraint chain from station `start` (default: the ranking's top
    station), following what it waits for upstream; None without stations."""
    if ranking.empty:
        return None
    rows = ranking.set_index("station")
    key = start if start is not None else str(ranking.station.iloc[0])
    held: list[Link] = []          # from the top station upstream
    seen: set[str] = set()
    while True:
        seen.add(key)
        row = rows.loc[key]
        open_, busy = open_shares(row)
        site = str(row.site)
        starved = {i: v / open_ for i, v in _starved_on(stations, key).items()}
        item = max(starved, key=starved.__getitem__) if starved else ""
        waits = starved.get(item, 0.0)
        crew = float(row.share_waiting_crew) / open_
        down = float(row.share_down) / open_
        power = float(row.get("share_waiting_power", 0.0)) / open_
        if power >= FOLLOW and power >= max(waits, down, crew):
            held.append(Link(kind="station", name=key, text=f"{key} waiting for test hall power {power:.0%} of open time"))
            held.append(_hall_link(sc, kpis, key))
            break
        if crew >= FOLLOW and crew >= max(waits, down):
            st = sc.sites[site].stations[key.split(".", 1)[1]]
            pool = f"{site}.{st.crew.pool}" if st.crew is not None else "crew"
            util = _kpi(kpis, "crew_utilization", pool)
            held.append(Link(kind="station", name=key, text=f"{key} waiting for crew {crew:.0%} of open time"))
            extra = f", utilisation {util:.0%}" if math.isfinite(util) else ""
            held.append(Link(kind="crew", name=pool, text=f"{pool} crew ({extra.lstrip(', ') or 'short'})"))
            break
        if waits < FOLLOW or waits < down:
            held.append(Link(kind="station", name=key, text=_station_text(key, row, sc)))
            break
        step = _follow(sc, kpis, rows, stations, site, item, seen)
        if step is None:
            held.append(Link(kind="station", name=key, text=_station_text(key, row, sc)))
            break
        held.append(Link(kind="station", name=key, text=f"{key} starved {waits:.0%} of open time (on {item})"))
        via, nxt = step
        held += via
        if nxt is None:
            break
        key = nxt
    return Chain(links=list(reversed(held)))


def _follow(sc: Scenario, kpis: pd.DataFrame, rows: pd.DataFrame, stations: pd.DataFrame, site: str, item: str,
            seen: set[str]) -> tuple[list[Link], str | None] | None:
    """Links between a starved station and what feeds it, and the next station to look
    at (None: the chain ends at the last link). None when nothing upstream is short."""
    via: list[Link] = []
    while True:
        feed = _feeder(sc, site, item, seen)
        if feed is None:
            return None
        kind, name = feed
        if kind == "supply":
            return via + [_supply_link(sc, kpis, site, item)], None
        if kind == "station":
            row = rows.loc[name]
            open_, busy = open_shares(row)
            short = busy >= BUSY or any(v / open_ >= FOLLOW for v in _starved_on(stations, name).values()) \
                or float(row.share_waiting_crew) / open_ >= FOLLOW \
                or float(row.get("share_waiting_power", 0.0)) / open_ >= FOLLOW
            return (via, name) if short else None
        lane = sc.lanes[name]
        seen.add(name)
        shipped = _kpi(kpis, "lane_shipped", name)
        if lane.every is not None and lane.load_limit is not None and \
                shipped >= AT_LIMIT * lane.load_limit / lane.every * WEEK:
            return via + [Link(kind="lane", name=name, text=f"lane {name} at its load limit ({shipped:.3g} {lane.item}/week)")], None
        via.append(Link(kind="lane", name=name, text=f"lane {name} from {lane.origin}"))
        site = lane.origin



# ---- demand against output ------------------------------------------------------------------------
def scheduled_rate(d: Demand, t: float) -> float:
    """Units per hour demand `d` asks for at time t (0 for capacity mode). Under an option
    decided period by period, what it is expected to ask (the schedule x the chance);
    under one decided once `at` a time, the schedule from then on if it is exercised."""
    size = d.order_size.mean()
    if d.option is not None:
        if d.option.at is not None:
            if t < d.option.at:
                return 0.0
        else:
            size *= d.option.probability
    if d.rate is not None:
        return float(d.rate * size)
    if d.schedule is not None:
        return float(size * next((p.rate for p in sorted(d.schedule, key=lambda p: -p.start) if p.start <= t), 0.0))
    if d.interarrival is not None:
        return float(size / d.interarrival.mean())
    return 0.0


def demand_text(demands: Iterable[Demand]) -> str:
    """How options to buy shape the demand a gap compares with."""
    options = [d.option for d in demands if d.option is not None]
    if not options:
        return "demand"
    o = options[0]
    if o.at is not None:
        return f"demand if the option decided at week {o.at / WEEK:.3g} is exercised ({o.probability:.0%} chance)"
    return f"expected demand (an option exercised with {o.probability:.0%} chance each period)"


# ---- piles --------------------------------------------------------------------------------------
def growing_buffers(reps: Sequence[Replication], warmup: float) -> list[Growth]:
    """Stocks that grow without bound in most replications, with their mean growth."""
    found: dict[InventoryKey, list[Growth]] = {}
    for rep in reps:
        for g in growing_stocks(rep, window_index(rep, warmup)):
            found.setdefault(g.key, []).append(g)
    return [Growth(k, float(np.mean([g.per_week for g in gs])), float(np.mean([g.total for g in gs])))
            for k, gs in found.items() if 2 * len(gs) > len(reps)]
