"""The answer in words, in the order a planner asks: the scenario's own question and its
KPIs; per product, demand against output over its own window (the gap, when the
backlog starts to grow), what binds it and what binds next; throughput and fill rate;
disruptions; sourcing moves; the bottleneck; warnings; money. Text only, from the
typed `Answer` (`print(res.answer)` is this)."""
from __future__ import annotations

import math
from collections.abc import Sequence

from rackline.analysis.answer_parts import (
    DisruptionAnswer,
    Estimate,
    KpiValue,
    MoneyAnswer,
    ProductAnswer,
    QuestionAnswer,
    SiteAnswer,
    SourcingMove,
    StationShare,
)
from rackline.quantities import currency_of, currency_symbol, is_money_unit, money_text, value_text


def _pct(unit: str) -> bool:
    return str(unit).startswith("share")


def _num(v: float, pct: bool) -> str:
    return f"{v:.0%}" if pct else f"{v:.3g}"


def interval(e: Estimate, unit: str = "") -> str:
    """`mean unit (95% CI low–high)`, or the mean and the note that says why there is no
    interval worth printing ("run more replications")."""
    pct, money = _pct(e.unit), is_money_unit(e.unit)

    def fmt(v: float) -> str:
        return value_text(v, e.unit) if money else _num(v, pct)    # money: $3.22M, not 3.22e+06

    if money and unit.startswith(currency_of(e.unit)):     # the amount names its currency: '$3.22M/rack'
        unit = unit[len(currency_of(e.unit)):].strip()
    text = fmt(e.mean) + ("" if not unit else unit if unit.startswith("/") else f" {unit}")
    if e.note:
        return f"{text} ({e.note})"
    if math.isfinite(e.low) and math.isfinite(e.high) and e.high > e.low:
        return f"{text} (95% CI {fmt(e.low)}–{fmt(e.high)})"
    return text


def kpi_line(kv: KpiValue) -> str:
    label = {"npv": "NPV"}.get(kv.kpi, kv.kpi.replace("_", " ").capitalize())
    return f"{label} {kv.subject}: {interval(kv.value, '' if _pct(kv.value.unit) else kv.value.unit)}"


def question_lines(q: QuestionAnswer | None, products: Sequence[ProductAnswer] = (),
                   warmup_weeks: float = 0.0) -> list[str]:
    """The question and its KPIs; a product's throughput says the weeks it is measured over."""
    if q is None:
        return []
    own = {p.product: _weeks(p, warmup_weeks) for p in products}
    lines = [f"Question: {q.text}"] + [f"  {kpi_line(kv)}{own.get(kv.subject, '') if kv.kpi == 'throughput' else ''}"
                                       for kv in q.values]
    return lines + [f"  {spec}: not measured in this run" for spec in q.missing]


def _weeks(p: ProductAnswer, warmup_weeks: float) -> str:
    """`over weeks 20–52` when the product's window is not the whole measured run (it starts
    late, or its generation ends); nothing when it is under a week (it starts at or after
    the horizon)."""
    if (p.window_start_week > warmup_weeks + 1e-6 or p.ended) and p.window_end_week - p.window_start_week >= 1.0:
        return f" over weeks {p.window_start_week:.3g}–{p.window_end_week:.3g}"
    return ""


def gap_line(p: ProductAnswer, warmup_weeks: float) -> str:
    """Demand against output for one product over its own window."""
    units = f"{p.unit}s"
    what = p.demand_text
    peak = max((x.scheduled for x in p.periods), default=0.0)
    over = _weeks(p, warmup_weeks)
    if p.verdict == "capacity mode":
        return f"Capacity mode: {p.product} output {p.output.mean:.3g}/week{over} (everything made is taken)"
    if p.window_end_week - p.window_start_week < 1.0:
        return (f"{p.product} starts at week {p.window_start_week:.3g}, at or after the end of the measured run "
                f"(week {p.window_end_week:.3g}): nothing to measure")
    if p.verdict == "no demand":
        return f"No demand for {p.product} in the horizon; output {p.output.mean:.3g}/week{over}"
    # every stretch from the first short one on where the schedule asks more than was made,
    # each with the output of the same weeks (what the answer plot draws there)
    short = [x for x in p.periods if p.exceeds_from_week is not None and x.start_week >= p.exceeds_from_week - 1e-9
             and x.scheduled > x.output.mean + 1e-9]
    if p.verdict in ("short", "may be short") and short:
        verb = "exceeds" if p.verdict == "short" else "may exceed"
        text = f"Demand {verb} output: {p.product} {what} reaches " + "; ".join(
            f"{x.scheduled:.3g}/week from week {x.start_week:g}, output {x.output.mean:.3g}/week in weeks "
            f"{x.start_week:g}–{x.end_week:g}: short by {x.scheduled - x.output.mean:.3g} {units}/week"
            for x in short)
        if p.verdict == "may be short":
            text += f" (output's interval reaches {short[0].output.high:.3g}/week: run more replications)"
    elif p.verdict == "short":
        text = (f"Demand exceeds output: {p.product} output {p.output.mean:.3g}/week{over} against "
                f"{p.ordered.mean if p.ordered else 0:.3g}/week ordered")
    else:
        text = f"Output meets demand: {p.product} output {p.output.mean:.3g}/week{over}, {what} at most {peak:.3g}/week"
        ahead = p.output.mean - (p.ordered.mean if p.ordered is not None else peak)
        if ahead > 0.05 * max(peak, 1.0) and p.stock_at_end > 0:
            text += f" (output runs {ahead:.3g} {units}/week ahead of orders: it builds to stock)"
    if p.backlog_from_week is not None:
        text += (f"; backlog grows from week {p.backlog_from_week:g}; {p.short_at_end:.3g} {units} short "
                 f"by week {p.window_end_week:g}")
    elif p.runs_out_week is not None:
        text += (f"; no backlog yet: the {p.stock_at_end:.3g} finished {units} left at week {p.window_end_week:g} "
                 f"run out around week {p.runs_out_week:.0f} at this gap")
    else:
        text += "; no growing backlog"
    return text


def constraint_lines(p: ProductAnswer, several: bool) -> list[str]:
    tag = f" ({p.product})" if several else ""
    if p.constraint is None:
        if p.verdict != "no demand":
            return [f"Constraint{tag}: none (no stations)"]
        first = "" if p.next is None else (f"; first to bind if demand came: {p.next.kind} {p.next.resource} at "
                                           f"{p.next.capacity:.3g} {p.unit}s/week of {p.product}")
        return [f"Constraint{tag}: none (no demand for {p.product} in the horizon){first}"]
    lines = [f"Constraint{tag}: {p.constraint}"]
    nxt = p.next
    if nxt is not None and not p.demand_binds:
        shared = f", shared with {', '.join(nxt.shared_with)} at the simulated mix" if nxt.shared_with else ""
        text = (f"Next constraint{tag}: {nxt.kind} {nxt.resource} binds at {nxt.capacity:.3g} {p.unit}s/week of "
                f"{p.product} (rough-cut capacity{shared})")
        if nxt.capacity > p.output.mean:
            text += (f"; relieving {p.constraint.binding.label} lets {p.product} rise by at most "
                     f"{nxt.capacity - p.output.mean:.3g}/week (from {p.output.mean:.3g})")
        lines.append(text)
    return lines


def shared_lines(products: Sequence[ProductAnswer]) -> list[str]:
    """A station that holds one product back while it builds another ahead of its orders:
    the planner's cheapest lever is which product the shared time goes to."""
    out = []
    for p in products:
        if p.verdict != "short" or p.constraint is None or p.constraint.binding.kind != "station":
            continue
        station = p.constraint.binding.name
        for q in products:
            if q is p or q.verdict != "meets" or q.ordered is None or q.stock_at_end <= 0 \
                    or not any(r.resource == station for r in q.route):
                continue
            ahead = q.output.mean - q.ordered.mean
            if ahead > 0.05 * max(q.ordered.mean, 1.0):
                out.append(f"Shared: {station} builds {q.product} {ahead:.3g} {q.unit}s/week ahead of its orders "
                           f"while {p.product} is short: holding {q.product} to its orders (a release rule or "
                           f"priority) frees that time for {p.product}")
    return out


def busy_text(s: StationShare) -> str:
    """A station's busy share with both denominators named."""
    if s.open_share >= 1 - 1e-9:
        return f"busy {s.busy_open:.0%} of all hours"
    return f"busy {s.busy_open:.0%} of open time, {s.busy_all:.0%} of all hours"


def bottleneck_sentence(top: StationShare | None, sites: list[SiteAnswer]) -> str:
    if top is None:
        return "Bottleneck: none (no stations)"
    if top.bottleneck_sole + top.bottleneck_shifting < 0.05:     # no station holds the others back
        text = (f"Bottleneck: no station is ranked as one (active-period method: the top-ranked, {top.station}, "
                f"is the sole or shifting bottleneck {top.bottleneck_sole + top.bottleneck_shifting:.0%} of the "
                f"time; {busy_text(top)})")
    else:
        text = (f"Bottleneck: {top.station} (active-period ranking: sole {top.bottleneck_sole:.0%}, "
                f"shifting {top.bottleneck_shifting:.0%} of the time; {busy_text(top)})")
    waits = {"power": top.waiting_power_open, "crew": top.waiting_crew_open, "inputs": top.starved_open}
    most = max(waits, key=lambda k: waits[k])
    if waits[most] * top.open_share > 0.05:      # the largest of its waits, as the constraint chain would say
        if most == "power":
            text += f"; it waits mostly for test-hall power ({top.waiting_power_open:.0%} of open time)"
        elif most == "crew":
            text += f"; it waits mostly for its crew ({top.waiting_crew_open:.0%} of open time)"
        elif top.starved_on:
            text += f"; it waits mostly on {top.starved_on}" + (f" from {top.starved_on_source}"
                                                                if top.starved_on_source else "")
    stations = [s for site in sites for s in site.stations]
    # a final station starved by its own line is just spare capacity; say it only when it
    # waits on something from outside the site (a supplier or a lane)
    finals = [s for s in stations if s.final and s.station != top.station and s.starved_open * s.open_share > 0.05
              and ("supplier" in s.starved_on_source or "lane" in s.starved_on_source)]
    if finals:
        worst = max(finals, key=lambda s: s.starved_open * s.open_share)
        text += (f"; final station {worst.station} is starved {worst.starved_open * worst.open_share:.0%} of the "
                 f"time, mostly on {worst.starved_on}" + (f" from {worst.starved_on_source}"
                                                          if worst.starved_on_source else ""))
    crew = [s for s in stations if s.waiting_crew_open * s.open_share > 0.05]
    if crew:
        text += f"; {len(crew)} station(s) wait for crew over 5% of the time"
    return text


def product_lines(products: list[ProductAnswer], question: QuestionAnswer | None, warmup_weeks: float) -> list[str]:
    asked = {f"{kv.kpi}:{kv.subject}" for kv in question.values} if question is not None else set()
    lines: list[str] = []
    for p in products:
        if f"throughput:{p.product}" not in asked:
            lines.append(f"Throughput {p.product}: {interval(p.output, 'units/week')}{_weeks(p, warmup_weeks)}")
        for name, e in p.fill_rates.items():
            if f"fill_rate:{name}" not in asked:
                lines.append(f"Fill rate {name}: {interval(e, 'of orders from stock')}")
        if p.disruption_loss is not None and f"disruption_loss:{p.product}" not in asked:
            lines.append(f"Lost to disruptions {p.product}: {interval(p.disruption_loss, 'units')} "
                         "(against the same replications without them)")
    return lines


def disruption_lines(disruptions: list[DisruptionAnswer]) -> list[str]:
    out = []
    for d in disruptions:
        head = f"Disruption {d.name} ({d.target.replace(':', ' ')}, weeks {d.start_week:.3g}–{d.end_week:.3g})"
        if not d.waits:
            out.append(f"{head}: no station waited for its inputs much more than otherwise in weeks "
                       f"{d.window_start_week:.3g}–{d.window_end_week:.3g}")
            continue
        waits = "; ".join(f"{w.station} waited for {w.item} {w.share:.0%} of open time ({w.otherwise:.0%} otherwise)"
                          for w in d.waits)
        out.append(f"{head}: in weeks {d.window_start_week:.3g}–{d.window_end_week:.3g} {waits}")
    return out


def sourcing_lines(moves: list[SourcingMove]) -> list[str]:
    def why(m: SourcingMove) -> str:
        costs = ", ".join(f"{name} {money_text(x, currency=m.currency)} = {x / r:.3g}× its reference "
                          f"{money_text(r, currency=m.currency)}" for name, (r, x) in m.landed.items())
        return f" (landed cost {costs})" if costs else ""

    return [f"Sourcing {m.site}/{m.item} follows landed cost: "
            + ", ".join(f"{name} {x:.0%} → {y:.0%}" for name, (x, y) in m.shares.items())
            + f" of new orders from week {m.week:.3g}{why(m)}" for m in moves]


def money_lines(m: MoneyAnswer | None) -> list[str]:
    if m is None:
        return []
    cur = m.currency

    def amount(v: float) -> str:
        return money_text(v, currency=cur)

    named = f" {cur}" if currency_symbol(cur) == "$" else ""     # '$' does not name its currency; 'EUR 3.2M' does
    parts = ", ".join(f"{kv.subject} {amount(kv.value.mean)}" for kv in m.largest)
    t = m.cost_per_rack
    ci = f" (95% CI {amount(t.low)}–{amount(t.high)})" if math.isfinite(t.low) and math.isfinite(t.high) else ""
    out = [f"Cost per good rack: {amount(t.mean)}{named}{ci}; largest: {parts}"]
    if m.npv is not None:
        r = m.npv
        ci = f", 95% CI {amount(r.low)}–{amount(r.high)}" if math.isfinite(r.low) and math.isfinite(r.high) else ""
        p10 = amount(m.npv_p10) if m.npv_p10 is not None else "n/a"
        out.append(f"NPV over the horizon: {amount(r.mean)}{named} (10th percentile {p10}{ci})")
    for product, units in m.unsold.items():
        value = m.salvage.get(product, 0.0)
        worth = (f"at their salvage, {amount(value)} each" if value else "at no value (no salvage set)") \
            + f", against {amount(t.mean)} to make a good rack, on average"
        out.append(f"Unsold {product} at the end: {units:.3g} units, made and not ordered by the horizon "
                   f"(in the NPV {worth})")
    return out
