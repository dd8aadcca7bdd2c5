"""A scenario's `costs:` section compiled to plain numbers for one run (`CostPlan`):
prices, tariff schedules, freight, wages and paid hours, station capital, and each
item's bill of purchased units, so that values can be re-priced at what was received.

Built from the scenario (`cost_plan`), outside the engine, for a run's snapshot
times; `rackline.analysis.costs` turns plan and counters into money after the run.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from rackline.scenario.landed import rate_at

if TYPE_CHECKING:
    from rackline.scenario.model import Scenario


@dataclass(frozen=True, slots=True)
class SupplierCost:
    item: str
    price: float
    region: str
    family: str
    per_order: float
    tariff: tuple[tuple[float, float], ...]     # (from hours, rate), sorted

    def tariff_at(self, t: float) -> float:
        """The rate in force at time t (0 before the first step)."""
        return rate_at(self.tariff, t)


@dataclass(frozen=True, slots=True)
class PoolCost:
    wage: float                                  # per paid hour
    open_hours: np.ndarray                       # cumulative open hours of its calendar at each snapshot
    hires: tuple[tuple[float, int], ...]         # (time, people hired)
    hire_cost: float


@dataclass(frozen=True, slots=True)
class StationCost:
    capital: float                               # all servers
    fixed: float                                 # per hour
    power_kw: float                              # per busy server
    labour: float = 0.0                          # per working server-hour


@dataclass(frozen=True, slots=True)
class CostPlan:
    """A scenario's prices and rates compiled to numbers, for one run's snapshot times."""

    currency: str
    suppliers: dict[str, SupplierCost]
    price: dict[str, float]                      # purchased item -> price at the written shares
    bom: dict[str, dict[str, float]]             # item -> purchased item -> units in one unit (cycles once)
    families: dict[str, str]                     # item -> component family
    lanes: dict[str, tuple[float, float, str]]   # lane -> (per departure, per unit, item)
    pools: dict[str, PoolCost]
    stations: dict[str, StationCost]
    site_fixed: float                            # per hour, all sites
    revenue: dict[str, tuple[float, float]]      # product -> (price, salvage)
    energy_price: float
    carrying_rate: float
    capital_charge: float
    discount_rate: float
    rework: dict[str, tuple[str | None, int]] = field(default_factory=dict)  # station -> (paid crew pool, crew size)
    ended: dict[str, float] = field(default_factory=dict)   # item of a generation ended in the run -> salvage per unit
    rule_capex: dict[str, float] = field(default_factory=dict)   # adaptive rule -> capex each time it fires

    @property
    def capital(self) -> float:
        return sum(s.capital for s in self.stations.values())

    def values(self, price: dict[str, float]) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
        """(item -> value per unit, item -> component family -> value) at these prices of
        purchased items (the written-share price for any not given)."""
        value: dict[str, float] = {}
        family_value: dict[str, dict[str, float]] = {}
        for item, bom in self.bom.items():
            fam: dict[str, float] = defaultdict(float)
            for p, n in bom.items():
                fam[self.families[p]] += n * price.get(p, self.price[p])
            family_value[item] = dict(fam)
            value[item] = sum(fam.values())
        return value, family_value


def cost_plan(sc: Scenario, times: np.ndarray) -> CostPlan | None:
    """The scenario's costs as numbers (None when it has no `costs` section)."""
    c = sc.costs
    if c is None:
        return None
    from rackline.calendars import open_hours
    families = {name: item.family if item is not None else "other" for name, item in sc.items.items()}
    shares: dict[str, list[float]] = defaultdict(list)
    for site in sc.sites.values():
        for item, inv in site.inventories.items():
            if inv.suppliers:
                shares[item].append(sum(share * c.prices.get(s, 0.0) for s, share in inv.suppliers.items()))
    price: dict[str, float] = {}
    for sp in sc.suppliers.values():
        written = shares.get(sp.item) or [float(np.mean([c.prices.get(s, 0.0) for s, o in sc.suppliers.items()
                                                          if o.item == sp.item]))]
        price[sp.item] = float(np.mean(written))
    recipes: dict[str, list[dict[str, int]]] = defaultdict(list)
    failed_from: dict[str, str] = {}
    for site in sc.sites.values():
        for st in site.stations.values():
            for item, r in st.recipes().items():
                recipes[item].append(dict(r.inputs))
                if r.fail_to != "scrap":
                    failed_from.setdefault(r.fail_to, item)

    def worth(bom: dict[str, float]) -> float:
        return sum(n * price[p] for p, n in bom.items())

    def roll(item: str, busy: frozenset[str]) -> dict[str, float]:
        """Purchased units in one unit of `item`, by its costliest recipe at the written prices."""
        if item in price:
            return {item: 1.0}
        if item in busy:
            return {}
        best: dict[str, float] = {}
        options = list(recipes.get(item, []))
        if item in failed_from:
            options.append({failed_from[item]: 1})
        for inputs in options:
            vec: dict[str, float] = defaultdict(float)
            for inp, q in inputs.items():
                for p, n in roll(inp, busy | {item}).items():
                    vec[p] += q * n
            if worth(vec) > worth(best):
                best = dict(vec)
        return best

    t = np.asarray(times, dtype=float)
    pools = {}
    for site_name, site in sc.sites.items():
        for pname, pool in site.workforce.items():
            key = f"{site_name}.{pname}"
            pc = c.labour.get(key)
            if pc is None:
                continue
            cal = next((st.calendar or site.calendar for st in site.stations.values()
                        if st.crew is not None and st.crew.pool == pname), site.calendar)
            spec = sc.calendars[cal] if cal is not None else None
            hours = np.array([open_hours(spec, x) for x in t])
            pools[key] = PoolCost(pc.rate, hours, tuple((h.at, h.add) for h in pool.hiring if h.add > 0), pc.hire)
    stations = {}
    rework: dict[str, tuple[str | None, int]] = {}
    for site_name, site in sc.sites.items():
        for st_name, st in site.stations.items():
            s = c.stations.get(f"{site_name}.{st_name}")
            if s is not None:
                stations[f"{site_name}.{st_name}"] = StationCost(s.capital_per_server * st.servers, s.fixed, s.power_kw,
                                                                 s.labour)
            if any(inp in failed_from for r in st.recipes().values() for inp in r.inputs):
                crew = f"{site_name}.{st.crew.pool}" if st.crew is not None else None
                rework[f"{site_name}.{st_name}"] = (crew if crew in pools else None, st.crew.size if st.crew else 0)
    return CostPlan(
        currency=c.currency.strip(),
        suppliers={name: SupplierCost(sp.item, c.prices.get(name, 0.0), sp.region, families[sp.item],
                                      c.inbound_freight.get(name, 0.0), tuple(c.tariff_steps(name, sp.region)))
                   for name, sp in sc.suppliers.items()},
        price=price, bom={item: roll(item, frozenset()) for item in sc.items}, families=families,
        lanes={name: (lc.per_departure, lc.per_unit, sc.lanes[name].item) for name, lc in c.lanes.items()},
        pools=pools, stations=stations, site_fixed=sum(s.fixed for s in c.sites.values()),
        revenue={item: (r.price, r.salvage) for item, r in c.priced().items()},
        energy_price=c.energy_price, carrying_rate=c.carrying_rate, capital_charge=c.capital_charge,
        discount_rate=c.discount_rate, rework=rework,
        ended=ended_salvage(sc),
        rule_capex={name: rule.capex for name, rule in sc.rules.items() if rule.capex})


def ended_salvage(sc: Scenario) -> dict[str, float]:
    """Item of a generation that ends within the horizon -> what a unit left over is worth
    (its generation's `salvage`; 0 when not given): the NPV values its stock so."""
    return {item: gen.salvage.get(item, 0.0) for gen in sc.generations.values()
            if gen.ends is not None and gen.ends < sc.run.horizon for item in gen.items}
