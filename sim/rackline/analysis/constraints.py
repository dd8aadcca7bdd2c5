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
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from rackline.analysis.bottleneck import Growth, growing_stocks
from rackline.analysis.kpis import window_index
from rackline.engine.records import InventoryKey, Replication
from rackline.scenario.model import Demand, Scenario
from rackline.units import WEEK

FOLLOW = 0.05      # share of open time a station waits on one input before the chain follows it
BUSY = 0.80        # share of open time busy from which an upstream station counts as short of capacity
AT_LIMIT = 0.95    # share of its capacity a lane or supplier delivers to count as at its limit

Kind = Literal["station", "supply", "lane", "crew"]


@dataclass(frozen=True)
class Link:
    """One step of the chain: a resource and what it does to output, in words."""

    kind: Kind
    name: str          # station key, lane, `site.pool`, or the item supplied (`site/item`)
    text: str

    @property
    def label(self) -> str:
        """The resource in a few words: `optics supply at texas`, `lane x`, `wisconsin.integrate`."""
        if self.kind == "supply":
            site, item = self.name.split("/", 1)
            return f"{item} supply at {site}"
        return f"lane {self.name}" if self.kind == "lane" else self.name


@dataclass(frozen=True)
class Chain:
    """What binds first, then each resource it holds back, ending at the top station."""

    links: tuple[Link, ...]

    @property
    def binding(self) -> Link:
        return self.links[0]

    def __str__(self) -> str:
        return " -> ".join(link.text for link in self.links)


@dataclass(frozen=True)
class Gap:
    """Demand against output for one product, from the demand's schedule and the run."""

    item: str
    unit: str
    output: float                  # units/week after warm-up (mean)
    output_high: float             # upper end of its interval
    peak_demand: float             # highest scheduled units/week within the horizon
    exceeds_from_week: float | None  # first week the schedule asks more than the mean output
    backlog_from_week: float | None  # week from which the mean backlog keeps growing
    short_at_end: float            # mean backlog at the horizon, units
    end_week: float
    stock_at_end: float            # mean finished stock at the horizon, units
    clear: bool = True             # the schedule asks more than even the output's upper end
    demand_text: str = "demand"    # what the demand figure is: 'demand', or how an option to buy shapes it


    @property
    def runs_out_week(self) -> float | None:
        """When demand above output would have used up the finished stock left at the
        end (a projection), if it exceeds output and no backlog grows yet."""
        if self.exceeds_from_week is None or self.backlog_from_week is not None or self.gap <= 0:
            return None
        return self.end_week + self.stock_at_end / self.gap

    @property
    def gap(self) -> float:
        """Units/week demand exceeds output (negative: output to spare)."""
        return self.peak_demand - self.output


@dataclass(frozen=True)
class NextConstraint:
    """The capacity table's next finite resource after the binding one."""

    kind: str
    resource: str
    max_rate: float                # products/week it allows at the demand mix
    output: float                  # products/week the run made


# ---- the chain ------------------------------------------------------------------------------------
def _open_shares(row: pd.Series) -> tuple[float, float]:
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
    open_, busy = _open_shares(row)
    text = f"{key} busy {busy:.0%} of open time"
    down = float(row.share_down) / open_
    if down >= FOLLOW:
        text += f", down {down:.0%}"
    if open_ < 0.75:
        site, name = key.split(".", 1)
        cal = sc.sites[site].stations[name].calendar or sc.sites[site].calendar
        text += f" (open {open_:.0%} of all hours" + (f": calendar {cal})" if cal else ")")
    return text


def _supply_link(sc: Scenario, kpis: pd.DataFrame, site: str, item: str) -> Link:
    inv = sc.sites[site].inventories[item]
    parts = []
    at_limit = []
    for name in sorted(inv.suppliers, key=lambda n: -inv.suppliers[n]):
        sp = sc.suppliers[name]
        lead = _kpi(kpis, "supplier_lead_time", name)
        parts.append(f"{name} lead time {_weeks(lead if math.isfinite(lead) else sp.lead_time.mean())}")
        if sp.capacity is not None and _kpi(kpis, "supplier_delivered", name) >= AT_LIMIT * sp.capacity * WEEK:
            at_limit.append(name)
    out = _kpi(kpis, "stockout", f"{site}/{item}")
    what = (f"supplier capacity of {', '.join(at_limit)}" if at_limit
            else "lead time and reorder policy")
    stock = f"; {site} out of stock {out:.0%} of time" if math.isfinite(out) else ""
    return Link("supply", f"{site}/{item}", f"{item} supply ({', '.join(parts)}{stock}; {what})")


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
                     kpis: pd.DataFrame) -> Chain | None:
    """The binding constraint chain from the ranking's top station (None without stations)."""
    if ranking.empty:
        return None
    rows = ranking.set_index("station")
    key = str(ranking.station.iloc[0])
    held: list[Link] = []          # from the top station upstream
    seen: set[str] = set()
    while True:
        seen.add(key)
        row = rows.loc[key]
        open_, busy = _open_shares(row)
        site = str(row.site)
        starved = {i: v / open_ for i, v in _starved_on(stations, key).items()}
        item = max(starved, key=starved.__getitem__) if starved else ""
        waits = starved.get(item, 0.0)
        crew = float(row.share_waiting_crew) / open_
        down = float(row.share_down) / open_
        if crew >= FOLLOW and crew >= max(waits, down):
            st = sc.sites[site].stations[key.split(".", 1)[1]]
            pool = f"{site}.{st.crew.pool}" if st.crew is not None else "crew"
            util = _kpi(kpis, "crew_utilization", pool)
            held.append(Link("station", key, f"{key} waiting for crew {crew:.0%} of open time"))
            extra = f", utilisation {util:.0%}" if math.isfinite(util) else ""
            held.append(Link("crew", pool, f"{pool} crew ({extra.lstrip(', ') or 'short'})"))
            break
        if waits < FOLLOW or waits < down:
            held.append(Link("station", key, _station_text(key, row, sc)))
            break
        step = _follow(sc, kpis, rows, stations, site, item, seen)
        if step is None:
            held.append(Link("station", key, _station_text(key, row, sc)))
            break
        held.append(Link("station", key, f"{key} starved {waits:.0%} of open time (on {item})"))
        via, nxt = step
        held += via
        if nxt is None:
            break
        key = nxt
    return Chain(tuple(reversed(held)))


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
            open_, busy = _open_shares(row)
            short = busy >= BUSY or any(v / open_ >= FOLLOW for v in _starved_on(stations, name).values()) \
                or float(row.share_waiting_crew) / open_ >= FOLLOW
            return (via, name) if short else None
        lane = sc.lanes[name]
        seen.add(name)
        shipped = _kpi(kpis, "lane_shipped", name)
        if lane.every is not None and lane.load_limit is not None and \
                shipped >= AT_LIMIT * lane.load_limit / lane.every * WEEK:
            return via + [Link("lane", name, f"lane {name} at its load limit ({shipped:.3g} {lane.item}/week)")], None
        via.append(Link("lane", name, f"lane {name} from {lane.origin}"))
        site = lane.origin



# ---- demand against output ------------------------------------------------------------------------
def _scheduled(d: Demand, t: float) -> float:
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


def _demand_text(demands: Iterable[Demand]) -> str:
    """How options to buy shape the demand a gap compares with."""
    options = [d.option for d in demands if d.option is not None]
    if not options:
        return "demand"
    o = options[0]
    if o.at is not None:
        return f"demand if the option decided at week {o.at / WEEK:.3g} is exercised ({o.probability:.0%} chance)"
    return f"expected demand (an option exercised with {o.probability:.0%} chance each period)"


def demand_gaps(sc: Scenario, kpis: pd.DataFrame, timeseries: pd.DataFrame) -> list[Gap]:
    """Per product with ordered demand: scheduled demand against the measured output, the
    week from which demand exceeds it, the week from which the backlog keeps growing,
    and the units short at the horizon (mean backlog over replications)."""
    out = []
    ordered = {d.item for d in sc.demand.values() if not d.capacity}
    for item in sorted(ordered):
        demands = {n: d for n, d in sc.demand.items() if d.item == item and not d.capacity}
        tp = kpis[(kpis.kpi == "throughput") & (kpis.subject == item)]
        if tp.empty:
            continue
        output = float(tp["mean"].iloc[0])
        noted = "ci_note" in tp and isinstance(tp.ci_note.iloc[0], str) and bool(tp.ci_note.iloc[0])
        high = float(tp.ci_high.iloc[0]) if "ci_high" in tp and pd.notna(tp.ci_high.iloc[0]) and not noted \
            else output      # an interval the KPI table itself calls too wide is no evidence either way
        changes = sorted({0.0} | {p.start for d in demands.values() for p in (d.schedule or [])
                                   if p.start < sc.run.horizon}
                         | {d.option.at for d in demands.values()
                            if d.option is not None and d.option.at is not None and d.option.at < sc.run.horizon})
        rates = [(t, sum(_scheduled(d, t) for d in demands.values()) * WEEK) for t in changes]
        peak = max(r for _, r in rates)
        exceeds = next((t / WEEK for t, r in rates if r > output + 1e-9), None)
        bl = timeseries[(timeseries.metric == "backlog") & timeseries.subject.isin(list(demands))]
        series = bl.groupby(["week", "replication"]).value.sum().groupby("week").mean().sort_index()
        end = float(series.iloc[-1]) if len(series) else 0.0
        from_week = None
        if end >= (1.0 if exceeds is not None else max(1.0, 0.25 * peak)):
            low = series[series <= max(0.5, 0.1 * end)]
            if len(low):
                after = series.index[series.index > low.index[-1]]
                from_week = float(after[0]) if len(after) else None
            else:
                from_week = float(series.index[0])
        clear = exceeds is None or peak > high + 1e-9 or from_week is not None   # a growing backlog settles it
        sites = [f"{d.site}/{item}" for d in demands.values()]
        inv = timeseries[(timeseries.metric == "inventory") & timeseries.subject.isin(sites)]
        stock = inv.groupby(["week", "replication"]).value.sum().groupby("week").mean().sort_index()
        spec = sc.items[item]
        out.append(Gap(item, spec.unit if spec is not None else "unit", output, high, peak, exceeds, from_week, end,
                       float(series.index[-1]) if len(series) else sc.run.horizon / WEEK,
                       float(stock.iloc[-1]) if len(stock) else 0.0, clear, _demand_text(demands.values())))
    return out


# ---- the next constraint --------------------------------------------------------------------------
def next_constraint(sc: Scenario, chain: Chain | None, kpis: pd.DataFrame) -> NextConstraint | None:
    """The capacity table's first finite resource after the one that binds (its first finite
    one when what binds is not in the table, e.g. a supply short by its lead time)."""
    from rackline.analysis.capacity import capacity_table
    table = capacity_table(sc).table
    finite = table[np.isfinite(table.max_rate.to_numpy(dtype=float))].reset_index(drop=True)
    if finite.empty:
        return None
    binding = chain.binding.name if chain is not None else ""
    hit = finite.index[finite.resource == binding]
    rest = finite.iloc[int(hit[0]) + 1:] if len(hit) else finite
    if rest.empty:
        return None
    r = rest.iloc[0]
    products = {d.item for d in sc.demand.values()}
    output = float(kpis[(kpis.kpi == "throughput") & kpis.subject.isin(list(products))]["mean"].sum())
    return NextConstraint(str(r.kind), str(r.resource), float(r.max_rate), output)


# ---- piles --------------------------------------------------------------------------------------
def growing_buffers(reps: Sequence[Replication], warmup: float) -> list[Growth]:
    """Stocks that grow without bound in most replications, with their mean growth."""
    found: dict[InventoryKey, list[Growth]] = {}
    for rep in reps:
        for g in growing_stocks(rep, window_index(rep, warmup)):
            found.setdefault(g.key, []).append(g)
    return [Growth(k, float(np.mean([g.per_week for g in gs])), float(np.mean([g.total for g in gs])))
            for k, gs in found.items() if 2 * len(gs) > len(reps)]
