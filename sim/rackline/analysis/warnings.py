"""Plain warnings about a run: when a valid scenario produced nothing meaningful, a stock
grows without limit, stations deadlock, a cost-aware split never moves, or a station
never worked. Words computed once, with the answer."""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from rackline.analysis.constraints import growing_buffers
from rackline.engine.records import Replication
from rackline.scenario.flows import demanded_products
from rackline.scenario.model import Scenario


def run_warnings(sc: Scenario, reps: Sequence[Replication], warmup: float, kpis: pd.DataFrame,
                 ranking: pd.DataFrame) -> list[str]:
    out = []
    asked = demanded_products(sc)      # a product nobody orders is not made: no warning needed
    for _, r in kpis[kpis.kpi == "throughput"].iterrows():
        if r["mean"] == 0 and r.subject in asked:
            out.append(f"WARNING: no {r.subject} was made after the warm-up; check that its inputs are supplied "
                       "and its stations can start (see stations.csv, starved_on)")
    for _, r in kpis[kpis.kpi == "demand"].iterrows():
        shipped = kpis[(kpis.kpi == "shipped") & (kpis.subject == r.subject)]
        if len(shipped) and r["mean"] > 0 and shipped.iloc[0]["mean"] < 0.5 * r["mean"]:
            out.append(f"WARNING: demand {r.subject} is far above what is shipped "
                       f"({shipped.iloc[0]['mean']:.3g} of {r['mean']:.3g} units/week): backlog grows without bound")
    if reps:
        out += _piles(reps, warmup)
        out += _deadlocks(reps)
    from rackline.scenario.costs import sourcing_steps
    for site_name, site in sc.sites.items():
        for item, inv in site.inventories.items():
            if inv.sourcing is not None and len(sourcing_steps(sc, inv)) == 1:
                out.append(f"WARNING: sites.{site_name}.inventories.{item}.sourcing follows landed cost, but no "
                           "tariff step in this scenario changes it: the written shares hold throughout")
    for _, r in ranking.iterrows() if asked else ():
        if r.throughput_per_week == 0 and r.share_starved > 0.99:
            out.append(f"WARNING: station {r.station} never worked: starved on {r.starved_on or 'its inputs'}")
    return out


def _piles(reps: Sequence[Replication], warmup: float) -> list[str]:
    out = []
    first = reps[0]
    for g in growing_buffers(reps, warmup):
        feeders = [key for key, st in first.stations.items() if st.site == g.key.site and g.key.item in st.items]
        if g.key.item in first.products and g.key.site in first.product_sites(g.key.item):
            out.append(f"WARNING: finished {g.key.item} piles up at {g.key.site} (+{g.per_week:.3g} units/week over "
                       "the measured time): output runs ahead of what is shipped (the line builds to stock)")
            continue
        who = f"{', '.join(feeders)} make{'s' if len(feeders) == 1 else ''} more than is taken" if feeders \
            else "more arrives than is taken"
        out.append(f"WARNING: stock {g.key.label} grows without limit (+{g.per_week:.3g} units/week over the "
                   f"measured time): {who}, so {'it is' if len(feeders) == 1 else 'they are'} not the constraint")
    return out


def _deadlocks(reps: Sequence[Replication]) -> list[str]:
    loops: dict[tuple[str, ...], list[float]] = {}
    for rep in reps:
        for d in rep.deadlocks:
            loops.setdefault(d.loop, []).append(d.since)
    return [f"WARNING: deadlock in {len(since)} of {len(reps)} replication(s) (from {min(since):.6g} h): "
            f"{' -> '.join(loop)}; every station in this loop waits on another for good"
            for loop, since in loops.items()]
