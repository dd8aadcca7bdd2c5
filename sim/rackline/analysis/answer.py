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

import pandas as pd

from rackline.analysis.answer_parts import (
    Chain,
    DisruptionAnswer,
    DisruptionWait,
    Estimate,
    KpiValue,
    Link,
    LinkKind,
    Model,
    MoneyAnswer,
    Period,
    ProductAnswer,
    QuestionAnswer,
    Resource,
    SiteAnswer,
    SourcingMove,
    StationShare,
    Verdict,
    WeeklyBand,
)
from rackline.analysis.answer_text import (
    bottleneck_sentence,
    constraint_lines,
    disruption_lines,
    gap_line,
    money_lines,
    product_lines,
    question_lines,
    shared_lines,
    sourcing_lines,
)

__all__ = [   # the parts too, for `from rackline.analysis.answer import Estimate`
    "Answer", "Chain", "DisruptionAnswer", "DisruptionWait", "Estimate", "KpiValue", "Link", "LinkKind",
    "Model", "MoneyAnswer", "Period", "ProductAnswer", "QuestionAnswer", "Resource", "SiteAnswer",
    "SourcingMove", "StationShare", "Verdict", "WeeklyBand",
]


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
        for p in self.products:
            if p.product == name:
                return p
        raise KeyError(f"no product {name!r} in this answer (products: {', '.join(p.product for p in self.products)})")

    def site(self, name: str) -> SiteAnswer:
        for s in self.sites:
            if s.site == name:
                return s
        raise KeyError(f"no site {name!r} in this answer (sites: {', '.join(s.site for s in self.sites)})")

    def lines(self) -> list[str]:
        """The text `rackline run` prints first, in the order a planner asks."""
        lines = question_lines(self.question, self.products, self.warmup_weeks)
        several = len(self.products) > 1
        for p in self.products:
            lines.append(gap_line(p, self.warmup_weeks))
            lines += constraint_lines(p, several)
        lines += shared_lines(self.products)
        if not self.products:
            lines.append(f"Constraint: {'none (no stations)' if self.top_station is None else 'no product is ordered'}")
        lines += product_lines(self.products, self.question, self.warmup_weeks)
        lines += disruption_lines(self.disruptions)
        lines += sourcing_lines(self.sourcing)
        if self.products and all(p.verdict == "no demand" for p in self.products):
            lines.append("Bottleneck: none (no demand in the horizon: stations wait for orders, not for each other)")
        else:
            lines.append(bottleneck_sentence(self.top_station, self.sites))
        lines += self.warnings
        lines += money_lines(self.money)
        return lines

    def disruption_lines(self) -> list[str]:
        """Who waited in each timed disruption's window, as `lines()` words it (compare prints them)."""
        lines: list[str] = disruption_lines(self.disruptions)
        return lines

    def sourcing_lines(self) -> list[str]:
        """How each cost-aware split moves, as `lines()` words it (compare prints them per scenario)."""
        lines: list[str] = sourcing_lines(self.sourcing)
        return lines

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def to_frame(self) -> pd.DataFrame:
        """The answer's numbers as a tidy table: section, subject, quantity, mean, low, high, unit, note."""
        rows: list[tuple[str, str, str, float, float, float, str, str]] = []

        def est(section: str, subject: str, quantity: str, e: Estimate | None) -> None:
            if e is not None:
                rows.append((section, subject, quantity, e.mean, e.low, e.high, e.unit, e.note))

        def num(section: str, subject: str, quantity: str, v: float | None, unit: str = "", note: str = "") -> None:
            if v is not None:
                rows.append((section, subject, quantity, v, math.nan, math.nan, unit, note))

        if self.question is not None:
            for kv in self.question.values:
                est("question", kv.subject, kv.kpi, kv.value)
        for p in self.products:
            per_week = f"{p.unit}s/week of {p.product}"
            est("product", p.product, "output", p.output)
            est("product", p.product, "ordered", p.ordered)
            num("product", p.product, "window_start_week", p.window_start_week, "week", p.verdict)
            num("product", p.product, "exceeds_from_week", p.exceeds_from_week, "week")
            num("product", p.product, "backlog_from_week", p.backlog_from_week, "week")
            num("product", p.product, "short_at_end", p.short_at_end, p.unit)
            num("product", p.product, "stock_at_end", p.stock_at_end, p.unit)
            num("product", p.product, "spare", p.spare, per_week)
            for x in p.periods:
                est("period", p.product, f"output weeks {x.start_week:g}-{x.end_week:g}", x.output)
                num("period", p.product, f"scheduled weeks {x.start_week:g}-{x.end_week:g}", x.scheduled, per_week)
            if p.constraint is not None:
                num("constraint", p.product, p.constraint.binding.kind, math.nan, "", str(p.constraint))
            for r in p.route:
                num("route", p.product, r.resource, r.capacity, per_week,
                    f"{r.kind}, utilisation {r.utilisation:.0%}" + (f", shared with {', '.join(r.shared_with)}"
                                                                   if r.shared_with else ""))
            if p.next is not None:
                num("next", p.product, p.next.resource, p.next.capacity, per_week, p.next.kind)
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
