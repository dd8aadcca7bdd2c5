"""Rough-cut capacity as a table: what demand asks of every resource, before any
simulation (the flows and loads are `scenario.flows`; this module ranks them).

Each station, crew pool, supplier and lane has a capacity per week, a load, a
utilisation and the largest demand scale it allows; the smallest is the static
bottleneck. Queueing, variability, finite buffers, disruptions, learning, setups and
ramps are ignored: the simulation adds them.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from rackline.analysis.answer_parts import Resource
from rackline.quantities import counted, plain_number
from rackline.scenario.flows import Node, ResourceLoad, demand_mix, demanded_products, product_sites, resource_loads
from rackline.scenario.model import Scenario
from rackline.units import WEEK

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ["resource", "kind", "capacity", "load", "unit", "utilisation", "needed", "needed_unit", "max_rate",
           "max_scale", "key", "hired"]
TARGET_UTILISATION = 0.85   # GUESS: the load a planner sizes for; queues grow without bound towards 100%
NEEDED_UNITS = {"station": "server", "crew": "person", "lane": "departure"}   # counted: 1 server, 2 servers


def needed(r: ResourceLoad, target: float = TARGET_UTILISATION) -> float:
    """What `r` needs so that the load runs at `target` utilisation: servers for a station,
    people for a crew pool (its `size`, besides the hires the scenario already plans),
    departures a week at the load limit for a lane, and a rate (unit/week) for a supplier.
    NaN when the table cannot say (capacity mode, an unlimited lane). The one sizing rule:
    `rackline capacity` prints it and `rackline optimize` starts from it."""
    if not math.isfinite(r.load) or not math.isfinite(r.per_count) or r.per_count <= 0:
        return math.nan
    if r.kind == "supplier":
        return r.load / target
    count = math.ceil(r.load / (r.per_count * target) - 1e-9) if r.load > 0 else 0
    return float(max(0.0, count - r.fixed))


def needed_unit(r: ResourceLoad) -> str:
    """The noun of `needed`, singular for counts ('server', 'person', 'departure' a week),
    a rate for suppliers ('transceiver/week')."""
    return NEEDED_UNITS.get(r.kind, f"{r.unit}/week")


def needed_text(value: float, unit: str, kind: str, fixed: float = 0.0) -> str:
    """'5 servers', '1 server', '25 people', '3 departures/week', '881 transceiver/week'."""
    if not math.isfinite(value):
        return "—"
    if kind in NEEDED_UNITS:
        text = counted(value, unit) + ("/week" if kind == "lane" else "")
        return text + (f" + {plain_number(fixed)} hired" if fixed else "")
    return f"{plain_number(value)} {unit}"




@dataclass(frozen=True)
class CapacityTable:
    """The rough-cut capacity of a scenario; `rows` (and `table`, the same as a DataFrame)
    rank resources, tightest first. The rows are plain values so `rackline capacity`
    prints them without importing pandas (start-up is most of that command's time)."""

    rows: list[dict[str, Any]]          # one per resource, keys COLUMNS, tightest first
    mix: dict[str, float]               # product -> units per week in the demand mix
    capacity_mode: bool                 # no finite demand rate: the mix is one unit of each product
    warnings: list[str] = field(default_factory=list)
    # product -> its finite resources, tightest first, with the units/week of that product each
    # allows at the mix (`product_resources`): what a test hall or an allocation allows each generation
    per_product: dict[str, list[Resource]] = field(default_factory=dict)
    target: float = TARGET_UTILISATION  # the utilisation `needed` sizes for
    no_demand: bool = False             # no demand in the horizon: the mix is one unit of each product named

    @cached_property
    def table(self) -> pd.DataFrame:
        """The rows as a DataFrame (columns COLUMNS, then `max_rate:<product>` with several products)."""
        import pandas as pd
        extra = [f"max_rate:{p}" for p in self.per_product] if len(self.per_product) > 1 else []
        return pd.DataFrame(self.rows, columns=COLUMNS + extra)

    def needed_for(self, key: str) -> float | None:
        """`needed` of the resource a scenario path sizes (`sites.S.stations.X.servers`, ...);
        None when no row has that key or the table cannot size it."""
        row = next((r for r in self.rows if r["key"] == key), None)
        if row is None or not math.isfinite(row["needed"]):
            return None
        return float(row["needed"])

    @property
    def heading(self) -> str:
        """What loads the resources: the demand at its peak, capacity mode's equal mix, or nothing."""
        if self.no_demand:
            named = f"; capacities at an equal mix of {', '.join(self.mix)}" if self.mix else ""
            return f"No demand in the horizon (every demand rate is 0 or none is declared){named}"
        if self.capacity_mode:
            return f"Capacity mode: {', '.join(self.mix)}, equal mix"
        return "Demand (peak): " + ", ".join(f"{item} {plain_number(rate)}/week" for item, rate in self.mix.items())

    @property
    def demand_rate(self) -> float:
        """Products per week the demand asks for (the mix's total)."""
        return sum(self.mix.values())

    @property
    def bottleneck(self) -> dict[str, Any] | None:
        """The first finite row: the resource that binds first, and its max rate."""
        return next((r for r in self.rows if r["max_rate"] < math.inf), None)

    def summary(self) -> list[str]:
        """A few lines for people: the binding resource, the rate, the gap to demand."""
        b = self.bottleneck
        products = ", ".join(self.mix)
        if b is None:
            if not self.mix:
                return ["No demand in the horizon: nothing loads the resources."]
            return [f"No finite capacity on the path to {products}."]
        line = f"Static bottleneck: {b['kind']} {b['resource']} binds at {plain_number(b['max_rate'])} {products}/week"
        if self.no_demand:
            return [f"No demand in the horizon; if demand came at an equal mix, {b['kind']} {b['resource']} "
                    f"would bind first at {plain_number(b['max_rate'])} {products}/week"]
        if self.capacity_mode:
            return [line + " (capacity mode: maximum rate at an equal mix)"]
        gap = "short of" if b["max_rate"] < self.demand_rate else "above"
        return [line + f", {gap} demand of {plain_number(self.demand_rate)}/week (utilisation {b['utilisation']:.0%})."]

    def product_lines(self, shown: int = 3) -> list[str]:
        """Per product, the `shown` tightest resources and the units/week of it each allows at
        the mix: `rack_gen2: hall_power ohio.gen2_floor 15.2/week, allocation gpu_alloc 19.2/week, ...`."""
        return [f"{product}: " + ", ".join(f"{r.kind} {r.resource} {r.capacity:.3g}/week" for r in rs[:shown])
                for product, rs in self.per_product.items() if rs]


def capacity_table(sc: Scenario, target: float = TARGET_UTILISATION) -> CapacityTable:
    """Every station, crew pool, supplier and lane: capacity, load, what it needs at the
    peak demand at `target` utilisation, and max rate per week. With several products,
    `max_rate:<product>` columns give each product's rate a shared resource allows (at
    the demand's mix; empty where the product does not use it)."""
    mix, capacity_mode = demand_mix(sc)
    no_demand = not demanded_products(sc)
    if no_demand:       # nothing asks: show what an equal mix of the products named could get
        mix, capacity_mode = {(d.site, d.item): 1.0 for d in sc.demand.values()}, True
    total = sum(mix.values()) * WEEK
    rows: list[dict[str, Any]] = [
        {"resource": r.resource, "kind": r.kind, "capacity": r.capacity, "load": r.load, "unit": r.unit,
         "utilisation": r.utilisation, "needed": needed(r, target), "needed_unit": needed_unit(r),
         "max_rate": r.max_scale * total, "max_scale": r.max_scale, "key": r.key, "hired": r.fixed}
        for r in resource_loads(sc, mix)]
    per_product: dict[str, float] = defaultdict(float)   # a product shipped from several sites: the sum
    for (_, item), rate in mix.items():
        per_product[item] += rate * WEEK
    routes = product_resources(sc, dict(per_product))
    if len(routes) > 1:      # what each product may make of a shared resource (at the demand's mix)
        allows = {(p, r.resource): r.capacity for p, rs in routes.items() for r in rs}
        for row in rows:
            row.update({f"max_rate:{p}": allows.get((p, row["resource"]), math.nan) for p in routes})
    if capacity_mode:   # no demand to load the resources with: only the max rate means something
        for row in rows:
            row.update(load=math.nan, utilisation=math.nan, needed=math.nan, max_scale=math.nan)
    rows.sort(key=lambda r: (_nan_last(r["max_rate"]), r["kind"], r["resource"]))
    warnings = [] if capacity_mode else [
        f"{r['kind']} {r['resource']}: load {plain_number(r['load'])} {r['unit']}/week exceeds capacity "
        f"{plain_number(r['capacity'])} (utilisation {r['utilisation']:.0%})" for r in rows if r["utilisation"] > 1 + 1e-9]
    return CapacityTable(rows, dict(per_product), capacity_mode, warnings, routes, target, no_demand)


def _nan_last(v: float) -> tuple[bool, float]:
    """Sort key as pandas' sort_values: NaN after every number, inf included."""
    return (True, 0.0) if math.isnan(v) else (False, v)


def product_resources(sc: Scenario, outputs: dict[str, float]) -> dict[str, list[Resource]]:
    """Per product, the finite resources on its route at the simulated mix (`outputs`:
    units/week of each product, e.g. what the run made), tightest first: the rate of that
    product each allows when every product scales together, and whom it is shared with.
    A product that made nothing is not part of the mix (it would load the resources with
    work nobody did): its rate is what the capacity the mix leaves over allows of it."""
    made = {p: v / WEEK for p, v in outputs.items() if v > 0}
    weights = made or {p: 1.0 / WEEK for p in outputs}     # nothing made at all: an equal mix

    def spread(rates: dict[str, float]) -> dict[Node, float]:
        return {(site, p): rate / len(sites) for p, rate in rates.items()
                for sites in [product_sites(sc, p)] for site in sites}

    loads = resource_loads(sc, spread(weights))
    per_unit: dict[str, dict[str, float]] = {}       # product -> resource -> load of one unit a week
    for product in outputs:
        per_unit[product] = {r.resource: r.load for r in resource_loads(sc, spread({product: 1.0 / WEEK}))
                             if r.load > 0}
    users = {r.resource: {p for p in outputs if r.resource in per_unit[p]} for r in loads}
    out: dict[str, list[Resource]] = {p: [] for p in outputs}
    for r in loads:
        if not math.isfinite(r.max_scale):
            continue
        for product in sorted(users[r.resource]):
            if product in weights:
                rate = r.max_scale * weights[product] * WEEK
            else:                                    # what is left over of it, in this product's units
                rate = max(r.capacity - r.load, 0.0) / per_unit[product][r.resource]
            out[product].append(Resource(kind=r.kind, resource=r.resource, capacity=rate, utilisation=r.utilisation,
                                         shared_with=sorted(users[r.resource] - {product})))
    return {p: sorted(rs, key=lambda x: (x.capacity, x.kind, x.resource)) for p, rs in out.items()}
