"""Rules of the test floor, allocations and generation ends that need the whole scenario.

Each returns `(path tuple, message)` pairs, as `rackline.scenario.checks` does, so the
loader locates them in the file: a rack drawing more than its hall can give never
starts, a cluster larger than the stock that feeds it never fills, and a generation
that ends before it is introduced never exists.
"""
from __future__ import annotations

import math

from rackline.scenario.model import Scenario
from rackline.scenario.yamlfile import KeyPath
from rackline.units import format_hours


def _kw(kw: float) -> str:
    return f"{kw / 1000:g} MW" if kw >= 1000 else f"{kw:g} kW"


def floor_problems(sc: Scenario) -> list[tuple[KeyPath, str]]:
    problems: list[tuple[KeyPath, str]] = []
    for site_name, st_name, st in sc.station_items():
        base = ("sites", site_name, "stations", st_name)
        halls = sc.sites[site_name].test_halls
        if st.hall is not None and st.hall not in halls:
            problems.append((base + ("hall",), f"expected a test hall of site {site_name!r} "
                                               f"({', '.join(halls) or 'none declared'}), got {st.hall!r}"))
        elif st.hall is not None:
            hall = halls[st.hall]
            for item, recipe in st.recipes().items():
                kw = recipe.test_power
                if kw is None:
                    problems.append((base + ("makes", item), "expected a 'test_power' for each item tested in "
                                                             f"hall {st.hall!r}, got none for {item!r}"))
                elif kw * st.units_per_start > hall.cap_kw + 1e-9:
                    own = st.makes is not None and st.makes[item].test_power is not None
                    path = base + (("makes", item, "test_power") if own else ("test_power",))
                    what = f"{st.units_per_start} x {_kw(kw)}" if st.units_per_start > 1 else _kw(kw)
                    problems.append((path, f"expected at most the {hall.binding} of hall {st.hall!r} "
                                           f"({_kw(hall.cap_kw)}) per start, got {what}"))
        if st.cluster is not None:
            for recipe in st.recipes().values():
                for need, q in recipe.inputs.items():
                    inv = sc.sites[site_name].inventories.get(need)
                    if inv is not None and math.isfinite(inv.capacity) and inv.capacity < st.cluster * q:
                        problems.append((base + ("cluster",), f"expected a cluster that fits the stock feeding it "
                                                              f"(sites.{site_name}.inventories.{need}.capacity = "
                                                              f"{inv.capacity:g} units), got {st.cluster}"))
    for name, sp in sc.suppliers.items():
        a = sp.allocation
        if a is not None and a.start is not None and a.start >= sc.run.horizon:
            problems.append((("suppliers", name, "allocation", "start"),
                             f"expected a start within the horizon ({format_hours(sc.run.horizon)}), "
                             f"got {format_hours(a.start)}"))
    problems.extend(_generation_problems(sc))
    return problems


def _generation_problems(sc: Scenario) -> list[tuple[KeyPath, str]]:
    problems: list[tuple[KeyPath, str]] = []
    for gname, gen in sc.generations.items():
        base = ("generations", gname)
        if gen.ends is not None and gen.ends <= gen.introduced:
            problems.append((base + ("ends",), f"expected an end after the introduction "
                                               f"({format_hours(gen.introduced)}), got {format_hours(gen.ends)}"))
        for item in gen.salvage:
            if item not in gen.items:
                problems.append((base + ("salvage", item), f"expected an item of generation {gname!r} "
                                                           f"({', '.join(gen.items)}), got {item!r}"))
        if gen.next is None:
            continue
        nxt = sc.generations.get(gen.next)
        if gen.ends is None:
            problems.append((base + ("next",), f"expected an 'ends' time for demand to move at, got next "
                                               f"{gen.next!r} without one"))
        elif nxt is None or gen.next == gname:
            others = ", ".join(g for g in sc.generations if g != gname) or "none declared"
            problems.append((base + ("next",), f"expected another generation ({others}), got {gen.next!r}"))
        else:
            if nxt.introduced > gen.ends:
                problems.append((base + ("ends",), f"expected an end at or after generation {gen.next!r} is "
                                                   f"introduced ({format_hours(nxt.introduced)}), got "
                                                   f"{format_hours(gen.ends)}"))
            for name, d in sc.demand.items():
                if d.item in gen.items and gen.items.index(d.item) >= len(nxt.items):
                    problems.append((base + ("next",), f"expected generation {gen.next!r} to list an item in "
                                                       f"place {gen.items.index(d.item) + 1} for demand {name!r} "
                                                       f"to move to, got {len(nxt.items)} items"))
                elif d.item in gen.items and d.rate is None and d.schedule is None:
                    problems.append((("demand", name), "expected a 'rate' or 'schedule' for demand that moves "
                                                       f"to generation {gen.next!r}, got another form"))
    return problems
