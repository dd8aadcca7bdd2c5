"""The short answer a run prints: racks per week, the bottleneck and why, fill rate,
and plain warnings where a valid scenario can't run sensibly. Text only: the
ranking it reads is computed in `rackline.analysis.ranking`."""
from __future__ import annotations

import math


def _pm(mean: float, hw: float, pct: bool = False) -> str:
    if pct:
        return f"{mean:.0%}" + ("" if not math.isfinite(hw) else f" ± {hw:.0%}")
    return f"{mean:.3g}" + ("" if not math.isfinite(hw) else f" ± {hw:.2g}")


def headline(res) -> list[str]:
    lines = []
    k = res.kpis
    for _, r in k[k.kpi == "throughput"].iterrows():
        lines.append(f"Throughput {r.subject}: {_pm(r['mean'], r.half_width)} units/week")
    for _, r in k[k.kpi == "fill_rate"].iterrows():
        lines.append(f"Fill rate {r.subject}: {_pm(r['mean'], r.half_width, pct=True)} of orders from stock")
    lines.append(bottleneck_sentence(res))
    lines += warnings(res)
    lines += cost_lines(res)
    return lines


def cost_lines(res) -> list[str]:
    """Cost per good rack with its CI and largest three categories; NPV and its 10th percentile."""
    from rackline.output.plots.costs import money_text as m
    k = res.kpis
    total = k[(k.kpi == "cost_per_rack") & (k.subject == "total")]
    if total.empty:
        return []
    t = total.iloc[0]
    cur = t.unit.split("/")[0]
    cats = k[(k.kpi == "cost_per_rack") & (k.subject != "total")].sort_values("mean", ascending=False).head(3)
    parts = ", ".join(f"{r.subject} {m(r['mean'])}" for _, r in cats.iterrows())
    hw = "" if not math.isfinite(t.half_width) else f" ± {m(t.half_width)}"
    out = [f"Cost per good rack: {m(t['mean'])}{hw} {cur} (largest: {parts})"]
    npv = k[k.kpi == "npv"]
    if len(npv):
        r = npv.iloc[0]
        reps = res.replications
        p10 = reps[reps.kpi == "npv"].value.quantile(0.1)
        hw = "" if not math.isfinite(r.half_width) else f" ± {m(r.half_width)}"
        out.append(f"NPV over the horizon: {m(r['mean'])}{hw} {cur} (10th percentile {m(p10)})")
    unsold = k[(k.kpi == "unsold_at_end") & (k["mean"] > 0)]
    for _, r in unsold.iterrows():
        out.append(f"Unsold {r.subject} at the end: {r['mean']:.3g} units")
    return out


def bottleneck_sentence(res) -> str:
    table = res.ranking
    if table.empty:
        return "Bottleneck: none (no stations)"
    top = table.iloc[0]
    open_share = 1.0 - top.share_off_shift
    busy = top.utilization / open_share if open_share > 0 else 0.0
    text = (f"Bottleneck: {top.station} (sole {_pm(top.bottleneck_sole, top.bottleneck_sole_hw, True)}, "
            f"shifting {top.bottleneck_shifting:.0%}; busy {busy:.0%} of open time)")
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


def warnings(res) -> list[str]:
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
    loops: dict = {}
    for rep in res.reps:
        for d in rep.deadlocks:
            loops.setdefault(d.loop, []).append(d.since)
    for loop, since in loops.items():
        out.append(f"WARNING: deadlock in {len(since)} of {len(res.reps)} replication(s) (from {min(since):.6g} h): "
                   f"{' -> '.join(loop)}; every station in this loop waits on another for good")
    st = res.ranking
    for _, r in st.iterrows():
        if r.throughput_per_week == 0 and r.share_starved > 0.99:
            out.append(f"WARNING: station {r.station} never worked: starved on {r.starved_on or 'its inputs'}")
    return out
