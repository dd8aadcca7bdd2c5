"""The `costs:` section of a scenario: prices, tariffs, freight, labour, capital,
carrying and revenue, every one an assumption with its own note.

Kept apart from the physical model (`scenario/model.py`) because a scenario without
it runs exactly as before; the economic layer that uses it is `analysis/costs.py`.
Landed cost over time and the sourcing split it moves are in `scenario/landed.py`, the
section's checks against the rest of the scenario in `scenario/cost_checks.py`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Discriminator, Field, Tag, model_validator

from rackline.scenario.base import Spec
from rackline.scenario.values import (
    Duration,
    Fraction,
    ItemRef,
    LaneRef,
    Money,
    MoneyPerHour,
    NonNegativeNumber,
    Number,
    Percent,
    SiteRef,
    StationRef,
    SupplierRef,
    expected,
)

if TYPE_CHECKING:
    from typing_extensions import Self


class Sourcing(Spec):
    """How an inventory's split across suppliers follows landed cost (price x (1 +
    tariff)): the Armington form of trade models, calibrated to the written shares at
    a reference landed cost. A supplier whose landed cost is r times its reference
    gets its share x r^-elasticity, the shares are scaled back to 1, and none exceeds
    its `max_share`. A level away from the reference at the start moves the split
    from week 0; a later tariff step moves it after `lag`. A supplier written with
    share 0 stays at 0."""

    elasticity: NonNegativeNumber = Field(
        description="how strongly orders follow landed cost: 0 keeps the shares; 3 turns a 10% rise "
                    "into a share x 1.1^-3 (about -25%) before scaling back to 1")
    max_share: dict[SupplierRef, Fraction] = Field(
        default_factory=dict, description="supplier: the most share it can take (capacity, qualification); 1 if absent")
    lag: Duration = Field("0 h",  # type: ignore[assignment]  # a written default, parsed like the user's
                          description="orders follow a cost change this long after it (contracts, qualifying)")
    reference: dict[SupplierRef, Money] = Field(
        default_factory=dict,
        description="supplier: the landed cost (price x (1 + tariff)) at which the written shares hold, one for "
                    "each supplier; if absent, the landed costs in force at the start (so a tariff set from week 0 "
                    "never moves the split)")


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


# a product's revenue: a price (a mapping), or the word `none` for a product that earns nothing;
# the tag picks the branch, so a typo in a mapping is reported once, not against `none` too
ProductRevenue = Annotated[Annotated[Revenue, Tag("priced")] | Annotated[Literal["none"], Tag("none")],
                           Discriminator(lambda v: "none" if isinstance(v, str) else "priced")]


class Costs(Spec):
    """Prices, rates and costs: every one an assumption. Purchased items are valued at
    the average price of the units received; made items at the cost of their inputs
    (see the README's Costs section)."""

    currency: str = Field("USD", description="the one currency of every amount, named in the results")
    prices: dict[SupplierRef, Money] = Field(default_factory=dict, description="supplier: purchase price per unit")
    tariffs: dict[str, Percent | list[TariffStep]] = Field(
        default_factory=dict, description="region or supplier: tariff on the value received, or a schedule")
    inbound_freight: dict[SupplierRef, Money] = Field(default_factory=dict, description="supplier: freight per order")
    lanes: dict[LaneRef, LaneCost] = Field(default_factory=dict)
    labour: dict[str, PoolCost] = Field(default_factory=dict, description="site.pool: wage and hiring cost")
    stations: dict[StationRef, StationCost] = Field(default_factory=dict)
    sites: dict[SiteRef, SiteCost] = Field(default_factory=dict)
    revenue: dict[ItemRef, ProductRevenue] = Field(
        default_factory=dict, description="product: price and salvage, one for each product with demand; or "
                                          "`{value: none, note: ...}` for a product that earns nothing, with why")
    energy_price: Money = Field(0, description="per kWh")
    carrying_rate: Percent = Field(0, description="a year's holding cost as a share of stock, WIP and transit value")
    capital_charge: Percent = Field(0, description="a year's charge on station capital (depreciation and return)")
    discount_rate: Percent = Field(0, description="a year's discount rate for NPV")

    @model_validator(mode="after")
    def _valid(self) -> Self:
        for key, value in self.tariffs.items():
            if isinstance(value, list) and not value:
                raise expected(f"at least one step in tariffs.{key}")
        if not self.currency.strip():
            raise expected("a currency name like 'USD'")
        return self

    def priced(self) -> dict[str, Revenue]:
        """Products with a price (those declared `none` earn nothing)."""
        return {item: r for item, r in self.revenue.items() if isinstance(r, Revenue)}

    def tariff_steps(self, supplier: str, region: str) -> list[tuple[float, float]]:
        """[(from hours, rate)] sorted, for a supplier (its own entry, else its region's); rate 0 before."""
        value = self.tariffs.get(supplier, self.tariffs.get(region, 0.0))
        if isinstance(value, list):
            return sorted((s.start, s.rate) for s in value)
        return [(0.0, float(value))]
