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

import pandas as pd

from rackline.analysis.answer import Resource
from rackline.scenario.flows import Node, demand_mix, demanded_products, product_sites, resource_loads
from rackline.scenario.model import Scenario
from rackline.units import WEEK

COLUMNS = ["resource", "kind", "capacity", "load", "unit", "utilisation", "max_rate", "max_scale"]


@dataclass(frozen=True)
class CapacityTable:
    """The rough-cut capacity of a scenario; `table` ranks resources, tightest first."""

    table: pd.DataFrame
    mix: dict[str, float]               # product -> units per week in the demand mix
    capacity_mode: bool                 # no finite demand rate: the mix is one unit of each product
    warnings: list[str] = field(default_factory=list)
    no_demand: bool = False             # no demand in the horizon: the mix is one unit of each product named

    @property
    def heading(self) -> str:
        """What loads the resources: the demand, capacity mode's equal mix, or nothing."""
        if self.no_demand:
            named = f"; capacities at an equal mix of {', '.join(self.mix)}" if self.mix else ""
            return f"No demand in the horizon (every demand rate is 0 or none is declared){named}"
        if self.capacity_mode:
            return f"Capacity mode: {', '.join(self.mix)}, equal mix"
        return "Demand: " + ", ".join(f"{item} {rate:.3g}/week" for item, rate in self.mix.items())

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
            if not self.mix:
                return ["No demand in the horizon: nothing loads the resources."]
            return [f"No finite capacity on the path to {products}."]
        line = f"Static bottleneck: {b['kind']} {b['resource']} binds at {b['max_rate']:.3g} {products}/week"
        if self.no_demand:
            return [f"No demand in the horizon; if demand came at an equal mix, {b['kind']} {b['resource']} "
                    f"would bind first at {b['max_rate']:.3g} {products}/week"]
        if self.capacity_mode:
            return [line + " (capacity mode: maximum rate at an equal mix)"]
        gap = "short of" if b["max_rate"] < self.demand_rate else "above"
        return [line + f", {gap} demand of {self.demand_rate:.3g}/week (utilisation {b['utilisation']:.0%})."]


def capacity_table(sc: Scenario) -> CapacityTable:
    """Every station, crew pool, supplier and lane: capacity, load and max rate per week."""
    mix, capacity_mode = demand_mix(sc)
    no_demand = not demanded_products(sc)
    if no_demand:       # nothing asks: show what an equal mix of the products named could get
        mix, capacity_mode = {(d.site, d.item): 1.0 for d in sc.demand.values()}, True
    total = sum(mix.values()) * WEEK
    rows = [{"resource": r.resource, "kind": r.kind, "capacity": r.capacity, "load": r.load, "unit": r.unit,
             "utilisation": r.utilisation, "max_rate": r.max_scale * total, "max_scale": r.max_scale}
            for r in resource_loads(sc, mix)]


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
    return CapacityTable(table, dict(per_product), capacity_mode, warnings, no_demand)




def product_resources(sc: Scenario, outputs: dict[str, float]) -> dict[str, list[Resource]]:
    """Per product, the finite resources on its route at the simulated mix (`outputs`:
    units/week of each product, e.g. what the run made), tightest first: the rate of that
    product each allows when every product scales together, and whom it is shared with.
    A product that made nothing counts at one unit a week, so its route still shows."""
    weights = {p: (v if v > 0 else 1.0) / WEEK for p, v in outputs.items()}
    mix: dict[Node, float] = {}
    for product, rate in weights.items():
        sites = product_sites(sc, product)
        for site in sites:
            mix[(site, product)] = rate / len(sites)
    loads = resource_loads(sc, mix)
    users: dict[str, set[str]] = {}
    for product in weights:
        own = {(site, product): 1.0 for site in product_sites(sc, product)}
        for r in resource_loads(sc, own):
            if r.load > 0:
                users.setdefault(r.resource, set()).add(product)
    out: dict[str, list[Resource]] = {p: [] for p in weights}
    for r in loads:
        if not math.isfinite(r.max_scale):
            continue
        for product in sorted(users.get(r.resource, ())):
            out[product].append(Resource(kind=r.kind, resource=r.resource, capacity=r.max_scale * weights[product] * WEEK,
                                         utilisation=r.utilisation,
                                         shared_with=sorted(users[r.resource] - {product})))
    return {p: sorted(rs, key=lambda x: (x.capacity, x.kind, x.resource)) for p, rs in out.items()}
