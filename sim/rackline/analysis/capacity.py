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
from rackline.scenario.flows import Node, demand_mix, product_sites, resource_loads
from rackline.scenario.model import Scenario
from rackline.units import WEEK

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ["resource", "kind", "capacity", "load", "unit", "utilisation", "max_rate", "max_scale"]


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

    @cached_property
    def table(self) -> pd.DataFrame:
        """The rows as a DataFrame (columns COLUMNS)."""
        import pandas as pd
        return pd.DataFrame(self.rows, columns=COLUMNS)

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
            return [f"No finite capacity on the path to {products}."]
        line = f"Static bottleneck: {b['kind']} {b['resource']} binds at {b['max_rate']:.3g} {products}/week"
        if self.capacity_mode:
            return [line + " (capacity mode: maximum rate at an equal mix)"]
        gap = "short of" if b["max_rate"] < self.demand_rate else "above"
        return [line + f", {gap} demand of {self.demand_rate:.3g}/week (utilisation {b['utilisation']:.0%})."]

    def product_lines(self, shown: int = 3) -> list[str]:
        """Per product, the `shown` tightest resources and the units/week of it each allows at
        the mix: `rack_gen2: hall_power ohio.gen2_floor 15.2/week, allocation gpu_alloc 19.2/week, ...`."""
        return [f"{product}: " + ", ".join(f"{r.kind} {r.resource} {r.capacity:.3g}/week" for r in rs[:shown])
                for product, rs in self.per_product.items() if rs]


def capacity_table(sc: Scenario) -> CapacityTable:
    """Every station, crew pool, supplier and lane: capacity, load and max rate per week."""
    mix, capacity_mode = demand_mix(sc)
    total = sum(mix.values()) * WEEK
    rows: list[dict[str, Any]] = [
        {"resource": r.resource, "kind": r.kind, "capacity": r.capacity, "load": r.load, "unit": r.unit,
         "utilisation": r.utilisation, "max_rate": r.max_scale * total, "max_scale": r.max_scale}
        for r in resource_loads(sc, mix)]
    if capacity_mode:   # no demand to load the resources with: only the max rate means something
        for row in rows:
            row.update(load=math.nan, utilisation=math.nan, max_scale=math.nan)
    rows.sort(key=lambda r: (_nan_last(r["max_rate"]), r["kind"], r["resource"]))
    warnings = [] if capacity_mode else [
        f"{r['kind']} {r['resource']}: load {r['load']:.3g} {r['unit']}/week exceeds capacity {r['capacity']:.3g} "
        f"(utilisation {r['utilisation']:.0%})" for r in rows if r["utilisation"] > 1 + 1e-9]
    per_product: dict[str, float] = defaultdict(float)   # a product shipped from several sites: the sum
    for (_, item), rate in mix.items():
        per_product[item] += rate * WEEK
    return CapacityTable(rows, dict(per_product), capacity_mode, warnings, product_resources(sc, dict(per_product)))


def _nan_last(v: float) -> tuple[bool, float]:
    """Sort key as pandas' sort_values: NaN after every number, inf included."""
    return (True, 0.0) if math.isnan(v) else (False, v)


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
