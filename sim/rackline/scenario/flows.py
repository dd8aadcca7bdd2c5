"""Demand exploded through the bills of materials: steady-state flows per week.

A station with yield y starts 1/y units per good unit, failed units flow along
`fail_to` to rework stations (extra load), lanes carry what the destination uses and
suppliers deliver what is bought. From the flows, every station, crew pool, supplier
and lane gets a capacity per week, a load and the largest demand scale it allows
(`resource_loads`): the rough cut that `analysis.capacity` tabulates and that the
scenario's resolve step (`scenario.resolve`) uses to turn cover into units. Queueing,
variability, finite buffers, disruptions, learning, setups and ramps are ignored:
the simulation adds them. A pure function of the validated scenario.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from rackline.calendars import open_hours
from rackline.scenario.floor_loads import allocation_loads, hall_loads
from rackline.scenario.model import Scenario
from rackline.scenario.stations import Station
from rackline.units import WEEK

Node = tuple[str, str]          # (site, item)
RecipeKey = tuple[str, str]     # (site.station, item made)


@dataclass(frozen=True)
class Flows:
    """Steady-state flows per hour at a demand mix (`scale` x the mix)."""

    starts: dict[RecipeKey, float]      # units started per hour, by station recipe
    lanes: dict[str, float]             # units shipped per hour
    bought: dict[Node, float]           # units bought per hour at an inventory
    used: dict[Node, float]             # units consumed per hour at a node (stations, lanes, demand)


@dataclass(frozen=True)
class ResourceLoad:
    """One resource at a demand mix: capacity and load per week, and the largest scale
    of the mix it allows (`max_scale` x the mix's total is the products/week it allows)."""

    resource: str
    kind: str           # station, crew, supplier, lane, hall_power, hall_cooling, allocation
    capacity: float     # per week, in `unit`
    load: float         # per week, in `unit`
    unit: str
    key: str = ""       # the scenario path a planner changes to add capacity (servers, workforce size)
    per_count: float = math.nan     # capacity per server / person / departure a week (for `needed`)
    fixed: float = 0.0  # capacity counted that `key` does not set (people hired later), in counts

    @property
    def utilisation(self) -> float:
        return self.load / self.capacity if self.capacity > 0 else math.inf

    @property
    def max_scale(self) -> float:
        return self.capacity / self.load if self.load > 0 else math.inf


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
    return pt.mean() / st.units_per_start


@dataclass(frozen=True)
class _Graph:
    """The bill of materials as a graph: which station recipes make each node, which lanes
    feed it, which inventories buy it, and which recipes are pushed by failed units only."""

    recipes: dict[RecipeKey, tuple[str, Station]]
    makes: dict[Node, list[RecipeKey]]
    lanes_in: dict[Node, list[str]]
    bought: set[Node]
    pushed: set[RecipeKey]

    def primary(self, node: Node) -> list[RecipeKey]:
        return [k for k in self.makes.get(node, []) if k not in self.pushed]


def _graph(sc: Scenario) -> _Graph:
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
    return _Graph(recipes, dict(makes), dict(lanes_in), bought, pushed)


def explode(sc: Scenario, mix: dict[Node, float]) -> Flows:
    """Flows per hour that meet `mix` (units per hour at each (site, product)).

    Solved by fixed-point iteration: consumption at a node is met first by failed units
    routed there (and what rework stations make of them), then by the node's own
    stations (split by capacity), else by lanes into it, else by its suppliers."""
    g = _graph(sc)
    recipes, lanes_in, bought, pushed = g.recipes, g.lanes_in, g.bought, g.pushed
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
            primary = g.primary(node)
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


# ---- resources ------------------------------------------------------------------------------------
def resource_loads(sc: Scenario, mix: dict[Node, float]) -> list[ResourceLoad]:
    """Every station, crew pool, supplier and lane, then test halls and allocations
    (`scenario.floor_loads`): capacity and load per week at `mix` (units per hour at each
    (site, product)), in the scenario's order."""
    flows = explode(sc, mix)
    rows: list[ResourceLoad] = []
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
        rows.append(ResourceLoad(key, "station", cap_hours / per_unit, starts, unit,
                                 f"sites.{site}.stations.{name}.servers",
                                 _station_capacity_hours(sc, site, st) / st.servers / per_unit if st.servers else math.nan))
        if st.crew is not None:
            pool = (site, st.crew.pool)
            pool_load[pool] += hours * st.crew.size
            pool_open[pool] = max(pool_open.get(pool, 0.0), _open_per_week(sc, st.calendar or sc.sites[site].calendar))
    for (site, pname), load in pool_load.items():
        people = _pool_people(sc, site, pname)
        rows.append(ResourceLoad(f"{site}.{pname}", "crew", people * pool_open[(site, pname)], load, "crew-h",
                                 f"sites.{site}.workforce.{pname}.size", pool_open[(site, pname)],
                                 people - sc.sites[site].workforce[pname].size))
    supplier_load: dict[str, float] = defaultdict(float)
    for site, s in sc.sites.items():
        for item, inv in s.inventories.items():
            for sup, frac in inv.suppliers.items():
                supplier_load[sup] += flows.bought.get((site, item), 0.0) * frac * WEEK
    for name, sp in sc.suppliers.items():
        cap = sp.capacity * WEEK if sp.capacity is not None else math.inf
        rows.append(ResourceLoad(name, "supplier", cap, supplier_load[name], unit_of(sc, sp.item),
                                 f"suppliers.{name}.capacity", 1.0))
    for name, lane in sc.lanes.items():
        rows.append(ResourceLoad(name, "lane", lane_capacity(sc, name) * WEEK, flows.lanes[name] * WEEK,
                                 unit_of(sc, lane.item), f"lanes.{name}.every",
                                 float(lane.load_limit) if lane.load_limit is not None else math.nan))
    rows += [ResourceLoad(*r) for r in hall_loads(sc, flows.starts)]
    rows += [ResourceLoad(*r) for r in allocation_loads(sc, supplier_load.__getitem__)]
    return rows


def bottleneck_rate(sc: Scenario, mix: dict[Node, float]) -> float:
    """Products per hour the tightest resource allows at `mix`'s proportions (inf if none binds)."""
    scales = [r.max_scale for r in resource_loads(sc, mix)]
    return min(scales, default=math.inf) * sum(mix.values())


# ---- products: when each is active, and what serves it ----------------------------------------------
def first_demand(sc: Scenario, product: str) -> float:
    """Hours until some demand can first ask for `product`: 0 for a rate, inter-arrivals,
    capacity mode or an initial backlog; a schedule's first period with a positive rate;
    never (inf) when nothing asks for it."""
    first = math.inf
    for d in sc.demand.values():
        if d.item != product:
            continue
        if d.schedule is not None and not d.initial_backlog:
            first = min(first, min((p.start for p in d.schedule if p.rate > 0), default=math.inf))
        else:
            first = 0.0
    return first


def product_starts(sc: Scenario) -> dict[str, float]:
    """Product -> hours from which it is active: the later of its generation's introduction
    and its first demand (0 when neither says later). A product's KPIs and answer are
    measured from there (after the warm-up), not over weeks before it exists."""
    introduced = {item: float(gen.introduced) for gen in sc.generations.values() for item in gen.items}
    out = {}
    for product in sorted({d.item for d in sc.demand.values()}):
        first = first_demand(sc, product)
        out[product] = max(introduced.get(product, 0.0), first if math.isfinite(first) else 0.0)
    return out


def demanded_products(sc: Scenario) -> set[str]:
    """Products some demand asks for within the horizon: a positive rate (or a schedule
    period with one before the horizon), inter-arrivals, capacity mode or an initial
    backlog. A scenario whose demand is all zero asks for none: 'no demand in the horizon'."""
    mixes, _ = demand_mixes(sc)
    asked = {item for m in mixes for (_, item), v in m.items() if v > 0}
    return asked | {d.item for d in sc.demand.values() if d.initial_backlog or d.capacity}


def product_sites(sc: Scenario, product: str) -> list[str]:
    """Sites where some demand takes `product`, sorted."""
    return sorted({d.site for d in sc.demand.values() if d.item == product})


def routes(sc: Scenario) -> dict[str, set[str]]:
    """Product -> the resources its bill of materials reaches: stations (`site.station`),
    their crew pools (`site.pool`), suppliers and lanes, from each site that ships it. A
    resource in several products' routes is shared. Structural, like `explode`'s order
    (a node's own stations, else lanes into it, else its suppliers; failed units to the
    rework that takes them), so it holds for any yield, also one that never settles."""
    g = _graph(sc)
    takes: dict[Node, list[RecipeKey]] = defaultdict(list)     # rework recipes fed by failed units
    for k in g.pushed:
        for n in _inputs(g.recipes[k], k):
            takes[n].append(k)
    out: dict[str, set[str]] = {}
    for product in sorted({d.item for d in sc.demand.values()}):
        seen: set[Node] = set()
        reached: set[str] = set()
        todo: list[Node] = [(site, product) for site in product_sites(sc, product)]
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            site, item = node
            primary = g.primary(node)
            for k in primary + takes.get(node, []):
                st = g.recipes[k][1]
                reached.add(k[0])
                if st.crew is not None:
                    reached.add(f"{site}.{st.crew.pool}")
                recipe = st.recipes()[k[1]]
                todo.extend((site, i) for i in recipe.inputs)
                if recipe.fail_to != "scrap":
                    todo.append((site, recipe.fail_to))
            if primary:
                continue
            if g.lanes_in.get(node):
                reached.update(g.lanes_in[node])
                todo.extend((sc.lanes[n].origin, item) for n in g.lanes_in[node])
            elif node in g.bought:
                reached.update(sc.sites[site].inventories[item].suppliers)
        out[product] = reached
    return out
