"""Plain warnings about a run: when a valid scenario produced nothing meaningful, a stock
grows without limit, stations deadlock, a cost-aware split never moves, a station never
worked, or a test hall's largest start is overtaken by smaller ones. Words computed once,
with the answer."""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from rackline.analysis.answer_parts import ProductAnswer, SourcingMove
from rackline.analysis.bottleneck import Growth
from rackline.analysis.constraints import open_shares
from rackline.engine.records import Replication
from rackline.scenario.model import Scenario
from rackline.units import WEEK


def run_warnings(sc: Scenario, reps: Sequence[Replication], kpis: pd.DataFrame, ranking: pd.DataFrame,
                 piles: Sequence[Growth], products: Sequence[ProductAnswer],
                 moved: Sequence[SourcingMove] = ()) -> list[str]:
    """`piles`: the stocks that grow without limit; `products`: the answer's, to leave out
    what has no demand or starts after the horizon; `moved`: the run's sourcing moves, to
    say why a cost-aware split never moves."""
    out = []
    quiet = {p.product for p in products
             if p.verdict == "no demand" or p.window_end_week - p.window_start_week < 1.0}
    for _, r in kpis[kpis.kpi == "throughput"].iterrows():
        if r["mean"] == 0 and r.subject not in quiet:
            out.append(f"WARNING: no {r.subject} was made after the warm-up; check that its inputs are supplied "
                       "and its stations can start (see stations.csv, starved_on)")
    for _, r in kpis[kpis.kpi == "demand"].iterrows():
        shipped = kpis[(kpis.kpi == "shipped") & (kpis.subject == r.subject)]
        if len(shipped) and r["mean"] > 0 and shipped.iloc[0]["mean"] < 0.5 * r["mean"]:
            out.append(f"WARNING: demand {r.subject} is far above what is shipped "
                       f"({shipped.iloc[0]['mean']:.3g} of {r['mean']:.3g} units/week): backlog grows without bound")
    if reps:
        out += _piles(reps, piles)
        out += _deadlocks(reps)
    out += still_splits(sc, moved)
    out += overtaken(sc, ranking)
    idle = bool(products) and all(p.product in quiet for p in products)   # nothing asks any station to work
    for _, r in ranking.iterrows():
        if not idle and r.throughput_per_week == 0 and r.share_starved > 0.99:
            out.append(f"WARNING: station {r.station} never worked: starved on {r.starved_on or 'its inputs'}")
    return out


OVERTAKEN = 0.5     # share of its open time the largest start of a first-fit hall waits for power


def overtaken(sc: Scenario, ranking: pd.DataFrame) -> list[str]:
    """A first-fit test hall whose largest start (an L12 cluster) waited for power most of
    its station's open time while smaller starts took power as it freed: the hall's queue
    rule, not only its size, may be what holds that station (`power_queue: in_turn`)."""
    if ranking.empty or "share_waiting_power" not in ranking.columns:
        return []
    rows = ranking.set_index("station")
    out = []
    for site_name, site in sc.sites.items():
        for hname, hall in site.test_halls.items():
            if hall.power_queue != "first_fit":
                continue
            starts = {f"{site_name}.{n}": max(float(r.test_power or 0.0) for r in st.recipes().values())
                      * st.units_per_start for n, st in site.stations.items() if st.hall == hname}
            big = max(starts, key=starts.__getitem__, default=None)
            if big is None or big not in rows.index or starts[big] <= min(starts.values()):
                continue
            row = rows.loc[big]
            waiting = float(row.share_waiting_power) / open_shares(row)[0]
            if waiting >= OVERTAKEN:
                out.append(f"WARNING: {big} ({starts[big]:,.0f} kW a start) waited for test hall power {waiting:.0%} "
                           f"of its open time while smaller starts in {site_name}.{hname} took power as it freed "
                           "(power_queue: first_fit); power_queue: in_turn holds freed power for the first "
                           "waiting start")
    return out


def still_splits(sc: Scenario, moved: Sequence[SourcingMove]) -> list[str]:
    """Why each cost-aware split that never moves in the run holds its written shares."""
    from rackline.scenario.landed import sourcing_steps
    out = []
    for site_name, site in sc.sites.items():
        for item, inv in site.inventories.items():
            src = inv.sourcing
            if src is None or any(m.site == site_name and m.item == item for m in moved):
                continue
            head = f"WARNING: sites.{site_name}.inventories.{item}.sourcing follows landed cost, but"
            later = [at for at, _ in sourcing_steps(sc, inv)[1:]]
            if src.elasticity == 0:
                why = "its elasticity is 0"
            elif later:
                why = (f"its first move, at week {later[0] / WEEK:.3g} (a tariff step plus the lag), falls after "
                       f"the horizon (week {sc.run.horizon / WEEK:.3g})")
            elif src.reference:
                why = "its landed costs stay at the stated reference (sourcing.reference) throughout"
            else:
                why = ("its landed costs stay at the start's throughout, and with no sourcing.reference the start's "
                       "are the reference: a tariff set from week 0 cannot move it (state the landed costs at which "
                       "the written shares hold as sourcing.reference)")
            out.append(f"{head} {why}: the written shares hold throughout")
    return out


def _piles(reps: Sequence[Replication], piles: Sequence[Growth]) -> list[str]:
    out = []
    first = reps[0]
    for g in piles:
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
