"""Rough-cut capacity: what demand asks of every resource, before any simulation.

Demand is exploded through the bills of materials to steady-state flows per week: a
station with yield y starts 1/y units per good unit, failed units flow along
`fail_to` to rework stations (extra load), lanes carry what the destination uses and
suppliers deliver what is bought. Each station, crew pool, supplier and lane then has
a capacity per week, a load, a utilisation and the largest demand scale it allows.
The smallest is the static bottleneck. Queueing, variability, finite buffers,
disruptions, learning, setups and ramps are ignored: the simulation adds them.

The same explosion gives each purchased item's expected usage, which turns
replenishment levels written as cover (`s: 3 w`) into units.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from rackline.calendars import open_hours
from rackline.scenario.model import Policy, Scenario
from rackline.scenario.stations import Station
from rackline.scenario.values import Cover
from rackline.units import WEEK

Node = tuple[str, str]          # (site, item)
RecipeKey = tuple[str, str]     # (site.station, item made)

COLUMNS = ["resource", "kind", "capacity", "load", "unit", "utilisation", "max_rate", "max_scale"]


@dataclass(frozen=True)
class Flows:
    """Steady-state flows per hour at a demand mix (`scale` x the mix)."""

    starts: dict[RecipeKey, float]      # units started per hour, by station recipe
    lanes: dict[str, float]             # units shipped per hour
    bought: dict[Node, float]           # units bought per hour at an inventory
    used: dict[Node, float]             # units consumed per hour at a node (stations, lanes, demand)


@dataclass(frozen=True)
class CapacityTable:
    """The rough-cut capacity of a scenario; `table` ranks resources, tightest first."""

    table: pd.DataFrame
    mix: dict[str, float]               # product -> units per week in the demand mix
    capacity_mode: bool                 # no finite demand rate: the mix is one unit of each product
    warnings: list[str] = field(default_factory=list)

    @property
    def demand_rate(self) -> float:
        """Products per week the demand asks for (the mix's total)."""
        return sum(self.mix.values())

    @property
    def bottleneck(self) -> pd.Series | None:
        """The first finite row: the resource that binds first, and its max rate."""
        finite = self.table[self.table["max_rate"] < math.inf]
        return finite.iloc[0] if len(finite) else None

    def summary(self) -> list[str]:
        """A few lines for people: the binding resource, the rate, the gap to demand."""
        b = self.bottleneck
        products = ", ".join(self.mix)
        if b is None:
            return [f"No finite capacity on the path to {products}."]
        line = f"Static bottleneck: {b['kind']} {b['resource']} binds at {b['max_rate']:.3g} {products}/week"
        if self.capacity_mode:
            return [line + " (capacity mode: maximum rate at an equal mix)"]
        gap = "short of" if b["max_rate"] < self.demand_rate else "above"
        return [line + f", {gap} demand of {self.demand_rate:.3g}/week (utilisation {b['utilisation']:.0%})."]


# ---- demand ---------------------------------------------------------------------------------------
def demand_mixes(sc: Scenario) -> tuple[list[dict[Node, float]], bool]:
    """Units per hour ordered at each (site, product), at each time the demand changes
    within the horizon. Capacity mode (no finite rate at all): one mix, one unit per
    hour of each product."""
    fixed: dict[Node, float] = defaultdict(float)
    schedules = []
    open_ended: set[Node] = set()
    for d in sc.demand.values():
        node, size = (d.site, d.item), d.order_size.mean()
        if d.capacity:
            open_ended.add(node)
        elif d.rate is not None:
            fixed[node] += d.rate * size
        elif d.schedule is not None:
            schedules.append((node, size, sorted(d.schedule, key=lambda p: p.start)))
        elif d.interarrival is not None:
            fixed[node] += size / d.interarrival.mean()

    def at(t: float) -> dict[Node, float]:
        mix = defaultdict(float, fixed)
        for node, size, periods in schedules:
            mix[node] += size * next((p.rate for p in reversed(periods) if p.start <= t), 0.0)
        return {n: v for n, v in mix.items() if v > 0}

    times = sorted({0.0} | {p.start for _, _, ps in schedules for p in ps if p.start < sc.run.horizon})
    mixes = [m for m in (at(t) for t in times) if m]
    if not mixes:
        return [{node: 1.0 for node in sorted(open_ended)}], True
    return mixes, False


def demand_mix(sc: Scenario) -> tuple[dict[Node, float], bool]:
    """The mix when total demand peaks within the horizon: what capacity must meet."""
    mixes, capacity_mode = demand_mixes(sc)
    return max(mixes, key=lambda m: sum(m.values())), capacity_mode


# ---- explosion ------------------------------------------------------------------------------------
def _open_per_week(sc: Scenario, name: str | None) -> float:
    spec = sc.calendars.get(name) if name else None
    return open_hours(spec, sc.run.horizon) / sc.run.horizon * WEEK


def _station_capacity_hours(sc: Scenario, site: str, st: Station) -> float:
    """Server-hours a week: servers x open hours x availability MTBF/(MTBF+MTTR)."""
    avail = 1.0
    if st.failures is not None:
        up, down = st.failures.mtbf.mean(), st.failures.mttr.mean()
        avail = up / (up + down)
    return st.servers * _open_per_week(sc, st.calendar or sc.sites[site].calendar) * avail


def unit_of(sc: Scenario, item: str) -> str:
    """What one unit of `item` is (its `unit:`), for the table's unit column."""
    spec = sc.items.get(item)
    return spec.unit if spec is not None else "unit"


def _hours_per_unit(st: Station, item: str) -> float:
    pt = st.recipes()[item].process_time
    assert pt is not None, "recipes() fills the station's process time"
    return pt.mean() / st.batch


def explode(sc: Scenario, mix: dict[Node, float]) -> Flows:
    """Flows per hour that meet `mix` (units per hour at each (site, product)).

    Solved by fixed-point iteration: consumption at a node is met first by failed units
    routed there (and what rework stations make of them), then by the node's own
    stations (split by capacity), else by lanes into it, else by its suppliers."""
    recipes: dict[RecipeKey, tuple[str, Station]] = {}
    for site, name, st in sc.station_items():
        for item in st.recipes():
            recipes[(f"{site}.{name}", item)] = (site, st)
    makes: dict[Node, list[RecipeKey]] = defaultdict(list)
    fails_into: set[Node] = set()
    for key, (site, st) in recipes.items():
        makes[(site, key[1])].append(key)
        if st.recipes()[key[1]].fail_to != "scrap":
            fails_into.add((site, st.recipes()[key[1]].fail_to))
    lanes_in: dict[Node, list[str]] = defaultdict(list)
    for name, lane in sc.lanes.items():
        lanes_in[(lane.to, lane.item)].append(name)
    bought = {(site, item) for site, s in sc.sites.items() for item, inv in s.inventories.items() if inv.suppliers}
    # nodes fed only by failed units: their consumers (rework) take what arrives
    byproduct_only = {n for n in fails_into if not makes.get(n) and n not in lanes_in and n not in bought}
    pushed = {k for k, (site, st) in recipes.items()
              if st.recipes()[k[1]].inputs and all((site, i) in byproduct_only for i in st.recipes()[k[1]].inputs)}
    share = {k: _station_capacity_hours(sc, site, st) / _hours_per_unit(st, k[1]) for k, (site, st) in recipes.items()}
    lane_cap = {n: lane_capacity(sc, n) for n in sc.lanes}

    starts = {k: 0.0 for k in recipes}
    flow = {n: 0.0 for n in sc.lanes}
    for _ in range(10_000):
        used: dict[Node, float] = defaultdict(float, mix)
        supply: dict[Node, float] = defaultdict(float)
        for k, (site, st) in recipes.items():
            r = st.recipes()[k[1]]
            for i, q in r.inputs.items():
                used[(site, i)] += starts[k] * q
            if r.fail_to != "scrap":
                supply[(site, r.fail_to)] += starts[k] * (1 - r.yield_)
            if k in pushed:
                supply[(site, k[1])] += starts[k] * r.yield_
        for n, lane in sc.lanes.items():
            used[(lane.origin, lane.item)] += flow[n]
        new = dict.fromkeys(recipes, 0.0)
        new_flow = dict.fromkeys(sc.lanes, 0.0)
        for k in pushed:
            site, st = recipes[k]
            r = st.recipes()[k[1]]
            new[k] = min(supply[(site, i)] / q / len([p for p in pushed if (site, i) in _inputs(recipes[p], p)])
                         for i, q in r.inputs.items())
        buy: dict[Node, float] = {}
        for node, u in used.items():
            need = max(0.0, u - supply[node])
            primary = [k for k in makes.get(node, []) if k not in pushed]
            if primary:
                total = sum(share[k] for k in primary)
                for k in primary:
                    r = recipes[k][1].recipes()[k[1]]
                    new[k] = need * share[k] / total / max(r.yield_, 1e-9)
            elif lanes_in.get(node):
                names = lanes_in[node]
                finite = [lane_cap[n] for n in names if lane_cap[n] < math.inf]
                for n in names:
                    new_flow[n] = need / len(names) if len(finite) < len(names) else need * lane_cap[n] / sum(finite)
            elif node in bought:
                buy[node] = need
        change = max([abs(new[k] - starts[k]) for k in recipes] + [abs(new_flow[n] - flow[n]) for n in flow] + [0.0])
        starts, flow = new, new_flow
        if change <= 1e-12 * (1 + max(mix.values(), default=0)):
            return Flows(starts, flow, buy, dict(used))
    raise ValueError("the bill of materials does not settle (a cycle with yield 1?)")


def _inputs(entry: tuple[str, Station], key: RecipeKey) -> set[Node]:
    site, st = entry
    return {(site, i) for i in st.recipes()[key[1]].inputs}


def lane_capacity(sc: Scenario, name: str) -> float:
    """Units per hour: load limit x departures; unlimited when either is open."""
    lane = sc.lanes[name]
    if lane.every is None or lane.load_limit is None:
        return math.inf
    return lane.load_limit / lane.every


def _pool_people(sc: Scenario, site: str, pool: str) -> float:
    """Headcount once every hire within the horizon has trained (capacity at full ramp)."""
    p = sc.sites[site].workforce[pool]
    return p.size + sum(h.add for h in p.hiring if h.at + p.training < sc.run.horizon)


# ---- the table ------------------------------------------------------------------------------------
def capacity_table(sc: Scenario) -> CapacityTable:
    """Every station, crew pool, supplier and lane: capacity, load and max rate per week."""
    mix, capacity_mode = demand_mix(sc)
    flows = explode(sc, mix)
    total = sum(mix.values()) * WEEK
    rows: list[dict[str, Any]] = []

    def add(resource: str, kind: str, cap: float, load: float, unit: str) -> None:
        scale = cap / load if load > 0 else math.inf
        rows.append({"resource": resource, "kind": kind, "capacity": cap, "load": load, "unit": unit,
                     "utilisation": load / cap if cap > 0 else math.inf, "max_rate": scale * total,
                     "max_scale": scale})

    pool_load: dict[tuple[str, str], float] = defaultdict(float)
    pool_open: dict[tuple[str, str], float] = {}
    for site, name, st in sc.station_items():
        key = f"{site}.{name}"
        items = list(st.recipes())
        starts = sum(flows.starts[(key, i)] for i in items) * WEEK
        hours = sum(flows.starts[(key, i)] * _hours_per_unit(st, i) for i in items) * WEEK
        per_unit = hours / starts if starts > 0 else sum(_hours_per_unit(st, i) for i in items) / len(items)
        cap_hours = _station_capacity_hours(sc, site, st)
        unit = unit_of(sc, items[0]) if len(items) == 1 else "units"
        add(key, "station", cap_hours / per_unit, starts, unit)
        if st.crew is not None:
            pool = (site, st.crew.pool)
            pool_load[pool] += hours * st.crew.size
            pool_open[pool] = max(pool_open.get(pool, 0.0), _open_per_week(sc, st.calendar or sc.sites[site].calendar))
    for (site, pname), load in pool_load.items():
        add(f"{site}.{pname}", "crew", _pool_people(sc, site, pname) * pool_open[(site, pname)], load, "crew-h")
    supplier_load: dict[str, float] = defaultdict(float)
    for site, s in sc.sites.items():
        for item, inv in s.inventories.items():
            for sup, frac in inv.suppliers.items():
                supplier_load[sup] += flows.bought.get((site, item), 0.0) * frac * WEEK
    for name, sp in sc.suppliers.items():
        cap = sp.capacity * WEEK if sp.capacity is not None else math.inf
        add(name, "supplier", cap, supplier_load[name], unit_of(sc, sp.item))
    for name, lane in sc.lanes.items():
        add(name, "lane", lane_capacity(sc, name) * WEEK, flows.lanes[name] * WEEK, unit_of(sc, lane.item))

    table = pd.DataFrame(rows, columns=COLUMNS)
    if capacity_mode:   # no demand to load the resources with: only the max rate means something
        table[["load", "utilisation", "max_scale"]] = math.nan
    table = table.sort_values(["max_rate", "kind", "resource"], kind="stable").reset_index(drop=True)
    warnings = [] if capacity_mode else [
        f"{r.kind} {r.resource}: load {r.load:.3g} {r.unit}/week exceeds capacity {r.capacity:.3g} "
        f"(utilisation {r.utilisation:.0%})" for r in table.itertuples() if r.utilisation > 1 + 1e-9]
    per_product: dict[str, float] = defaultdict(float)   # a product shipped from several sites: the sum
    for (_, item), rate in mix.items():
        per_product[item] += rate * WEEK
    return CapacityTable(table, dict(per_product), capacity_mode, warnings)


# ---- replenishment as cover ----------------------------------------------------------------------
def expected_usage(sc: Scenario) -> dict[Node, float]:
    """Units per hour bought at each inventory: each item's peak through the bill of
    materials within the horizon (a ramping product's parts peak when it does). A line
    not paced by orders (push or conwip release) uses parts as fast as it can make
    products, so there the peak mix at the static bottleneck's rate counts too, when
    that is faster (capacity mode: only that rate)."""
    mixes, capacity_mode = demand_mixes(sc)
    if sc.release.policy != "make_to_order" or capacity_mode:
        peak = max(mixes, key=lambda m: sum(m.values()))
        b = capacity_table(sc).bottleneck
        rate = b["max_rate"] / WEEK if b is not None else 0.0
        scale = rate / sum(peak.values())
        mixes = [{n: v * scale for n, v in peak.items()}] + ([] if capacity_mode else mixes)
    usage: dict[Node, float] = defaultdict(float)
    for mix in mixes:
        for node, rate in explode(sc, mix).bought.items():
            usage[node] = max(usage[node], rate)
    return dict(usage)


def _units(v: int | Cover | None, usage: float, minimum: int = 0) -> int | None:
    if not isinstance(v, Cover):
        return v
    return max(minimum, math.ceil(usage * v.hours - 1e-9))


def resolve_policy(policy: Policy, usage: float) -> Policy:
    """The policy with every level written as cover turned into units at `usage` per hour."""
    if not any(isinstance(getattr(policy, k), Cover) for k in ("s", "S", "R", "Q")):
        return policy
    return policy.model_copy(update={"s": _units(policy.s, usage), "S": _units(policy.S, usage),
                                     "R": _units(policy.R, usage), "Q": _units(policy.Q, usage, 1)})


def resolved_policies(sc: Scenario) -> dict[Node, Policy]:
    """(site, item) -> replenishment policy in units, for every inventory with one."""
    usage: dict[Node, float] | None = None
    out: dict[Node, Policy] = {}
    for site, s in sc.sites.items():
        for item, inv in s.inventories.items():
            if inv.policy is None:
                continue
            if usage is None and any(isinstance(getattr(inv.policy, k), Cover) for k in ("s", "S", "R", "Q")):
                usage = expected_usage(sc)
            out[(site, item)] = resolve_policy(inv.policy, (usage or {}).get((site, item), 0.0))
    return out


def reorder_point(p: Policy) -> tuple[float, str]:
    """The level (units) at or below which a resolved policy orders, and the key that sets it."""
    value, key = {"sS": (p.s, "s"), "RQ": (p.R, "R"), "base_stock": (p.S, "S"), "periodic": (p.S, "S")}[p.type]
    assert isinstance(value, (int, float)), "resolve the policy's cover first (resolved_policies)"
    return value, key


def reorder_points(sc: Scenario) -> dict[str, float]:
    """`site/item` -> reorder point in units, for every inventory with a policy."""
    return {f"{site}/{item}": reorder_point(p)[0] for (site, item), p in resolved_policies(sc).items()}


def reorder_warnings(sc: Scenario) -> list[str]:
    """Reorder points below the expected demand over the suppliers' mean lead time
    (share-weighted, late deliveries included): stock-outs are then the rule."""
    usage = expected_usage(sc)
    out = []
    for (site, item), p in resolved_policies(sc).items():
        inv = sc.sites[site].inventories[item]
        lead = sum(frac * (sc.suppliers[n].lead_time.mean()
                           + (1 - sc.suppliers[n].reliability) * sc.suppliers[n].late_by.mean())
                   for n, frac in inv.suppliers.items())
        rop, key = reorder_point(p)
        lead_demand = usage.get((site, item), 0.0) * lead
        if rop < lead_demand - 1e-9:
            written = getattr(inv.policy, key)
            shown = f"{written} = {rop:g}" if isinstance(written, Cover) else f"{rop:g}"
            out.append(f"sites.{site}.inventories.{item}.policy.{key}: reorder point {shown} units is below the "
                       f"expected demand over the mean lead time ({lead_demand:.0f} units = "
                       f"{usage[(site, item)] * WEEK:.4g}/week x {lead / WEEK:.3g} w); expect stock-outs")
    return out
