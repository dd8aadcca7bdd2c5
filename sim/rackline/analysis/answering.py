"""Compute a run's `Answer` once, from its replications and the tables built from them.

Per product, over the product's own window (from its introduction or first demand,
after the warm-up, to the horizon): output against what was ordered and scheduled,
period by period; whether the backlog grows and from when; the verdict; the
constraint chain from the top-ranked station that serves it (or demand, when output
meets demand); and the next finite resource on its route at the simulated mix, in its
own units. Per site: its stations' time over their own windows, each share with its
denominator. Then the question's KPIs, money, disruptions, sourcing moves and
warnings. Everything that prints, draws or writes reads this.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from rackline.analysis.answer import (
    Answer,
    Chain,
    DisruptionAnswer,
    DisruptionWait,
    Estimate,
    KpiValue,
    Link,
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
from rackline.analysis.bottleneck import Growth
from rackline.analysis.capacity import product_resources
from rackline.analysis.constraints import constraint_chain, demand_text, growing_buffers, scheduled_rate
from rackline.analysis.cost_plan import ended_salvage
from rackline.analysis.disruptions import disruption_windows
from rackline.analysis.intervals import interval
from rackline.analysis.kpis import products_made
from rackline.analysis.warnings import run_warnings
from rackline.analysis.window import product_window, product_window_end, window_index
from rackline.engine.records import Replication
from rackline.kpi_names import Range, range_of_unit
from rackline.scenario.flows import product_sites
from rackline.scenario.model import Scenario
from rackline.units import WEEK

GROWS_FROM = 1.0     # units of backlog at the end below which no backlog "grows"


def estimate_of(values: Sequence[float] | np.ndarray, unit: str, rng: Range | None = None) -> Estimate:
    """Mean and range-respecting 95% interval of per-replication values."""
    iv = interval(np.asarray(values, dtype=float), rng if rng is not None else range_of_unit(unit))
    return Estimate(mean=iv.mean, low=iv.low, high=iv.high, unit=unit, n=iv.n, note=iv.note)


def kpi_estimate(kpis: pd.DataFrame, kpi: str, subject: str) -> Estimate | None:
    """The KPI table's row as an Estimate (None when the run has no such row)."""
    row = kpis[(kpis.kpi == kpi) & (kpis.subject == subject)]
    if row.empty:
        return None
    r = row.iloc[0]
    note = r.get("ci_note", "")
    return Estimate(mean=float(r["mean"]), low=float(r.get("ci_low", math.nan)), high=float(r.get("ci_high", math.nan)),
                    unit=str(r.unit), n=int(r.get("n", 0)), note=note if isinstance(note, str) else "")


# ---- per product ----------------------------------------------------------------------------------
def _window_start(reps: Sequence[Replication], warmup: float, product: str) -> float:
    rep = reps[0]
    return float(rep.times[product_window(rep, warmup, product)])


def _weekly(bands: pd.DataFrame, product: str, demands: list[str], start_week: float,
            end_week: float) -> WeeklyBand:
    """The weekly series the answer plot draws (the run's weekly bands, `run_tables.weekly_bands`),
    from the first whole week inside the window; orders and backlog summed over the
    product's demand streams (the mean of sums is the sum of means)."""
    inside = bands[(bands.week > start_week + 1e-9) & (bands.week <= end_week + 1e-9)]
    made = inside[(inside.metric == "output") & (inside.subject == product)].set_index("week").sort_index()

    def summed(metric: str) -> list[float]:
        d = inside[(inside.metric == metric) & inside.subject.isin(demands)].groupby("week")["mean"].sum()
        return [float(v) for v in d.reindex(made.index).fillna(0.0)]

    return WeeklyBand(weeks=[float(w) for w in made.index], made=[float(v) for v in made["mean"]],
                      made_low=[float(v) for v in made["low"]], made_high=[float(v) for v in made["high"]],
                      ordered=summed("ordered") if demands else [], backlog=summed("backlog") if demands else [])


def _mix(reps: Sequence[Replication], starts: dict[str, float], outputs: dict[str, float]) -> dict[str, float]:
    """Units/week of each product over the weeks all of them are active (from the latest
    window start to the earliest window end: a generation's end, else the horizon): the mix
    the shared resources actually served. Each product's own-window rate (`outputs`) when
    that common stretch is under a week."""
    rep0 = reps[0]
    i = window_index(rep0, max(starts.values(), default=0.0))
    j = min((product_window_end(rep0, p) for p in outputs), default=len(rep0.times) - 1)
    weeks = (float(rep0.times[j]) - float(rep0.times[i])) / WEEK
    if weeks < 1.0 - 1e-9:
        return outputs
    made = [products_made(r) for r in reps]
    return {p: float(np.mean([(m[p][j] - m[p][i]) / weeks for m in made])) for p in outputs}


def _periods(sc: Scenario, reps: Sequence[Replication], product: str, start: float, end: float) -> list[Period]:
    """The window cut where the scheduled demand changes; output made in each stretch."""
    demands = [d for d in sc.demand.values() if d.item == product and not d.capacity]
    horizon = end                      # the horizon, or the generation's end
    cuts = sorted({start, horizon} | {p.start for d in demands for p in (d.schedule or []) if start < p.start < horizon}
                  | {d.option.at for d in demands if d.option is not None and d.option.at is not None
                     and start < d.option.at < horizon})
    made = [products_made(rep)[product] for rep in reps]
    out = []
    for a, b in zip(cuts, cuts[1:]):
        ia, ib = window_index(reps[0], a), window_index(reps[0], b)
        ta, tb = float(reps[0].times[ia]), float(reps[0].times[ib])
        if tb - ta < WEEK - 1e-6:
            continue                      # less than a week between snapshots: nothing to say about it
        rates = [(m[ib] - m[ia]) / ((tb - ta) / WEEK) for m in made]
        out.append(Period(start_week=ta / WEEK, end_week=tb / WEEK,
                          scheduled=sum(scheduled_rate(d, a) for d in demands) * WEEK,
                          output=estimate_of(rates, "units/week")))
    return out


def _backlog_from(ts: pd.DataFrame, demands: list[str], exceeds: bool, peak: float) -> tuple[float | None, float]:
    """(week from which the mean backlog keeps growing, mean backlog at the end)."""
    bl = ts[(ts.metric == "backlog") & ts.subject.isin(demands)]
    series = bl.groupby(["week", "replication"]).value.sum().groupby("week").mean().sort_index()
    end = float(series.iloc[-1]) if len(series) else 0.0
    if end < (GROWS_FROM if exceeds else max(GROWS_FROM, 0.25 * peak)):
        return None, end
    low = series[series <= max(0.5, 0.1 * end)]
    if not len(low):
        return float(series.index[0]), end
    after = series.index[series.index > low.index[-1]]
    return (float(after[0]) if len(after) else None), end


def _stock_at_end(ts: pd.DataFrame, sites: list[str], product: str) -> float:
    inv = ts[(ts.metric == "inventory") & ts.subject.isin([f"{s}/{product}" for s in sites])]
    stock = inv.groupby(["week", "replication"]).value.sum().groupby("week").mean().sort_index()
    return float(stock.iloc[-1]) if len(stock) else 0.0


def _verdict(capacity: bool, ordered: Estimate | None, periods: list[Period], backlog_from: float | None,
             output: Estimate) -> tuple[Verdict, float | None]:
    """The product's verdict and the first week its schedule asks clearly (or maybe) more than was made."""
    if capacity:
        return "capacity mode", None
    if ordered is None or (ordered.mean <= 0 and not any(p.scheduled > 0 for p in periods)):
        return "no demand", None
    clear = next((p.start_week for p in periods
                  if p.output.has_interval and p.scheduled > p.output.high + 1e-9), None)
    maybe = next((p.start_week for p in periods if p.scheduled > p.output.mean + 1e-9), None)
    if backlog_from is not None:           # a growing backlog settles it: short from the first stretch asking more
        return "short", maybe if maybe is not None else clear
    if clear is not None:
        return "short", clear
    if maybe is not None and (ordered.mean > output.mean + 1e-9 or not output.has_interval):
        return "may be short", maybe
    return "meets", None


def resource_text(r: Resource, product: str, unit: str) -> str:
    """`station ohio.l11_g2 at 8.89 racks/week of rack_gen2 (shared with rack_gen1 at the simulated mix)`."""
    shared = f", shared with {', '.join(r.shared_with)} at the simulated mix" if r.shared_with else ""
    return f"{r.kind} {r.resource} at {r.capacity:.3g} {unit}s/week of {product} (rough cut{shared})"


def _demand_chain(p: str, output: Estimate, ordered: Estimate, peak: float, first: Resource | None,
                  unit: str) -> Chain:
    text = f"demand for {p} ({ordered.mean:.3g} {unit}s/week ordered, {output.mean:.3g} made)"
    if first is not None:
        room = first.capacity - peak
        text += (f"; demand could rise {room:.3g} {unit}s/week above its peak of {peak:.3g} before "
                 if room > 0 else "; no room above the peak demand: ") + resource_text(first, p, unit) + " binds"
    return Chain(links=[Link(kind="demand", name=p, text=text)])


def _next(route: list[Resource], chain: Chain | None) -> Resource | None:
    """The first finite resource on the route after the one that binds (the first, if what
    binds is not a resource of the table, e.g. a supply short by its lead time, or demand)."""
    if not route:
        return None
    names = [r.resource for r in route]
    if chain is not None and chain.binding.name in names:
        i = names.index(chain.binding.name)
        return route[i + 1] if i + 1 < len(route) else None
    return route[0]


def product_answers(sc: Scenario, reps: Sequence[Replication], warmup: float, kpis: pd.DataFrame,
                    per_rep: pd.DataFrame, stations: pd.DataFrame, ranking: pd.DataFrame,
                    ts: pd.DataFrame, bands: pd.DataFrame, piles: Sequence[Growth]) -> list[ProductAnswer]:
    outputs = {p: (kpi_estimate(kpis, "throughput", p) or Estimate(mean=0.0)).mean for p in reps[0].products}
    starts = {p: _window_start(reps, warmup, p) for p in reps[0].products}
    routes = product_resources(sc, _mix(reps, starts, outputs))
    out = []
    for product in reps[0].products:
        spec = sc.items.get(product)
        unit = spec.unit if spec is not None else "unit"
        sites = product_sites(sc, product)
        start = starts[product]
        names = [n for n, d in sc.demand.items() if d.item == product]
        ordered_names = [n for n in names if not sc.demand[n].capacity]
        capacity = not ordered_names
        output = kpi_estimate(kpis, "throughput", product) or Estimate(mean=0.0, unit="units/week")
        ordered = None
        if not capacity:
            d = per_rep[(per_rep.kpi == "demand") & per_rep.subject.isin(ordered_names)]
            ordered = estimate_of(d.groupby("replication").value.sum().to_numpy(), "units/week")
        end = float(reps[0].times[product_window_end(reps[0], product)])
        periods = _periods(sc, reps, product, start, end) if not capacity else []
        peak = max((p.scheduled for p in periods), default=0.0)
        exceeds_any = any(p.scheduled > p.output.mean + 1e-9 for p in periods)
        backlog_from, short_at_end = _backlog_from(ts, ordered_names, exceeds_any, peak) if not capacity else (None, 0.0)
        verdict, exceeds = _verdict(capacity, ordered, periods, backlog_from, output)
        route = routes.get(product, [])
        serving = ranking[[product in st.serves for st in (reps[0].stations[k] for k in ranking.station)]] \
            if len(ranking) else ranking
        chain = constraint_chain(sc, serving, stations, kpis, str(serving.station.iloc[0])) if len(serving) else None
        spare = None
        nxt = _next(route, chain)
        if verdict == "meets" and ordered is not None:
            spare = (route[0].capacity - peak) if route else None
            chain = _demand_chain(product, output, ordered, peak, route[0] if route else None, unit)
            nxt = route[0] if route else None
        elif verdict == "no demand":         # nothing asks for it: nothing binds it; what would, if demand came
            chain, nxt = None, (route[0] if route else None)
        fills = {n: e for n in ordered_names if (e := kpi_estimate(kpis, "fill_rate", n)) is not None}
        out.append(ProductAnswer(
            product=product, unit=unit, sites=sites, window_start_week=start / WEEK,
            window_end_week=end / WEEK, ended=product in reps[0].ended and end < float(reps[0].times[-1]),
            output=output, ordered=ordered,
            demand_text=demand_text(sc.demand[n] for n in ordered_names), periods=periods, verdict=verdict,
            exceeds_from_week=exceeds, backlog_from_week=backlog_from, short_at_end=short_at_end,
            stock_at_end=_stock_at_end(ts, sites, product), spare=spare,
            piles_up={g.key.site: g.per_week for g in piles if g.key.item == product and g.key.site in sites},
            constraint=chain, next=nxt, route=route,
            fill_rates=fills, disruption_loss=kpi_estimate(kpis, "disruption_loss", product) if sc.disruptions else None,
            weekly=_weekly(bands, product, ordered_names, start / WEEK, end / WEEK)))
    return out


# ---- per site -------------------------------------------------------------------------------------
def _or_zero(v: object) -> float:
    """A share a station does not record (waiting for power outside a test hall) is 0."""
    return 0.0 if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)  # type: ignore[arg-type]


def station_share(row: pd.Series, final: bool = False) -> StationShare:
    """A ranking row as shares with their denominators (`final`: it makes a product)."""
    open_ = max(1.0 - float(row.share_off_shift), 0.0)
    working = float(row.share_busy) + float(row.get("share_setup", 0.0))

    def of_open(v: float) -> float:
        return float(v) / open_ if open_ > 0 else 0.0

    return StationShare(
        station=str(row.station), site=str(row.site), rank=int(row["rank"]), servers=int(row.servers),
        window_start_week=float(row.get("window_start_h", 0.0)) / WEEK, busy_open=of_open(working),
        busy_all=working, open_share=open_, starved_open=of_open(row.share_starved),
        blocked_open=of_open(row.share_blocked), down_open=of_open(row.share_down),
        waiting_crew_open=of_open(row.share_waiting_crew),
        waiting_power_open=of_open(_or_zero(row.get("share_waiting_power"))), bottleneck_sole=float(row.bottleneck_sole),
        bottleneck_shifting=float(row.bottleneck_shifting), throughput_per_week=float(row.throughput_per_week),
        starved_on=str(row.starved_on or ""), starved_on_source=str(row.starved_on_source or ""), final=final)


def site_answers(sc: Scenario, reps: Sequence[Replication], ranking: pd.DataFrame,
                 piles: Sequence[Growth]) -> list[SiteAnswer]:
    products = set(reps[0].products) if reps else set()
    shares = [station_share(r, bool(products & set(reps[0].stations[str(r.station)].items)))
              for _, r in ranking.iterrows()]
    return [SiteAnswer(site=site, ships=sorted({d.item for d in sc.demand.values() if d.site == site}),
                       stations=[s for s in shares if s.site == site],
                       piles={g.key.item: g.per_week for g in piles if g.key.site == site})
            for site in sc.sites]


# ---- the rest -------------------------------------------------------------------------------------
def question_answer(sc: Scenario, kpis: pd.DataFrame) -> QuestionAnswer | None:
    q = sc.question
    if q is None:
        return None
    values, missing = [], []
    for spec in q.kpis:
        name, _, subject = spec.partition(":")
        rows = kpis[(kpis.kpi == name) & ((kpis.subject == subject) if subject else True)]
        if rows.empty:
            missing.append(spec)
        for _, r in rows.iterrows():
            e = kpi_estimate(kpis, name, str(r.subject))
            if e is not None:
                values.append(KpiValue(kpi=name, subject=str(r.subject), value=e))
    return QuestionAnswer(text=q.text, values=values, missing=missing)


def money_answer(sc: Scenario, kpis: pd.DataFrame, per_rep: pd.DataFrame) -> MoneyAnswer | None:
    total = kpi_estimate(kpis, "cost_per_rack", "total")
    if total is None:
        return None
    cats = kpis[(kpis.kpi == "cost_per_rack") & (kpis.subject != "total")].sort_values("mean", ascending=False).head(3)
    npv_rows = kpis[kpis.kpi == "npv"]
    npv = kpi_estimate(kpis, "npv", str(npv_rows.subject.iloc[0])) if len(npv_rows) else None
    p10 = float(per_rep[per_rep.kpi == "npv"].value.quantile(0.1)) if npv is not None else None
    unsold = {}
    option = any(d.option is not None for d in sc.demand.values())
    for _, r in kpis[(kpis.kpi == "unsold_at_end") & (kpis["mean"] > 0)].iterrows():
        made = kpi_estimate(kpis, "throughput", str(r.subject))
        # firm demand: up to a week of output at the end is stock on its way to the next orders
        if option or float(r["mean"]) >= max(made.mean if made is not None else 0.0, 1.0):
            unsold[str(r.subject)] = float(r["mean"])
    priced = {p: float(r.salvage) for p, r in (sc.costs.priced() if sc.costs is not None else {}).items()}
    worth = {**priced, **ended_salvage(sc)}          # an ended generation's stock: its generation's salvage
    salvage = {p: worth[p] for p in unsold if p in worth}
    return MoneyAnswer(currency=total.unit.split("/", 1)[0], cost_per_rack=total,
                       largest=[KpiValue(kpi="cost_per_rack", subject=str(r.subject),
                                         value=kpi_estimate(kpis, "cost_per_rack", str(r.subject)) or total)
                                for _, r in cats.iterrows()],
                       npv=npv, npv_p10=p10, unsold=unsold, salvage=salvage)


def sourcing_moves(sc: Scenario) -> list[SourcingMove]:
    """Each cost-aware split as it moves: the new shares of orders, from when, and the
    landed costs away from their reference that moved it (a move at week 0 is a level
    at the start unlike the reference; a later one follows a tariff step by the lag)."""
    from rackline.scenario.landed import landed_costs, reference_costs, sourcing_steps
    out = []
    for site_name, site in sc.sites.items():
        for item, inv in site.inventories.items():
            if inv.sourcing is None or sc.costs is None:
                continue
            steps = [(0.0, tuple(inv.suppliers.values()))] + sourcing_steps(sc, inv)
            ref = reference_costs(sc, inv)
            for k, ((_, before), (at, after)) in enumerate(zip(steps, steps[1:])):
                if at >= sc.run.horizon or before == after:
                    continue
                landed = landed_costs(sc, inv, at - inv.sourcing.lag if k else 0.0)
                out.append(SourcingMove(site=site_name, item=item, week=at / WEEK,
                                        shares={n: (a, b) for n, a, b in zip(inv.suppliers, before, after)},
                                        landed={n: (r, x) for n, r, x in zip(inv.suppliers, ref, landed) if r != x},
                                        currency=sc.costs.currency.strip()))
    return out


def answer_of(sc: Scenario, reps: Sequence[Replication], warmup: float, kpis: pd.DataFrame,
              per_rep: pd.DataFrame, stations: pd.DataFrame, ranking: pd.DataFrame, ts: pd.DataFrame,
              bands: pd.DataFrame) -> Answer:
    """The run's answer (see the module docstring)."""
    piles = growing_buffers(reps, warmup) if reps else []
    products = product_answers(sc, reps, warmup, kpis, per_rep, stations, ranking, ts, bands, piles) if reps else []
    windows = disruption_windows(reps, sc, warmup)
    sites = site_answers(sc, reps, ranking, piles)
    moves = sourcing_moves(sc)
    return Answer(
        scenario=sc.name, replications=len(reps), warmup_weeks=warmup / WEEK, horizon_weeks=sc.run.horizon / WEEK,
        question=question_answer(sc, kpis), products=products, sites=sites,
        top_station=next((s for site in sites for s in site.stations if s.station == str(ranking.station.iloc[0])),
                         None) if len(ranking) else None,
        disruptions=[DisruptionAnswer(name=w.name, target=w.target, start_week=w.start / WEEK, end_week=w.end / WEEK,
                                      window_start_week=w.window_start / WEEK, window_end_week=w.window_end / WEEK,
                                      waits=[DisruptionWait(station=x.station, item=x.item, share=x.share,
                                                            otherwise=x.otherwise) for x in w.waits])
                     for w in windows],
        sourcing=moves, money=money_answer(sc, kpis, per_rep),
        warnings=run_warnings(sc, reps, kpis, ranking, piles, products, moves))
