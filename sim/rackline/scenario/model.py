"""The scenario format: one pydantic model per thing a planner declares.

Read top-down it is the reference of every key (the README's key reference is
generated from these classes and their `Field` descriptions). Cross-object rules that
need the whole scenario (every consumed item has a source, split shares sum to 1)
live in `rackline.scenario.checks`; the `costs:` section is in `rackline.scenario.costs`,
stations and their recipes in `rackline.scenario.stations`.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, Field, WithJsonSchema, model_validator

from rackline.scenario.base import REGIONS, Spec
from rackline.scenario.costs import Costs, Sourcing
from rackline.scenario.distributions import CountDist, DurationDist
from rackline.scenario.floor import Allocation, TestHall
from rackline.scenario.rules import Rule
from rackline.scenario.stations import Station
from rackline.scenario.values import (
    NAME_PATTERN,
    CalendarRef,
    Capacity,
    Count,
    CountOrCover,
    Cover,
    Duration,
    Fraction,
    ItemRef,
    LaneRef,
    Money,
    Name,
    PositiveCount,
    PositiveCountOrCover,
    PositiveDuration,
    PositiveNumber,
    PositiveRate,
    Rate,
    SiteRef,
    StationRef,
    SupplierRef,
    expected,
)

if TYPE_CHECKING:
    from typing_extensions import Self  # pydantic's validators return the model

MAX_EVENTS = 100_000_000    # about 10 minutes a replication at the engine's speed

FAMILIES = ("rack", "compute", "cabling", "power", "networking", "cooling", "metalwork", "optics", "other")


class Item(Spec):
    """Something counted: a purchased part, a made component, or a rack product."""

    family: Literal[FAMILIES] = Field("other", description="component family, for reports by family")
    unit: str = Field("unit", description="what one unit is (rack, tray, cable set...)")
    description: str = ""


class RunSettings(Spec):
    horizon: PositiveDuration = Field("52 w", description="simulated time per replication")
    warmup: Duration | Literal["auto"] = Field("0 h", description="time cut before KPIs; 'auto' = MSER-5")
    replications: PositiveCount = Field(1, description="independent replications")
    seed: Count = Field(1, description="root seed; same seed => same numbers")
    disruption_loss: bool = Field(True, description="with disruptions: run each replication again without them "
                                                    "(same random numbers) and report the units they cost")
    max_events: PositiveNumber = Field(MAX_EVENTS, description="budget of simulation events a replication: a run "
                                                               "estimated far beyond it is refused before it starts")

    def resolve(self, reps: int | None = None, seed: int | None = None) -> tuple[int, int]:
        """The replications and seed a run uses: those asked for (command line, API), else these."""
        return (reps or self.replications), (self.seed if seed is None else seed)


class Shift(Spec):
    start: Duration = Field(description="start of the window after midnight, e.g. '6 h'")
    end: Duration = Field(description="end of the window after midnight, e.g. '14 h' (may pass midnight: '30 h')")


class Holiday(Spec):
    start: Duration = Field(description="time from the start of the run")
    duration: PositiveDuration


class Calendar(Spec):
    """Open hours: a daily shift pattern on some days of each week, minus holidays."""

    hours_per_day: PositiveNumber = Field(24.0, description="open hours a day, from `day_start`")
    day_start: Duration = Field("0 h", description="when the working day begins, e.g. '6 h'")
    days_per_week: PositiveCount = Field(7, description="working days a week, the first N of each week")
    shifts: list[Shift] | None = Field(None, description="explicit daily windows instead of hours_per_day")
    holidays: list[Holiday] = Field(default_factory=list)

    @model_validator(mode="after")
    def _valid(self) -> Self:
        if self.hours_per_day > 24:
            raise expected("hours_per_day <= 24")
        if self.days_per_week > 7:
            raise expected("days_per_week <= 7")
        for s in self.shifts or []:
            if not s.start < s.end <= s.start + 24:
                raise expected("each shift to end after it starts and within 24 h")
        return self


class Policy(Spec):
    """Replenishment of a purchased item, by inventory position (on hand + on order - backorders).
    Levels are units or cover: `3 w` = three weeks of the item's expected usage from demand."""

    type: Literal["sS", "RQ", "base_stock", "periodic"]
    s: CountOrCover | None = Field(None, description="sS: reorder when position <= s")
    S: CountOrCover | None = Field(None, description="sS, base_stock, periodic: order up to S")
    R: CountOrCover | None = Field(None, description="RQ: reorder point")
    Q: PositiveCountOrCover | None = Field(None, description="RQ: order quantity")
    review: PositiveDuration | None = Field(None, description="periodic: time between reviews")

    @model_validator(mode="after")
    def _params(self) -> Self:
        need = {"sS": ("s", "S"), "RQ": ("R", "Q"), "base_stock": ("S",), "periodic": ("S", "review")}[self.type]
        missing = [k for k in need if getattr(self, k) is None]
        if missing:
            raise expected(f"{', '.join(missing)} for a {self.type} policy")
        if self.type == "sS" and type(self.s) is type(self.S) and _level(self.s) >= _level(self.S):
            raise expected("s < S")
        return self


def _level(v: int | Cover) -> float:
    return v.hours if isinstance(v, Cover) else v


class Inventory(Spec):
    """Stock of one item at one site: a finite capacity blocks the stations feeding it."""

    initial: Count = 0
    capacity: Capacity = Field("inf", description="max on hand; 'inf' for no limit")
    policy: Policy | None = Field(None, description="replenishment from suppliers (purchased items)")
    suppliers: dict[SupplierRef, Fraction] = Field(default_factory=dict, description="supplier: share of units")
    sourcing: Sourcing | None = Field(None, description="let the shares follow landed cost (needs `costs.prices`)")

    @model_validator(mode="after")
    def _split(self) -> Self:
        if self.suppliers and abs(sum(self.suppliers.values()) - 1) > 1e-6:
            raise expected(f"supplier shares summing to 1 (they sum to {sum(self.suppliers.values()):.4g}; "
                           "change another supplier's share with the one you change)")
        if self.policy is not None and not self.suppliers:
            raise expected("'suppliers' for an inventory with a replenishment policy")
        if self.suppliers and self.policy is None:
            raise expected("a replenishment 'policy' for an inventory with suppliers")
        if self.sourcing is not None and len(self.suppliers) < 2:
            raise expected("two or more 'suppliers' for a cost-aware 'sourcing' split")
        if self.initial > self.capacity:
            raise expected("initial <= capacity")
        return self


class Hire(Spec):
    at: Duration
    add: int = Field(description="people added (negative: leave)")


class Pool(Spec):
    """People at a site who staff stations; new hires count after `training`. They
    work when the stations they staff are open (the stations' calendars)."""

    size: Count = Field(description="people at the start")
    hiring: list[Hire] = Field(default_factory=list)
    training: Duration = Field("0 h", description="delay before a hire can work")


class Site(Spec):
    state: str = Field("", description="U.S. state, for reports")
    calendar: CalendarRef | None = Field(None, description="default calendar for the site's stations")
    stations: dict[Name, Station] = Field(default_factory=dict)
    inventories: dict[ItemRef, Inventory] = Field(default_factory=dict)
    workforce: dict[Name, Pool] = Field(default_factory=dict)
    test_halls: dict[Name, TestHall] = Field(default_factory=dict, description="test floors with a power cap")


class Supplier(Spec):
    """A source of one purchased item; its lead time covers making and shipping."""

    item: ItemRef
    region: Literal[REGIONS]
    lead_time: DurationDist
    capacity: PositiveRate | None = Field(None, description="most units it can make, e.g. '500 per week'")
    reliability: Fraction = Field(1.0, description="share of orders delivered on time")
    late_by: DurationDist = Field("1 w", description="extra delay of a late order")
    allocation: Allocation | None = Field(None, description="units granted per period (GPUs): delivers no more")


class Lane(Spec):
    """Trucks moving one item from one site to another."""

    item: ItemRef
    origin: SiteRef = Field(alias="from")
    to: SiteRef
    transit: DurationDist
    every: PositiveDuration | None = Field(None, description="departure interval; omit to ship on demand")
    load_limit: PositiveCount | None = Field(None, description="units per departure")


class RatePeriod(Spec):
    start: Duration = Field(alias="from", description="from this time on (since the run starts)")
    rate: Rate


class OptionToBuy(Spec):
    """The buyer holds an option, not a commitment: each period of `every` is exercised
    with `probability` (orders in a period not exercised are never placed), or the option
    is decided once `at` a time: exercised with `probability`, it places an order of
    `quantity` units then and the stream's orders follow; otherwise nothing is ordered."""

    probability: Fraction = Field(description="chance the option is exercised (per period, or once)")
    every: PositiveDuration | None = Field(None, description="length of a period decided on its own")
    at: Duration | None = Field(None, description="the one decision time; no orders before it")
    quantity: CountDist = Field(0, description="units ordered at once when exercised `at` the decision")

    @model_validator(mode="after")
    def _one(self) -> Self:
        if (self.every is None) == (self.at is None):
            raise expected("exactly one of 'every' or 'at'")
        return self


class Demand(Spec):
    """Orders for a product at a shipping site; unmet orders wait as backorders."""

    item: ItemRef
    site: SiteRef
    rate: Rate | None = Field(None, description="constant order rate, e.g. '40 per week'")
    schedule: list[RatePeriod] | None = Field(None, description="piecewise-constant rates")
    interarrival: DurationDist | None = Field(None, description="time between orders")
    capacity: bool = Field(False, description="take every unit made: measures the maximum rate")
    arrivals: Literal["poisson", "regular"] = Field("poisson", description="how orders are spread at a rate")
    order_size: CountDist = Field(1, description="units per order")
    due: Duration = Field("0 h", description="promised lead time, for on-time share")
    initial_backlog: Count = 0
    option: OptionToBuy | None = Field(None, description="an option to buy rather than firm orders")

    @model_validator(mode="after")
    def _one(self) -> Self:
        if self.option is not None and self.capacity:
            raise expected("no 'option' on a 'capacity: true' demand")
        forms = [self.rate is not None, self.schedule is not None, self.interarrival is not None, self.capacity]
        if sum(forms) != 1:
            raise expected("exactly one of 'rate', 'schedule', 'interarrival' or 'capacity: true'")
        if self.schedule is not None and not self.schedule:
            raise expected("at least one period in 'schedule'")
        return self


class Disruption(Spec):
    """Capacity of a supplier, lane, station or site cut to `capacity` for `duration`."""

    supplier: SupplierRef | None = None
    lane: LaneRef | None = None
    station: StationRef | None = None
    site: SiteRef | None = None
    at: Duration | None = Field(None, description="start time (timed event)")
    every: DurationDist | None = Field(None, description="time between random events")
    duration: DurationDist
    capacity: Fraction = Field(0.0, description="share of capacity left (0 = down)")

    @model_validator(mode="after")
    def _one(self) -> Self:
        if sum(x is not None for x in (self.supplier, self.lane, self.station, self.site)) != 1:
            raise expected("exactly one target: 'supplier', 'lane', 'station' or 'site'")
        if (self.at is None) == (self.every is None):
            raise expected("exactly one of 'at' or 'every'")
        return self

    @property
    def target(self) -> tuple[str, str]:
        for kind in ("supplier", "lane", "station", "site"):
            if getattr(self, kind) is not None:
                return kind, getattr(self, kind)
        raise AssertionError


class Generation(Spec):
    """A rack generation: its items can't be made before `introduced` nor after `ends`;
    at its end, its demand moves to `next`'s product and its stock left is written off."""

    introduced: Duration = "0 h"
    items: list[ItemRef]
    ends: Duration | None = Field(None, description="end of production: no orders or starts of its items after")
    next: Name | None = Field(None, description="the generation its demand moves to at `ends`")
    salvage: dict[ItemRef, Money] = Field(default_factory=dict,
                                          description="item: value of each unit written off at the end (default 0)")


class Loop(Spec):
    """A CONWIP loop: a unit enters `stations[0]` only with a free card; the card
    returns when a unit leaves the last station."""

    stations: list[StationRef] = Field(min_length=1)
    cards: PositiveCount


class Release(Spec):
    policy: Literal["push", "make_to_order", "conwip"] = "push"
    stations: list[StationRef] | None = Field(
        None, description="make_to_order: stations that start only against orders (default: those making ordered items)")
    loops: dict[Name, Loop] = Field(default_factory=dict, description="conwip loops")

    @model_validator(mode="after")
    def _loops(self) -> Self:
        if self.policy == "conwip" and not self.loops:
            raise expected("at least one loop for the conwip policy")
        return self


def _known_kpi(v: str) -> str:
    from rackline.kpi_names import KPI_NAMES  # the one list of KPI names (tests keep it true)
    name = v.partition(":")[0]
    if name not in KPI_NAMES:
        import difflib
        close = difflib.get_close_matches(name, KPI_NAMES, n=1)
        raise expected("a KPI name, `kpi` or `kpi:subject` (" + (f"did you mean {close[0]!r}?" if close
                       else f"one of {', '.join(KPI_NAMES)}") + ")")
    return v


KpiName = Annotated[str, AfterValidator(_known_kpi)]


class Question(Spec):
    """What the scenario asks, and the KPIs that answer it: printed first by run and compare."""

    text: str = Field(description="the question in words, e.g. 'how much does localization raise the domestic share?'")
    kpis: list[KpiName] = Field(default_factory=list,
                                description="KPIs that answer it: `kpi` or `kpi:subject`, e.g. region_share:domestic")


NAME_MAX = 100     # the name becomes folder and file names; keep them well under the usual 255 bytes


def _short(v: str) -> str:
    if len(v) > NAME_MAX:
        raise expected(f"a name of at most {NAME_MAX} characters (it names the results folder)")
    return v


ScenarioName = Annotated[Name, AfterValidator(_short),
                         WithJsonSchema({"type": "string", "pattern": NAME_PATTERN, "maxLength": NAME_MAX})]


class Scenario(Spec):
    """A whole what-if: the network, its inputs and how long to run it."""

    name: ScenarioName
    description: str = ""
    question: Question | None = Field(None, description="the scenario's own question and the KPIs that answer it")
    run: RunSettings = Field(default_factory=RunSettings)
    items: dict[Name, Item | None] = Field(description="every item counted in the model")
    calendars: dict[Name, Calendar] = Field(default_factory=dict)
    sites: dict[Name, Site]
    suppliers: dict[Name, Supplier] = Field(default_factory=dict)
    lanes: dict[Name, Lane] = Field(default_factory=dict)
    demand: dict[Name, Demand] = Field(default_factory=dict)
    disruptions: dict[Name, Disruption] = Field(default_factory=dict)
    generations: dict[Name, Generation] = Field(default_factory=dict)
    rules: dict[Name, Rule] = Field(default_factory=dict, description="adaptive rules: when a condition holds, "
                                                                        "change the plan after a delay")
    release: Release = Field(default_factory=Release)
    costs: Costs | None = Field(None, description="prices and costs; without them no cost KPIs")

    @model_validator(mode="after")
    def _fill_items(self) -> Self:
        self.items = {k: v if v is not None else Item() for k, v in self.items.items()}
        return self

    def station_items(self) -> Iterator[tuple[str, str, Station]]:
        """(site, station name, Station) for every station, in file order."""
        for site_name, site in self.sites.items():
            for st_name, st in site.stations.items():
                yield site_name, st_name, st
