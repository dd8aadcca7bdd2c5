"""The pieces of a run's answer (`analysis.answer.Answer`), as typed data: estimates with
their intervals, a product's periods and weekly band, the constraint chain and the
resources on a product's route, station shares with their denominators, and the
question, disruption, sourcing and money parts."""
from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict

Verdict = Literal["short", "may be short", "meets", "capacity mode", "no demand"]
LinkKind = Literal["station", "supply", "lane", "crew", "demand", "hall", "allocation"]


class Model(BaseModel):
    # NaN (an interval that cannot be computed) and inf (unlimited) survive answer.json and read back
    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_inf_nan="constants")


class Estimate(Model):
    """A mean over replications with its 95% interval (inside the quantity's range), or the
    note that says why the interval means nothing ("run more replications")."""

    mean: float
    low: float = math.nan
    high: float = math.nan
    unit: str = ""
    n: int = 0
    note: str = ""

    @property
    def has_interval(self) -> bool:
        """Whether the interval is there and worth reading as evidence."""
        return not self.note and math.isfinite(self.low) and math.isfinite(self.high)


class Period(Model):
    """One stretch of a product's window with one scheduled demand rate, and what was made."""

    start_week: float
    end_week: float
    scheduled: float               # units/week the schedule asks (expected, under an option)
    output: Estimate               # units/week made over the same weeks


class WeeklyBand(Model):
    """What the answer plot draws for a product: weekly output (mean and 95% band across
    replications) and weekly orders, over the product's own window."""

    weeks: list[float]
    made: list[float]
    made_low: list[float]
    made_high: list[float]
    ordered: list[float] = []
    backlog: list[float] = []


class Link(Model):
    """One step of a constraint chain: a resource and what it does to output, in words."""

    kind: LinkKind
    name: str          # station key, lane, `site.pool`, `site/item` (a supply), `site.hall`, a supplier
                       # (its allocation), or the product (demand)
    text: str

    @property
    def label(self) -> str:
        """The resource in a few words: `optics supply at texas`, `lane x`, `wisconsin.integrate`."""
        if self.kind == "supply":
            site, item = self.name.split("/", 1)
            return f"{item} supply at {site}"
        if self.kind == "demand":
            return f"demand for {self.name}"
        if self.kind == "hall":
            site, hall = self.name.split(".", 1)
            return f"{site} test hall {hall}"
        if self.kind == "allocation":
            return f"{self.name} allocation"
        return f"lane {self.name}" if self.kind == "lane" else self.name


class Chain(Model):
    """What binds first, then each resource it holds back, ending where the product is made."""

    links: list[Link]

    @property
    def binding(self) -> Link:
        return self.links[0]

    def __str__(self) -> str:
        return " -> ".join(link.text for link in self.links)


class Resource(Model):
    """A finite resource on a product's route, at the simulated mix of products: the rate of
    this product it allows (rough cut) and whom it is shared with."""

    kind: str                      # station, crew, supplier, lane, hall_power, hall_cooling, allocation
    resource: str
    capacity: float                # units/week of this product at the simulated mix
    utilisation: float             # load at the simulated mix over capacity
    shared_with: list[str] = []    # other products whose routes use it


class StationShare(Model):
    """A station's time over its own window, each share with both denominators."""

    station: str
    site: str
    rank: int                      # place in the active-period bottleneck ranking (1 = the bottleneck)
    servers: int
    window_start_week: float
    busy_open: float               # busy + setup, share of open time
    busy_all: float                # busy + setup, share of all hours
    open_share: float              # open (on shift) share of all hours
    starved_open: float
    blocked_open: float
    down_open: float
    waiting_crew_open: float
    waiting_power_open: float = 0.0    # waiting for test-hall power (stations testing in a hall)
    bottleneck_sole: float
    bottleneck_shifting: float
    throughput_per_week: float
    starved_on: str = ""
    starved_on_source: str = ""
    final: bool = False            # makes an item some demand asks for


class ProductAnswer(Model):
    """Demand against output for one product over its own window, what binds it, what next."""

    product: str
    unit: str                      # what one unit is (rack)
    sites: list[str]               # where it ships
    window_start_week: float
    window_end_week: float         # the horizon, or its generation's end
    ended: bool = False            # its generation ends before the horizon (window_end_week)
    output: Estimate               # units/week made over the window
    ordered: Estimate | None       # units/week ordered over the window (None in capacity mode)
    demand_text: str               # 'demand', or how an option to buy shapes it
    periods: list[Period]
    verdict: Verdict
    exceeds_from_week: float | None   # first period whose schedule asks more than was made
    backlog_from_week: float | None   # week from which the mean backlog keeps growing
    short_at_end: float            # mean backlog at the horizon, units
    stock_at_end: float            # mean finished stock at the horizon, units
    spare: float | None            # units/week demand could rise above its peak before the first resource binds
                                   # (rough cut; only when demand binds)
    piles_up: dict[str, float] = {}   # site -> units/week finished stock grows
    constraint: Chain | None
    next: Resource | None          # what binds after the constraint (or first, if demand rose)
    route: list[Resource] = []     # the finite resources on its route at the simulated mix, tightest first
    fill_rates: dict[str, Estimate] = {}     # per demand stream
    disruption_loss: Estimate | None = None
    weekly: WeeklyBand

    @property
    def gap(self) -> float:
        """Units/week the peak scheduled demand exceeds output (negative: to spare)."""
        peak = max((p.scheduled for p in self.periods), default=0.0)
        return peak - self.output.mean

    @property
    def demand_binds(self) -> bool:
        return self.verdict == "meets"

    @property
    def runs_out_week(self) -> float | None:
        """When demand above output would use up the finished stock left at the end (a
        projection), if it exceeds output and no backlog grows yet."""
        if self.exceeds_from_week is None or self.backlog_from_week is not None or self.gap <= 0:
            return None
        return self.window_end_week + self.stock_at_end / self.gap


class SiteAnswer(Model):
    """A site: what it ships, its stations ranked as bottlenecks, and what piles up there."""

    site: str
    ships: list[str]
    stations: list[StationShare]
    piles: dict[str, float] = {}   # item -> units/week its stock grows


class KpiValue(Model):
    kpi: str
    subject: str
    value: Estimate


class QuestionAnswer(Model):
    text: str
    values: list[KpiValue]
    missing: list[str] = []        # specs the run did not measure


class DisruptionWait(Model):
    station: str
    item: str
    share: float                   # of the station's open server-hours in the window
    otherwise: float


class DisruptionAnswer(Model):
    """Who waits while a timed disruption holds (its window: the outage and as long again)."""

    name: str
    target: str
    start_week: float
    end_week: float
    window_start_week: float
    window_end_week: float
    waits: list[DisruptionWait]


class SourcingMove(Model):
    """A cost-aware split moving its shares of new orders: from week 0 when the landed
    costs at the start differ from the reference, later after a tariff step (and the lag)."""

    site: str
    item: str
    week: float
    shares: dict[str, tuple[float, float]]   # supplier -> (before, after)
    landed: dict[str, tuple[float, float]] = {}   # supplier away from its reference -> (reference, landed cost)
    currency: str = "USD"


class MoneyAnswer(Model):
    currency: str
    cost_per_rack: Estimate
    largest: list[KpiValue]        # the three largest categories
    npv: Estimate | None = None
    npv_p10: float | None = None
    # product -> units made and not sold by the end (option demand, or more than a week of its output),
    # and what the NPV counts each at (its salvage): why more output can lower NPV
    unsold: dict[str, float] = {}
    salvage: dict[str, float] = {}
