"""Rules that need the whole scenario: sources of every item, crews, cycles, run length.

Each returns `(path tuple, message)` pairs so the loader can locate them in the file.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from rackline.scenario.budget import budget_problems
from rackline.scenario.cost_checks import cost_problems
from rackline.scenario.distributions import Fixed
from rackline.scenario.floor_checks import floor_problems
from rackline.scenario.flows import Node
from rackline.scenario.model import Lane, Scenario
from rackline.scenario.resolve import moved_demand
from rackline.scenario.yamlfile import KeyPath
from rackline.units import WEEK, format_hours

SECOND = 1 / 3600  # hours: the shortest interval between events that repeat


def _sources(sc: Scenario) -> dict[tuple[str, str], set[str]]:
    """(site, item) -> how it can arrive there: 'made', 'bought', 'shipped', 'initial'."""
    src: dict[tuple[str, str], set[str]] = defaultdict(set)
    for site_name, _, st in sc.station_items():
        for item, recipe in st.recipes().items():
            src[(site_name, item)].add("made")
            if recipe.fail_to != "scrap":
                src[(site_name, recipe.fail_to)].add("made")
    for site_name, site in sc.sites.items():
        for item, inv in site.inventories.items():
            if inv.suppliers:
                src[(site_name, item)].add("bought")
            if inv.initial > 0:
                src[(site_name, item)].add("initial")
    for lane in sc.lanes.values():
        src[(lane.to, lane.item)].add("shipped")
    return src


def check_scenario(sc: Scenario, notes: Mapping[KeyPath, str] | None = None) -> list[tuple[KeyPath, str]]:
    """Every whole-scenario problem; `notes` (path -> note) when the file's notes are at hand."""
    problems: list[tuple[KeyPath, str]] = []
    src = _sources(sc)
    where = "made by a station, bought from a supplier, shipped in by a lane or stocked initially"

    if sc.run.warmup != "auto" and sc.run.warmup >= sc.run.horizon:
        problems.append((("run", "warmup"), f"expected a warm-up shorter than the horizon ({sc.run.horizon:g} h), "
                                            f"got {sc.run.warmup:g} h"))

    for site_name, st_name, st in sc.station_items():
        base = ("sites", site_name, "stations", st_name)
        site = sc.sites[site_name]
        for item, recipe in st.recipes().items():
            inputs_path = base + (("makes", item, "inputs") if st.makes else ("inputs",))
            for need in recipe.inputs:
                if not src.get((site_name, need)):
                    problems.append((inputs_path + (need,), f"expected item {need!r} to be {where} at site "
                                                            f"{site_name!r}, got no source"))
        crews: list[tuple[tuple[str, ...], Any]] = [(base + ("crew", "pool"), st.crew)]
        if st.failures and st.failures.repair_crew:
            crews.append((base + ("failures", "repair_crew", "pool"), st.failures.repair_crew))
        for path, crew in crews:
            if crew is not None and crew.pool not in site.workforce:
                pools = ", ".join(site.workforce) or "none declared"
                problems.append((path, f"expected a workforce pool of site {site_name!r} ({pools}), got {crew.pool!r}"))
            elif crew is not None and crew.size > site.workforce[crew.pool].size + sum(
                    max(h.add, 0) for h in site.workforce[crew.pool].hiring):
                problems.append((path, f"expected a crew no larger than pool {crew.pool!r} can ever be, "
                                       f"got {crew.size}"))

    for site_name, site in sc.sites.items():
        for item, inv in site.inventories.items():
            for sup in inv.suppliers:
                if sup in sc.suppliers and sc.suppliers[sup].item != item:
                    problems.append((("sites", site_name, "inventories", item, "suppliers", sup),
                                     f"expected a supplier of {item!r}, got one of {sc.suppliers[sup].item!r}"))

    for name, lane in sc.lanes.items():
        if not (src.get((lane.origin, lane.item)) or set()) - {"shipped"} and not _shipped_from_elsewhere(sc, lane):
            problems.append((("lanes", name, "item"), f"expected item {lane.item!r} to be {where} at site "
                                                      f"{lane.origin!r}, got no source"))
        if lane.origin == lane.to:
            problems.append((("lanes", name, "to"), f"expected a site other than the origin, got {lane.to!r}"))

    for name, d in sc.demand.items():
        if not src.get((d.site, d.item)):
            problems.append((("demand", name, "item"), f"expected item {d.item!r} to be {where} at site "
                                                       f"{d.site!r}, got no source"))
        ordering = [n for n, o in sc.demand.items() if (o.site, o.item) == (d.site, d.item) and not o.capacity]
        if d.capacity and ordering:     # both take from what is made: which is met would be an accident of events
            problems.append((("demand", name, "capacity"),
                             f"expected 'capacity: true' only for a stock no other demand orders from, got true beside "
                             f"{', '.join(map(repr, ordering))} for {d.item!r} at {d.site!r}: it takes every unit "
                             "made, so the orders would get what it leaves; measure capacity in a variant without "
                             "those orders"))

    seen: dict[str, str] = {}
    for gname, gen in sc.generations.items():
        for i, item in enumerate(gen.items):
            if item in seen:
                problems.append((("generations", gname, "items", i),
                                 f"expected each item in one generation, got {item!r} also in {seen[item]!r}"))
            seen[item] = gname

    problems.extend(_closed_cycles(sc, src))
    problems.extend(_floods(sc))
    problems.extend(_silent_changes(sc))
    problems.extend(cost_problems(sc, notes, moved_demand(sc)))
    problems.extend(floor_problems(sc))
    problems.extend(_rule_problems(sc))
    if not problems:        # an unconsumed output is often another mistake's echo (a misspelt demand item)
        problems.extend(_unconsumed(sc))
    if not problems:        # the estimate explodes the bill of materials: only a consistent one
        problems.extend(budget_problems(sc))
    return problems


def _unconsumed(sc: Scenario) -> list[tuple[KeyPath, str]]:
    """A station's output (or failed units) that no station, lane or demand at its site
    takes would pile up for ever: refused, with what could take it. A demand at rate 0
    counts as taking it (a what-if with no orders is valid and says 'no demand')."""
    taken = {(site, i) for site, _, st in sc.station_items() for r in st.recipes().values() for i in r.inputs}
    taken |= {(lane.origin, lane.item) for lane in sc.lanes.values()}
    taken |= {(d.site, d.item) for d in moved_demand(sc).values()}   # an ended generation's orders move on
    problems: list[tuple[KeyPath, str]] = []
    for site_name, st_name, st in sc.station_items():
        base = ("sites", site_name, "stations", st_name)
        for item, recipe in st.recipes().items():
            made = [(base + (("makes", item) if st.makes else ("output",)), item, "output")]
            if recipe.fail_to != "scrap":
                made.append((base + (("makes", item, "fail_to") if st.makes else ("fail_to",)), recipe.fail_to,
                             "failed units"))
            for path, what, kind in made:
                if (site_name, what) not in taken:
                    problems.append((path, f"expected {kind} that a station, lane or demand at site {site_name!r} "
                                           f"takes, got {what!r}, which nothing consumes and no demand asks for "
                                           "(it would pile up for ever); add a demand or a lane for it, or remove "
                                           "the station"))
    return problems


def _floods(sc: Scenario) -> list[tuple[KeyPath, str]]:
    """Things that would repeat without time passing (or nearly): a run would never end.
    Intervals that repeat must be at least a second; zero-time loops are refused."""
    problems: list[tuple[KeyPath, str]] = []

    def at_least_a_second(path: KeyPath, hours: float | None, what: str, why: str = "") -> None:
        if hours is not None and hours < SECOND:
            problems.append((path, f"expected {what} of at least 1 s{why}, got {format_hours(hours)}"))

    for site_name, st_name, st in sc.station_items():
        base = ("sites", site_name, "stations", st_name)
        for item, recipe in st.recipes().items():
            if not recipe.inputs:
                own = st.makes is not None and st.makes[item].process_time is not None
                path = base + (("makes", item, "process_time") if own else ("process_time",))
                assert recipe.process_time is not None, "recipes() fills the station's process time"
                at_least_a_second(path, recipe.process_time.mean(), "a mean process time",
                                  " for a station with no inputs (it starts a unit whenever a server is free)")
        if st.failures:
            at_least_a_second(base + ("failures", "mtbf"), st.failures.mtbf.mean(), "a mean time between failures")
    for site_name, site in sc.sites.items():
        for item, inv in site.inventories.items():
            if inv.policy is not None:
                at_least_a_second(("sites", site_name, "inventories", item, "policy", "review"), inv.policy.review,
                                  "a review interval")
    for name, lane in sc.lanes.items():
        at_least_a_second(("lanes", name, "every"), lane.every, "a departure interval")
    for name, dis in sc.disruptions.items():
        if dis.every is not None:
            at_least_a_second(("disruptions", name, "every"), dis.every.mean(), "a mean time between disruptions")
    for name, d in sc.demand.items():
        if d.interarrival is not None:
            at_least_a_second(("demand", name, "interarrival"), d.interarrival.mean(), "a mean time between orders")
        rates: list[tuple[tuple[str | int, ...], float | None]] = [(("demand", name, "rate"), d.rate)] + [
            (("demand", name, "schedule", i, "rate"), p.rate) for i, p in enumerate(d.schedule or [])]
        for rate_path, rate in rates:
            if rate is not None and rate > 1 / SECOND:
                problems.append((rate_path, f"expected a rate of at most 1 order a second (3600 per h), "
                                       f"got {rate:.4g} per h"))
    problems.extend(_zero_transit_cycles(sc))
    return problems


def _zero_transit_cycles(sc: Scenario) -> list[tuple[KeyPath, str]]:
    """On-demand lanes with no transit time that pass an item around a loop: it would
    circle forever at one instant."""
    edges: dict[Node, set[Node]] = defaultdict(set)
    by_edge: dict[tuple[Node, Node], str] = {}
    for name, lane in sc.lanes.items():
        if lane.every is None and lane.transit.mean() == 0:
            a, b = (lane.origin, lane.item), (lane.to, lane.item)
            edges[a].add(b)
            by_edge.setdefault((a, b), name)
    problems: list[tuple[KeyPath, str]] = []
    for comp in _sccs(edges):
        if len(comp) < 2:
            continue
        lanes = sorted(name for (a, b), name in by_edge.items() if a in comp and b in comp)
        item = next(iter(comp))[1]
        problems.append((("lanes", lanes[0], "transit"),
                         f"expected a transit time > 0 on at least one lane of the loop {', '.join(lanes)} "
                         f"(item {item!r}), got 0 h on each"))
    return problems


def _silent_changes(sc: Scenario) -> list[tuple[KeyPath, str]]:
    """Values the engine could only use by changing them: refused rather than rounded."""
    problems: list[tuple[KeyPath, str]] = []
    for name, d in sc.demand.items():
        size = d.order_size
        if isinstance(size, Fixed) and (size.value < 1 or not float(size.value).is_integer()):
            problems.append((("demand", name, "order_size"), f"expected a whole number of units >= 1, got {size.value:g}"))
        elif not isinstance(size, Fixed) and size.mean() < 1:
            problems.append((("demand", name, "order_size"), f"expected order sizes of at least 1 unit on average, "
                                                             f"got a mean of {size.mean():.4g}"))
        starts: dict[float, int] = {}
        for i, period in enumerate(d.schedule or []):
            if period.start in starts:
                problems.append((("demand", name, "schedule", i, "from"),
                                 f"expected each period to start at its own time, got {format_hours(period.start)} "
                                 f"also in period {starts[period.start]}"))
            starts.setdefault(period.start, i)
    for site_name, st_name, st in sc.station_items():
        room = st.servers * st.units_per_start
        if st.initial_wip > room:
            problems.append((("sites", site_name, "stations", st_name, "initial_wip"),
                             f"expected at most servers x batch = {room} units in process, got {st.initial_wip}"))
    return problems


def _shipped_from_elsewhere(sc: Scenario, lane: Lane) -> bool:
    """A relay (A -> B -> C) is fine as long as something ships into the origin."""
    return any(other.to == lane.origin and other.item == lane.item for other in sc.lanes.values())


def _closed_cycles(sc: Scenario, src: dict[tuple[str, str], set[str]]) -> list[tuple[KeyPath, str]]:
    """A cycle of items (rework loops) needs a way in from outside the cycle."""
    edges: dict[Node, set[Node]] = defaultdict(set)
    makers: dict[Node, list[tuple[set[Node], KeyPath]]] = defaultdict(list)
    for site_name, st_name, st in sc.station_items():
        for item, recipe in st.recipes().items():
            ins = {(site_name, i) for i in recipe.inputs}
            outs = [(site_name, item)] + ([(site_name, recipe.fail_to)] if recipe.fail_to != "scrap" else [])
            for o in outs:
                makers[o].append((ins, ("sites", site_name, "stations", st_name)))
                for i in ins:
                    edges[i].add(o)
    for lane in sc.lanes.values():
        a, b = (lane.origin, lane.item), (lane.to, lane.item)
        edges[a].add(b)
        makers[b].append(({a}, ()))
    problems = []
    for comp in _sccs(edges):
        if len(comp) == 1:
            (n,) = comp
            if n not in edges.get(n, ()):
                continue
        way_in = any(src.get(n, set()) & {"bought", "initial"} for n in comp) or any(
            not (ins & comp) for n in comp for ins, _ in makers.get(n, []))
        if not way_in:
            site, item = sorted(comp)[0]
            path = next((p for ins, p in makers[(site, item)] if p), ("items", item))
            names = ", ".join(f"{s}/{i}" for s, i in sorted(comp))
            problems.append((path, f"expected a way into the cycle {names} (a station making one of them from "
                                   f"other inputs, a supplier or initial stock), got none"))
    return problems


def _sccs(edges: Mapping[Node, set[Node]]) -> list[set[Node]]:
    """Tarjan's strongly connected components, iteratively (no recursion limit)."""
    index: dict[Node, int] = {}
    low: dict[Node, int] = {}
    on: set[Node] = set()
    stack: list[Node] = []
    out: list[set[Node]] = []
    counter = 0
    nodes = set(edges) | {v for vs in edges.values() for v in vs}
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            node, it = work[-1]
            for nxt in it:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(sorted(edges.get(nxt, ())))))
                    break
                if nxt in on:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    comp = set()
                    while True:
                        n = stack.pop()
                        on.discard(n)
                        comp.add(n)
                        if n == node:
                            break
                    out.append(comp)
    return out


def _rule_problems(sc: Scenario) -> list[tuple[KeyPath, str]]:
    """A rule watches a declared demand that can have a backlog or orders, for at least
    a week (conditions are checked weekly)."""
    out: list[tuple[KeyPath, str]] = []
    for name, rule in sc.rules.items():
        w = rule.when
        kind = "backlog" if w.backlog is not None else "no_orders"
        demand = w.backlog if w.backlog is not None else w.no_orders
        path = ("rules", name, "when", kind)
        if demand not in sc.demand:
            out.append((path, f"expected a declared demand ({', '.join(sc.demand) or 'none declared'}), got {demand!r}"))
        elif sc.demand[demand].capacity:
            out.append((path, f"expected a demand with orders, got {demand!r}, a 'capacity: true' demand that "
                              "has no orders and no backlog, so the rule could never fire"))
        if w.for_ < WEEK:
            out.append((("rules", name, "when", "for"), f"expected at least 1 w (conditions are checked weekly), "
                                                        f"got {w.for_:g} h"))
        elif w.for_ > sc.run.horizon:
            out.append((("rules", name, "when", "for"), f"expected at most the horizon ({format_hours(sc.run.horizon)}: "
                                                        f"longer could never fire), got {format_hours(w.for_)}"))
    return out
