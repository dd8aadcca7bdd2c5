"""The `costs:` section of a scenario: prices, tariffs, freight, labour, capital,
carrying and revenue, every one an assumption with its own note.

Kept apart from the physical model (`scenario/model.py`) because a scenario without
it runs exactly as before; the economic layer that uses it is `analysis/costs.py`.
"""
from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Discriminator, Field, Tag, model_validator

from rackline.scenario.base import REGIONS, Spec
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

    from rackline.scenario.model import Demand, Inventory, Scenario
    from rackline.scenario.yamlfile import KeyPath


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


def rate_at(steps: list[tuple[float, float]] | tuple[tuple[float, float], ...], t: float) -> float:
    """The rate of a sorted [(from hours, rate)] schedule in force at time t (0 before its first step)."""
    k = bisect_right([start for start, _ in steps], t + 1e-9)
    return steps[k - 1][1] if k else 0.0


def landed_costs(sc: Scenario, inv: Inventory, t: float) -> list[float]:
    """Price x (1 + tariff) of each of `inv`'s suppliers (in its order) at time t."""
    c = sc.costs
    assert c is not None
    return [c.prices[n] * (1 + rate_at(c.tariff_steps(n, sc.suppliers[n].region), t)) for n in inv.suppliers]


def reference_costs(sc: Scenario, inv: Inventory) -> list[float]:
    """The landed costs at which `inv`'s written shares hold: its `sourcing.reference`,
    else those in force at the start. A stated reference within rounding of the
    start's landed cost is that cost, so stating it moves nothing by itself."""
    assert inv.sourcing is not None
    start = landed_costs(sc, inv, 0.0)
    ref = inv.sourcing.reference
    if not ref:
        return start
    return [s if math.isclose(ref[n], s, rel_tol=1e-9) else ref[n] for n, s in zip(inv.suppliers, start)]


def sourcing_steps(sc: Scenario, inv: Inventory) -> list[tuple[float, tuple[float, ...]]]:
    """[(from hours, shares in the order of `inv.suppliers`)]: the split in force from
    time 0 (the written shares, unless the landed costs at the start differ from the
    reference), then a new split (`Sourcing`) after each tariff step that changes it."""
    names = list(inv.suppliers)
    written = tuple(inv.suppliers[n] for n in names)
    src, c = inv.sourcing, sc.costs
    if src is None or c is None:
        return [(0.0, written)]
    caps = [src.max_share.get(n, 1.0) for n in names]
    ref = reference_costs(sc, inv)

    def split(landed: list[float]) -> tuple[float, ...]:
        if landed == ref:
            return written
        # s x (now/reference)^-e in logs, scaled by the largest: no overflow, whatever the elasticity
        logs = [math.log(s) - src.elasticity * math.log(now / then) if s > 0 else -math.inf
                for s, now, then in zip(written, landed, ref)]
        top = max(logs)
        raw = [math.exp(x - top) for x in logs]
        total = sum(raw)
        return tuple(_capped([r / total for r in raw], caps))

    steps: list[tuple[float, tuple[float, ...]]] = [(0.0, split(landed_costs(sc, inv, 0.0)))]
    for t in sorted({t for n in names for t, _ in c.tariff_steps(n, sc.suppliers[n].region) if t > 0}):
        shares = split(landed_costs(sc, inv, t))
        if shares != steps[-1][1]:
            steps.append((t + src.lag, shares))
    return steps


def _capped(shares: list[float], caps: list[float]) -> list[float]:
    """Shares summing to 1 with none above its cap: a capped supplier's excess goes to
    the others in proportion to their shares (or, if they have none, to their room)."""
    s, fixed, n = list(shares), [False] * len(shares), len(shares)
    while True:
        over = [i for i in range(n) if not fixed[i] and s[i] > caps[i] + 1e-12]
        if not over:
            return s
        for i in over:
            s[i], fixed[i] = caps[i], True
        free = [i for i in range(n) if not fixed[i]]
        rest = 1.0 - sum(s[i] for i in range(n) if fixed[i])
        weight = sum(s[i] for i in free)
        room = sum(caps[i] - s[i] for i in free)
        for i in free:
            s[i] = s[i] * rest / weight if weight > 0 else s[i] + rest * (caps[i] - s[i]) / room


def sourcing_problems(sc: Scenario) -> list[tuple[KeyPath, str]]:
    """A cost-aware split needs a price for each of its suppliers, a reference landed
    cost for each or for none, and caps no lower than the written shares (so that
    together they can always take every order)."""
    out: list[tuple[KeyPath, str]] = []
    for site_name, site in sc.sites.items():
        for item, inv in site.inventories.items():
            src = inv.sourcing
            if src is None:
                continue
            path = ("sites", site_name, "inventories", item, "sourcing")
            prices = sc.costs.prices if sc.costs is not None else {}
            missing = [n for n in inv.suppliers if prices.get(n, 0.0) <= 0]
            if missing:
                out.append((path, f"expected a price above $0 in costs.prices for each supplier of a cost-aware "
                                  f"split, got none (or $0) for {', '.join(map(repr, missing))}"))
            if src.reference:
                unknown = [n for n in src.reference if n not in inv.suppliers]
                for name in unknown:
                    out.append((path + ("reference", name), f"expected one of this inventory's suppliers "
                                                            f"({', '.join(inv.suppliers)}), got {name!r}"))
                absent = [n for n in inv.suppliers if n not in src.reference]
                if absent and not unknown:
                    out.append((path + ("reference",), f"expected a reference landed cost for each supplier of the "
                                                       f"split, got none for {', '.join(map(repr, absent))}"))
                for name, cost in src.reference.items():
                    if cost <= 0:
                        out.append((path + ("reference", name), f"expected a landed cost above $0, got ${cost:g}"))
            for name, cap in src.max_share.items():
                if name not in inv.suppliers:
                    out.append((path + ("max_share", name), f"expected one of this inventory's suppliers "
                                                            f"({', '.join(inv.suppliers)}), got {name!r}"))
                elif cap < inv.suppliers[name]:
                    out.append((path + ("max_share", name), f"expected a max_share at least the written share "
                                                            f"{inv.suppliers[name]:g}, got {cap:g}"))
    return out


def cost_problems(sc: Scenario, notes: Mapping[KeyPath, str] | None = None,
                  streams: Mapping[str, Demand] | None = None) -> list[tuple[KeyPath, str]]:
    """Cost keys that name nothing declared (pools, tariff regions or suppliers, products),
    cost-aware splits that cannot be priced, and products with demand but no revenue.
    `streams`: the demand as it will run (an ended generation's orders moved to the next;
    `resolve.moved_demand`), so a product that only inherits orders needs its price too.
    `notes` (path -> note, when the file's notes are at hand) lets a `none` revenue be
    checked for its note."""
    out = sourcing_problems(sc)
    if sc.costs is None:
        return out
    streams = dict(sc.demand) if streams is None else streams
    out += revenue_problems(sc, notes, streams)
    pools = {f"{s}.{p}" for s, site in sc.sites.items() for p in site.workforce}
    for key in sc.costs.labour:
        if key not in pools:
            out.append((("costs", "labour", key), f"expected a declared workforce pool as site.pool "
                                                  f"({', '.join(sorted(pools)) or 'none declared'}), got {key!r}"))
    for key in sc.costs.tariffs:
        if key not in REGIONS and key not in sc.suppliers:
            out.append((("costs", "tariffs", key), f"expected a region ({', '.join(REGIONS)}) or a declared "
                                                   f"supplier, got {key!r}"))
    products = {d.item for d in streams.values()}
    for key in sc.costs.revenue:
        if key not in products:
            out.append((("costs", "revenue", key), f"expected a product some demand asks for "
                                                   f"({', '.join(sorted(products)) or 'none'}), got {key!r}"))
    return out


def revenue_problems(sc: Scenario, notes: Mapping[KeyPath, str] | None,
                     streams: Mapping[str, Demand]) -> list[tuple[KeyPath, str]]:
    """With `costs:`, a product some demand asks for earns its price or is declared to
    earn nothing, with a note that says why: a forgotten price would count every unit
    shipped at $0 and NPV would fall without a word. Located at the demand that asks
    for it (the line the planner wrote), naming the key to add."""
    assert sc.costs is not None
    out: list[tuple[KeyPath, str]] = []
    seen: set[str] = set()
    for stream, d in streams.items():
        item, rev = d.item, sc.costs.revenue.get(d.item)
        if item in seen:
            continue
        seen.add(item)
        name = stream if stream in sc.demand else stream.split("_to_", 1)[0]   # a moved stream: where it came from
        if rev is None:
            out.append((("demand", name, "item"),
                        f"expected a price in costs.revenue for product {item!r} (without one each unit shipped "
                        f"earns $0 and NPV counts its costs only): add costs.revenue.{item}.price, or "
                        f"`costs.revenue.{item}: {{value: none, note: \"why it earns nothing\"}}`, got no price"))
        elif not isinstance(rev, Revenue) and notes is not None and not notes.get(("costs", "revenue", item)):
            out.append((("costs", "revenue", item),
                        f"expected a note saying why product {item!r} earns nothing (demand {name} asks for it): "
                        f"write `{item}: {{value: none, note: \"...\"}}`, got 'none' without a note"))
    return out


def fixed_splits_touched(sc: Scenario, paths: list[str]) -> list[str]:
    """Overridden tariffs or prices (`--set`, `--variant` paths) that change the landed
    cost of a supplier whose inventory keeps its written shares (two or more suppliers,
    no `sourcing:`): the what-if moves cost, never orders, and says so."""
    from rackline.scenario.paths import split_path
    out = []
    for path in paths:
        key = split_path(path)
        if len(key) < 3 or key[:2] not in (("costs", "tariffs"), ("costs", "prices")):
            continue
        hit = {n for n, sp in sc.suppliers.items() if key[2] in (n, sp.region)}
        for site_name, site in sc.sites.items():
            for item, inv in site.inventories.items():
                names = sorted(hit & set(inv.suppliers))
                if names and len(inv.suppliers) > 1 and inv.sourcing is None:
                    out.append(f"{path} changes the landed cost of {', '.join(names)}, but "
                               f"sites.{site_name}.inventories.{item} keeps its written shares (no 'sourcing:'; "
                               "add one to let orders follow landed cost): cost moves, orders do not")
    return out
