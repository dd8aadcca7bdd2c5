"""The answer to a run, as typed data: what the first screen says, per product and per site.

Computed once from the replications (`analysis.answering.answer_of`) and only
formatted afterwards: the printed headline, report.html, answer.png, compare, sweep
and optimize all read it, so the same number is the same everywhere by construction.
`print(res.answer)` shows the command line's text (`analysis.answer_text`);
`res.answer.to_frame()` a tidy table; `Answer.model_validate_json` reads back the
`answer.json` a results folder keeps.

Every value carries its interval or the note that says why it has none (`Estimate`),
and every share says its denominator (of open time, of all hours).
"""
from __future__ import annotations

import math
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict

Verdict = Literal["short", "may be short", "meets", "capacity mode", "no demand"]
LinkKind = Literal["station", "supply", "lane", "crew", "demand"]


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


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
    name: str          # station key, lane, `site.pool`, `site/item` (a supply), or the product (demand)
    text: str

    @property
    def label(self) -> str:
        """The resource in a few words: `optics supply at texas`, `lane x`, `wisconsin.integrate`."""
        if self.kind == "supply":
            site, item = self.name.split("/", 1)
            return f"{item} supply at {site}"
        if self.kind == "demand":
            return f"demand for {self.name}"
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

    kind: str                      # station, crew, supplier, lane
    resource: str
    capacity: float                # units/week of this product at the simulated mix
    utilisation: float             # load at the simulated mix over capacity
    shared_with: list[str] = []    # other products whose routes use it


class StationShare(Model):
    """A station's time over its own window, each share with both denominators."""

    station: str
    site: str
    servers: int
    window_start_week: float
    busy_open: float               # busy + setup, share of open time
    busy_all: float                # busy + setup, share of all hours
    open_share: float              # open (on shift) share of all hours
    starved_open: float
    blocked_open: float
    down_open: float
    waiting_crew_open: float
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
    window_end_week: float
    output: Estimate               # units/week made over the window
    ordered: Estimate | None       # units/week ordered over the window (None in capacity mode)
    demand_text: str               # 'demand', or how an option to buy shapes it
    periods: list[Period]
    verdict: Verdict
    exceeds_from_week: float | None   # first period whose schedule asks more than was made
    backlog_from_week: float | None   # week from which the mean backlog keeps growing
    short_at_end: float            # mean backlog at the horizon, units
    stock_at_end: float            # mean finished stock at the horizon, units
    spare: float | None            # units/week it could rise (rough cut) when demand binds
    piles_up: dict[str, float] = {}   # site -> units/week finished stock grows
    constraint: Chain | None
    next: Resource | None          # what binds after the constraint (or first, if demand rose)
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
        """Demand, not a resource, limits output: it is met, or there is none."""
        return self.verdict in ("meets", "no demand")

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
    """A cost-aware split moving its shares of new orders at a tariff step."""

    site: str
    item: str
    week: float
    shares: dict[str, tuple[float, float]]   # supplier -> (before, after)


class MoneyAnswer(Model):
    currency: str
    cost_per_rack: Estimate
    largest: list[KpiValue]        # the three largest categories
    npv: Estimate | None = None
    npv_p10: float | None = None
    unsold: dict[str, float] = {}  # product -> units left unsold at the end (option demand)


class Answer(Model):
    """Everything the first screen says about a run, computed once."""

    scenario: str
    replications: int
    warmup_weeks: float
    horizon_weeks: float
    question: QuestionAnswer | None
    products: list[ProductAnswer]
    sites: list[SiteAnswer]
    top_station: StationShare | None   # the active-period bottleneck over the whole measured window
    disruptions: list[DisruptionAnswer] = []
    sourcing: list[SourcingMove] = []
    money: MoneyAnswer | None = None
    warnings: list[str] = []

    def product(self, name: str) -> ProductAnswer:
        return next(p for p in self.products if p.product == name)

    def site(self, name: str) -> SiteAnswer:
        return next(s for s in self.sites if s.site == name)

    def lines(self) -> list[str]:
        """The text `rackline run` prints first."""
        from rackline.analysis.answer_text import answer_lines
        lines: list[str] = answer_lines(self)
        return lines

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def to_frame(self) -> pd.DataFrame:
        """The answer's numbers as a tidy table: section, subject, quantity, mean, low, high, unit, note."""
        rows: list[tuple[str, str, str, float, float, float, str, str]] = []

        def est(section: str, subject: str, quantity: str, e: Estimate | None) -> None:
            if e is not None:
                rows.append((section, subject, quantity, e.mean, e.low, e.high, e.unit, e.note))

        def num(section: str, subject: str, quantity: str, v: float | None, unit: str = "") -> None:
            if v is not None:
                rows.append((section, subject, quantity, v, math.nan, math.nan, unit, ""))

        if self.question is not None:
            for kv in self.question.values:
                est("question", kv.subject, kv.kpi, kv.value)
        for p in self.products:
            est("product", p.product, "output", p.output)
            est("product", p.product, "ordered", p.ordered)
            num("product", p.product, "window_start_week", p.window_start_week, "week")
            num("product", p.product, "exceeds_from_week", p.exceeds_from_week, "week")
            num("product", p.product, "backlog_from_week", p.backlog_from_week, "week")
            num("product", p.product, "short_at_end", p.short_at_end, p.unit)
            num("product", p.product, "spare", p.spare, "units/week")
            if p.next is not None:
                num("product", p.product, f"next:{p.next.resource}", p.next.capacity, "units/week")
            for name, e in p.fill_rates.items():
                est("product", name, "fill_rate", e)
            est("product", p.product, "disruption_loss", p.disruption_loss)
        for s in self.sites:
            for st in s.stations:
                num("site", st.station, "busy_open", st.busy_open, "share of open time")
                num("site", st.station, "busy_all", st.busy_all, "share of all hours")
        if self.money is not None:
            est("money", "total", "cost_per_rack", self.money.cost_per_rack)
            est("money", "all", "npv", self.money.npv)
            num("money", "all", "npv_p10", self.money.npv_p10, self.money.currency)
        return pd.DataFrame(rows, columns=["section", "subject", "quantity", "mean", "low", "high", "unit", "note"])
