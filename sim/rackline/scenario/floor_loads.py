"""Rough-cut loads of the test floor and of allocations (`flows.resource_loads` adds them).

A test hall's capacity is its kW over the week (kWh/week, shown in MWh); a unit tested
in it loads the hall with its kW for its whole test time. Racks take whole slots: a hall
of P kW holds floor(P / (N k)) starts of N units of k kW at once, so each unit counts
the hall's power divided among the units that fit (the remainder too small for one
more rack is stranded), and the rate the hall allows is floor(P / (N k)) N / t. A
supplier under an allocation of A units per period T delivers at most A / T.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable

from rackline.scenario.model import Scenario
from rackline.units import WEEK

RecipeKey = tuple[str, str]


def hall_kw_per_unit(cap_kw: float, kw: float, units: int) -> float:
    """kW of the hall one unit takes while it is tested, counting stranded power:
    the cap divided among the units whose starts fit (inf when none fits)."""
    fit = math.floor(cap_kw / (kw * units) + 1e-9)
    return cap_kw / (fit * units) if fit >= 1 else math.inf


def hall_loads(sc: Scenario, starts: dict[RecipeKey, float]) -> list[tuple[str, str, float, float, str]]:
    """(resource `site.hall`, kind hall_power|hall_cooling, capacity, load, unit) per hall, in
    MWh a week, at `starts` (units started per hour by station recipe)."""
    load: dict[str, float] = defaultdict(float)
    for site, name, st in sc.station_items():
        if st.hall is None:
            continue
        hall = sc.sites[site].test_halls.get(st.hall)
        if hall is None:
            continue
        for item, recipe in st.recipes().items():
            if recipe.test_power is None or recipe.process_time is None:
                continue
            per_unit = hall_kw_per_unit(hall.cap_kw, recipe.test_power, st.units_per_start)
            load[f"{site}.{st.hall}"] += starts.get((f"{site}.{name}", item), 0.0) * per_unit \
                * recipe.process_time.mean() * WEEK
    rows = []
    for site, s in sc.sites.items():
        for hname, hall in s.test_halls.items():
            key = f"{site}.{hname}"
            rows.append((key, f"hall_{hall.binding}", hall.cap_kw * WEEK / 1000, load[key] / 1000, "MWh"))
    return rows


def allocation_loads(sc: Scenario, supplier_load: Callable[[str], float]) -> list[tuple[str, str, float, float, str]]:
    """(supplier, `allocation`, units a week it grants, units a week bought from it, unit)."""
    rows = []
    for name, sp in sc.suppliers.items():
        if sp.allocation is not None:
            spec = sc.items.get(sp.item)
            unit = spec.unit if spec is not None else "unit"
            rows.append((name, "allocation", sp.allocation.units / sp.allocation.per * WEEK, supplier_load(name),
                         unit))
    return rows
