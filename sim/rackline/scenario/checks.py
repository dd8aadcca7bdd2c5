"""Rules that need the whole scenario: sources of every item, crews, cycles, run length.

Each returns `(path tuple, message)` pairs so the loader can locate them in the file.
"""
from __future__ import annotations

from collections import defaultdict

from rackline.scenario.model import Scenario


def _sources(sc: Scenario):
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


def check_scenario(sc: Scenario) -> list[tuple[tuple, str]]:
    problems: list[tuple[tuple, str]] = []
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
        crews = [(base + ("crew", "pool"), st.crew)]
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
        if not src.get((lane.origin, lane.item)) - {"shipped"} and not _shipped_from_elsewhere(sc, lane):
            problems.append((("lanes", name, "item"), f"expected item {lane.item!r} to be {where} at site "
                                                      f"{lane.origin!r}, got no source"))
        if lane.origin == lane.to:
            problems.append((("lanes", name, "to"), f"expected a site other than the origin, got {lane.to!r}"))

    for name, d in sc.demand.items():
        if not src.get((d.site, d.item)):
            problems.append((("demand", name, "item"), f"expected item {d.item!r} to be {where} at site "
                                                       f"{d.site!r}, got no source"))

    seen: dict[str, str] = {}
    for gname, gen in sc.generations.items():
        for i, item in enumerate(gen.items):
            if item in seen:
                problems.append((("generations", gname, "items", i),
                                 f"expected each item in one generation, got {item!r} also in {seen[item]!r}"))
            seen[item] = gname

    problems.extend(_closed_cycles(sc, src))
    return problems


def _shipped_from_elsewhere(sc: Scenario, lane) -> bool:
    """A relay (A -> B -> C) is fine as long as something ships into the origin."""
    return any(other.to == lane.origin and other.item == lane.item for other in sc.lanes.values())


def _closed_cycles(sc: Scenario, src) -> list[tuple[tuple, str]]:
    """A cycle of items (rework loops) needs a way in from outside the cycle."""
    edges: dict[tuple, set[tuple]] = defaultdict(set)
    makers: dict[tuple, list[tuple[set, tuple]]] = defaultdict(list)
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


def _sccs(edges: dict) -> list[set]:
    """Tarjan's strongly connected components, iteratively (no recursion limit)."""
    index: dict = {}
    low: dict = {}
    on: set = set()
    stack: list = []
    out: list[set] = []
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
