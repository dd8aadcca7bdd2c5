"""The `costs:` section of a scenario: prices, tariffs, freight, labour, capital,
carrying and revenue, every one an assumption with its own note.

Kept apart from the physical model (`scenario/model.py`) because a scenario without
it runs exactly as before; the economic layer that uses it is `analysis/costs.py`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from rackline.scenario.base import REGIONS, Spec
from rackline.scenario.values import (
    Duration,
    ItemRef,
    LaneRef,
    Money,
    MoneyPerHour,
    Number,
    Percent,
    SiteRef,
    StationRef,
    SupplierRef,
    expected,
)

if TYPE_CHECKING:
    from rackline.scenario.model import Scenario


class TariffStep(Spec):
    start: Duration = Field(alias="from", description="from this time on (since the run starts)")
    rate: Percent = Field(description="share of the purchase value, e.g. '25%'")


class LaneCost(Spec):
    per_departure: Money = Field(0, description="freight per truck that leaves")
    per_unit: Money = Field(0, description="freight per unit moved")


class PoolCost(Spec):
    rate: MoneyPerHour = Field(description="wage per paid hour (pool size over its open hours), e.g. '$45 per h'")
    hire: Money = Field(0, description="hiring and training cost per person hired")


class StationCost(Spec):
    capital_per_server: Money = Field(0, description="paid at the start of the run")
    fixed: MoneyPerHour = Field(0, description="fixed cost over time, e.g. '$20k per w'")
    power_kw: Number = Field(0, description="kW drawn by a busy server (a burn-in bay), for energy")
    labour: MoneyPerHour = Field(0, description="paid per working server-hour (busy or in setup): operators or debug "
                                                "technicians not modelled as a workforce pool, consumables may be "
                                                "folded in; a rework station's is the rework category, e.g. '$90 per h'")


class SiteCost(Spec):
    fixed: MoneyPerHour = Field(0, description="site overhead over time, e.g. '$250k per w'")


class Revenue(Spec):
    price: Money = Field(description="paid per unit shipped to the customer")
    salvage: Money = Field(0, description="value of each unsold unit in stock at the horizon")


class Costs(Spec):
    """Prices, rates and costs: every one an assumption. Purchased items are valued at
    their suppliers' prices weighted by the sourcing shares; made items at the cost of
    their inputs (see the README's Costs section)."""

    currency: str = Field("USD", description="the one currency of every amount, named in the results")
    prices: dict[SupplierRef, Money] = Field(default_factory=dict, description="supplier: purchase price per unit")
    tariffs: dict[str, Percent | list[TariffStep]] = Field(
        default_factory=dict, description="region or supplier: tariff on the value received, or a schedule")
    inbound_freight: dict[SupplierRef, Money] = Field(default_factory=dict, description="supplier: freight per order")
    lanes: dict[LaneRef, LaneCost] = Field(default_factory=dict)
    labour: dict[str, PoolCost] = Field(default_factory=dict, description="site.pool: wage and hiring cost")
    stations: dict[StationRef, StationCost] = Field(default_factory=dict)
    sites: dict[SiteRef, SiteCost] = Field(default_factory=dict)
    revenue: dict[ItemRef, Revenue] = Field(default_factory=dict, description="product: price and salvage")
    energy_price: Money = Field(0, description="per kWh")
    carrying_rate: Percent = Field(0, description="a year's holding cost as a share of stock, WIP and transit value")
    capital_charge: Percent = Field(0, description="a year's charge on station capital (depreciation and return)")
    discount_rate: Percent = Field(0, description="a year's discount rate for NPV")

    @model_validator(mode="after")
    def _valid(self):
        for key, value in self.tariffs.items():
            if isinstance(value, list) and not value:
                raise expected(f"at least one step in tariffs.{key}")
        if not self.currency.strip():
            raise expected("a currency name like 'USD'")
        return self

    def tariff_steps(self, supplier: str, region: str) -> list[tuple[float, float]]:
        """[(from hours, rate)] sorted, for a supplier (its own entry, else its region's); rate 0 before."""
        value = self.tariffs.get(supplier, self.tariffs.get(region, 0.0))
        if isinstance(value, list):
            return sorted((s.start, s.rate) for s in value)
        return [(0.0, float(value))]


def cost_problems(sc: Scenario) -> list[tuple[tuple, str]]:
    """Cost keys that name nothing declared (pools, tariff regions or suppliers, products)."""
    if sc.costs is None:
        return []
    out: list[tuple[tuple, str]] = []
    pools = {f"{s}.{p}" for s, site in sc.sites.items() for p in site.workforce}
    for key in sc.costs.labour:
        if key not in pools:
            out.append((("costs", "labour", key), f"expected a declared workforce pool as site.pool "
                                                  f"({', '.join(sorted(pools)) or 'none declared'}), got {key!r}"))
    for key in sc.costs.tariffs:
        if key not in REGIONS and key not in sc.suppliers:
            out.append((("costs", "tariffs", key), f"expected a region ({', '.join(REGIONS)}) or a declared "
                                                   f"supplier, got {key!r}"))
    products = {d.item for d in sc.demand.values()}
    for key in sc.costs.revenue:
        if key not in products:
            out.append((("costs", "revenue", key), f"expected a product some demand asks for "
                                                   f"({', '.join(sorted(products)) or 'none'}), got {key!r}"))
    return out
