"""The short answer a run prints, in the order a planner asks: the scenario's own
question and its KPIs, demand against output (the gap, when the backlog starts to
grow), what binds (the constraint chain) and what binds next, then throughput,
fill rate and plain warnings. Text only: the numbers come from `rackline.analysis`
(ranking, constraints)."""
from __future__ import annotations

import math
from typing import Any

import pandas as pd

from rackline.analysis.constraints import Chain, Gap, constraint_chain, demand_gaps, growing_buffers, next_constraint
from rackline.analysis.disruptions import disruption_windows
from rackline.quantities import currency_of, currency_symbol, is_money_unit, money_text, value_text
from rackline.units import WEEK


def _pct(unit: str) -> bool:
    return str(unit).startswith("share")


def _num(v: float, pct: bool) -> str:
    return f"{v:.0%}" if pct else f"{v:.3g}"


def interval(row: pd.Series, unit: str = "") -> str:
    """`mean unit (95% CI low–high)`, or the mean and the interval's note when it says why
    there is no interval worth printing ("run more replications")."""
    pct, money = _pct(row.unit), is_money_unit(row.unit)

    def fmt(v: float) -> str:
        return value_text(v, str(row.unit)) if money else _num(v, pct)    # money: $3.22M, not 3.22e+06

    if money and unit.startswith(currency_of(row.unit)):     # the amount names its currency: '$3.22M/rack'
        unit = unit[len(currency_of(row.unit)):].strip()
    text = fmt(float(row["mean"])) + ("" if not unit else unit if unit.startswith("/") else f" {unit}")
    note = row.get("ci_note", "")
    if isinstance(note, str) and note:
        return f"{text} ({note})"
    lo, hi = row.get("ci_low", math.nan), row.get("ci_high", math.nan)
    if pd.notna(lo) and pd.notna(hi) and math.isfinite(lo) and math.isfinite(hi) and hi > lo:
        return f"{text} (95% CI {fmt(float(lo))}–{fmt(float(hi))})"
    return text


def kpi_rows(kpis: pd.DataFrame, spec: str) -> pd.DataFrame:
    """Rows of `kpis` a question names: `kpi` (every subject) or `kpi:subject`."""
    name, _, subject = spec.partition(":")
    rows = kpis[kpis.kpi == name]
    return rows[rows.subject == subject] if subject else rows


def kpi_line(row: pd.Series) -> str:
    label = {"npv": "NPV"}.get(str(row.kpi), str(row.kpi).replace("_", " ").capitalize())
    return f"{label} {row.subject}: {interval(row, '' if _pct(row.unit) else str(row.unit))}"


def question_lines(res: Any) -> list[str]:
    q = res.scenario.question
    if q is None:
        return []
    lines = [f"Question: {q.text}"]
    for spec in q.kpis:
        rows = kpi_rows(res.kpis, spec)
        lines += [f"  {kpi_line(r)}" for _, r in rows.iterrows()] or [f"  {spec}: not measured in this run"]
    return lines


def gap_line(g: Gap) -> str:
    units = f"{g.unit}s"
    what = g.demand_text
    if g.exceeds_from_week is not None:
        verb = "exceeds" if g.clear else "may exceed"
        text = (f"Demand {verb} output: {g.item} {what} reaches {g.peak_demand:.3g}/week from week "
                f"{g.exceeds_from_week:g}, output {g.output:.3g}/week: short by {g.gap:.3g} {units}/week")
        if not g.clear:
            text += f" (output's interval reaches {g.output_high:.3g}/week: run more replications)"
    else:
        text = f"Output meets demand: {g.item} output {g.output:.3g}/week, {what} at most {g.peak_demand:.3g}/week"
        if g.gap < 0:
            text += f" ({-g.gap:.3g} {units}/week to spare)"
    if g.backlog_from_week is not None:
        text += (f"; backlog grows from week {g.backlog_from_week:g}; {g.short_at_end:.3g} {units} short "
                 f"by week {g.end_week:g}")
    elif g.runs_out_week is not None:
        text += (f"; no backlog yet: the {g.stock_at_end:.3g} finished {units} left at week {g.end_week:g} "
                 f"run out around week {g.runs_out_week:.0f} at this gap")
    else:
        text += "; no growing backlog"
    return text


def constraint_lines(res: Any, chain: Chain | None) -> list[str]:
    if chain is None:
        return ["Constraint: none (no stations)"]
    lines = [f"Constraint: {chain}"]
    nxt = next_constraint(res.scenario, chain, res.kpis)
    if nxt is not None:
        text = f"Next constraint: {nxt.kind} {nxt.resource} binds at {nxt.max_rate:.3g}/week (rough-cut capacity)"
        if nxt.max_rate > nxt.output:
            text += (f"; relieving {chain.binding.label} lets output rise by at most {nxt.max_rate - nxt.output:.3g}"
                     f"/week (from {nxt.output:.3g})")
        lines.append(text)
    return lines


def headline(res: Any) -> list[str]:
    """The lines `rackline run` prints first."""
    lines = question_lines(res)
    lines += [gap_line(g) for g in demand_gaps(res.scenario, res.kpis, res.timeseries)]
    lines += constraint_lines(res, constraint_chain(res.scenario, res.ranking, res.stations, res.kpis))
    asked = set(res.scenario.question.kpis) if res.scenario.question is not None else set()
    k = res.kpis
    for _, r in k[k.kpi == "throughput"].iterrows():
        if not {"throughput", f"throughput:{r.subject}"} & asked:
            lines.append(f"Throughput {r.subject}: {interval(r, 'units/week')}")
    for _, r in k[k.kpi == "fill_rate"].iterrows():
        if not {"fill_rate", f"fill_rate:{r.subject}"} & asked:
            lines.append(f"Fill rate {r.subject}: {interval(r, 'of orders from stock')}")
    for _, r in k[k.kpi == "disruption_loss"].iterrows():
        if res.scenario.disruptions and not {"disruption_loss", f"disruption_loss:{r.subject}"} & asked:
            lines.append(f"Lost to disruptions {r.subject}: {interval(r, 'units')} "
                         "(against the same replications without them)")
    lines += [str(w) for w in disruption_windows(res.reps, res.scenario, res.warmup)]
    lines += sourcing_lines(res.scenario)
    lines.append(bottleneck_sentence(res))
    lines += warnings(res)
    lines += cost_lines(res)
    return lines


def _splits(sc: Any) -> list[tuple[str, str, Any, list[tuple[float, tuple[float, ...]]]]]:
    """(site, item, inventory, its share steps) for every cost-aware split."""
    from rackline.scenario.costs import sourcing_steps
    return [(site_name, item, inv, sourcing_steps(sc, inv)) for site_name, site in sc.sites.items()
            for item, inv in site.inventories.items() if inv.sourcing is not None]


def sourcing_lines(sc: Any) -> list[str]:
    """Each cost-aware split as it moves: the new shares of orders and from when."""
    out = []
    for site_name, item, inv, steps in _splits(sc):
        for (_, before), (at, after) in zip(steps, steps[1:]):
            if at < sc.run.horizon:
                moves = ", ".join(f"{name} {a:.0%} → {b:.0%}" for name, a, b in zip(inv.suppliers, before, after))
                out.append(f"Sourcing {site_name}/{item} follows landed cost: {moves} of new orders from week "
                           f"{at / WEEK:.3g}")
    return out


def busy_text(row: Any) -> str:
    """A station's busy share with both denominators named."""
    open_share = 1.0 - row.share_off_shift
    busy = row.utilization / open_share if open_share > 0 else 0.0
    if open_share >= 1 - 1e-9:
        return f"busy {busy:.0%} of all hours"
    return f"busy {busy:.0%} of open time, {row.utilization:.0%} of all hours"


def cost_lines(res: Any) -> list[str]:
    """Cost per good rack with its CI and largest three categories; NPV and its 10th percentile."""
    k = res.kpis
    total = k[(k.kpi == "cost_per_rack") & (k.subject == "total")]
    if total.empty:
        return []
    t = total.iloc[0]
    cur = currency_of(t.unit)

    def m(v: float) -> str:
        return money_text(v, currency=cur)
    named = f" {cur}" if currency_symbol(cur) == "$" else ""     # '$' does not name its currency; 'EUR 3.2M' does
    cats = k[(k.kpi == "cost_per_rack") & (k.subject != "total")].sort_values("mean", ascending=False).head(3)
    parts = ", ".join(f"{r.subject} {m(r['mean'])}" for _, r in cats.iterrows())
    ci = f" (95% CI {m(t.ci_low)}–{m(t.ci_high)})" if math.isfinite(t.half_width) else ""
    out = [f"Cost per good rack: {m(t['mean'])}{named}{ci}; largest: {parts}"]
    npv = k[k.kpi == "npv"]
    if len(npv):
        r = npv.iloc[0]
        reps = res.replications
        p10 = reps[reps.kpi == "npv"].value.quantile(0.1)
        ci = f", 95% CI {m(r.ci_low)}–{m(r.ci_high)}" if math.isfinite(r.half_width) else ""
        out.append(f"NPV over the horizon: {m(r['mean'])}{named} (10th percentile {m(p10)}{ci})")
    unsold = k[(k.kpi == "unsold_at_end") & (k["mean"] > 0)]
    if not any(getattr(d, "option", None) is not None for d in res.scenario.demand.values()):
        unsold = unsold.iloc[0:0]   # firm demand: stock at the end waits for whole orders, it is not unsold
    for _, r in unsold.iterrows():
        out.append(f"Unsold {r.subject} at the end: {r['mean']:.3g} units")
    return out


def bottleneck_sentence(res: Any) -> str:
    table = res.ranking
    if table.empty:
        return "Bottleneck: none (no stations)"
    top = table.iloc[0]
    sole = f"{top.bottleneck_sole:.0%}"
    text = (f"Bottleneck: {top.station} (active-period ranking: sole {sole}, "
            f"shifting {top.bottleneck_shifting:.0%} of the time; {busy_text(top)})")
    if top.share_starved > 0.05 and top.starved_on:
        text += f"; it waits mostly on {top.starved_on}" + (f" from {top.starved_on_source}"
                                                            if top.starved_on_source else "")
    products = {d.item for d in res.scenario.demand.values()}
    finals = table[[bool(set(res.reps[0].stations[s].items) & products) for s in table.station]]
    # a final station starved by its own line is just spare capacity; say it only when
    # it waits on something from outside the site (a supplier or a lane)
    external = finals.starved_on_source.str.contains("supplier|lane", regex=True, na=False)
    finals = finals[(finals.share_starved > 0.05) & (finals.station != top.station) & external]
    if len(finals):
        worst = finals.sort_values("share_starved").iloc[-1]
        text += (f"; final station {worst.station} is starved {worst.share_starved:.0%} of the time, "
                 f"mostly on {worst.starved_on}" + (f" from {worst.starved_on_source}" if worst.starved_on_source
                                                    else ""))
    crew = table[table.share_waiting_crew > 0.05]
    if len(crew):
        text += f"; {len(crew)} station(s) wait for crew over 5% of the time"
    return text


def warnings(res: Any) -> list[str]:
    """Say plainly when a valid scenario produced nothing meaningful."""
    out = []
    k = res.kpis
    for _, r in k[k.kpi == "throughput"].iterrows():
        if r["mean"] == 0:
            out.append(f"WARNING: no {r.subject} was made after the warm-up; check that its inputs are supplied "
                       "and its stations can start (see stations.csv, starved_on)")
    for _, r in k[k.kpi == "demand"].iterrows():
        shipped = k[(k.kpi == "shipped") & (k.subject == r.subject)]
        if len(shipped) and r["mean"] > 0 and shipped.iloc[0]["mean"] < 0.5 * r["mean"]:
            out.append(f"WARNING: demand {r.subject} is far above what is shipped "
                       f"({shipped.iloc[0]['mean']:.3g} of {r['mean']:.3g} units/week): backlog grows without bound")
    for g in growing_buffers(res.reps, res.warmup):
        feeders = [key for key, st in res.reps[0].stations.items()
                   if st.site == g.key.site and g.key.item in st.items]
        if g.key.item in res.reps[0].products and g.key.site in res.reps[0].product_sites(g.key.item):
            out.append(f"WARNING: finished {g.key.item} piles up at {g.key.site} (+{g.per_week:.3g} units/week over "
                       "the measured time): output runs ahead of what is shipped (the line builds to stock)")
            continue
        who = f"{', '.join(feeders)} make{'s' if len(feeders) == 1 else ''} more than is taken" if feeders \
            else "more arrives than is taken"
        out.append(f"WARNING: stock {g.key.label} grows without limit (+{g.per_week:.3g} units/week over the "
                   f"measured time): {who}, so {'it is' if len(feeders) == 1 else 'they are'} not the constraint")
    loops: dict[tuple[str, ...], list[float]] = {}
    for rep in res.reps:
        for d in rep.deadlocks:
            loops.setdefault(d.loop, []).append(d.since)
    for loop, since in loops.items():
        out.append(f"WARNING: deadlock in {len(since)} of {len(res.reps)} replication(s) (from {min(since):.6g} h): "
                   f"{' -> '.join(loop)}; every station in this loop waits on another for good")
    for site_name, item, _, steps in _splits(res.scenario):
        if len(steps) == 1:
            out.append(f"WARNING: sites.{site_name}.inventories.{item}.sourcing follows landed cost, but no "
                       "tariff step in this scenario changes it: the written shares hold throughout")
    st = res.ranking
    for _, r in st.iterrows():
        if r.throughput_per_week == 0 and r.share_starved > 0.99:
            out.append(f"WARNING: station {r.station} never worked: starved on {r.starved_on or 'its inputs'}")
    return out
