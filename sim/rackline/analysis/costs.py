"""The economic layer: what a replication's flows cost, earn and tie up, in money.

Costs are computed after the run from the engine's cumulative counters
(`rackline.engine.records`), never in the event loop. A scenario's `costs` section
is compiled once per replication into a `CostPlan` of plain numbers
(`rackline.analysis.cost_plan`), which the record carries; `cost_rows` turns plan and counters into KPI rows.

The cost model (every figure is an assumption of the scenario):

- **Value of an item** (`CostPlan.values`): a purchased item at the average price of
  the units received in the window (moving-average cost: a cost-aware sourcing split
  changes it), or at its suppliers' prices weighted by the written shares if none
  arrived; a made item at the value of the purchased units in its costliest recipe
  (so rework loops count once); a failed unit keeps the value of the unit that failed. Tariffs and freight are period
  costs, not part of an item's value.
- **Cost per good rack** = the window's costs / good products made in the window,
  by category: *materials* (value of the good products made), *scrap* (value of the
  units stations scrapped), *tariffs* (rate in force at the start of each week x the
  value received from a supplier that week: schedules act at weekly resolution),
  *freight* (per supplier order, per lane departure, per unit moved), *labour*
  (paid hours = the pool's people over the open hours of the calendar of the
  stations it staffs, x wage; plus the cost of each hire when it is hired),
  *capital charge* (station capital x the yearly charge x the window in years),
  *fixed* (per station and site, over time), *carrying* (yearly rate x the
  time-average value of stock, WIP in stations and units on lanes; supplier
  shipments belong to the supplier until received), *energy* (kW of a busy server x
  busy hours x the price of a kWh; a test hall's kWh drawn x the price), *obsolescence*
  (only with a generation that ends in the run: its stock left at the horizon x (value -
  its salvage); the salvage is cash at the horizon). A station's own `labour` rate is paid per working
  (busy or setup) server-hour, to *labour*; at a *rework* station (one that consumes
  a failed item) it goes to *rework*, and so does the wage of its pool crew's working
  hours, moved out of *labour* (the pool is paid anyway; the total is unchanged).
- **Cash** (from time 0 to the horizon, the investment's view): capital is paid at
  time 0, an adaptive rule's capex in the week it fires (and charged from when it acts); each week pays purchases on receipt (value received), tariffs, freight,
  labour (pools and stations' own), hires, fixed costs and energy, and earns the price of each unit shipped;
  unsold products earn their salvage value at the horizon. Carrying and the capital
  charge are economic costs, not cash. NPV discounts each week's cash at its end.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from rackline.analysis.cost_plan import CostPlan
from rackline.analysis.floor_kpis import written_off
from rackline.analysis.window import KpiRow
from rackline.engine.records import InventoryKey, Replication
from rackline.kpi_names import CATEGORIES
from rackline.states import WORKING
from rackline.units import WEEK

YEAR = 8760.0   # hours


@dataclass(slots=True)
class Money:
    """One replication's money, per snapshot interval (k: from times[k] to times[k+1])."""

    cash_out: np.ndarray                         # spend per interval, by the cash rules
    cash_in: np.ndarray
    categories: dict[str, float] = field(default_factory=dict)   # window totals
    families: dict[str, float] = field(default_factory=dict)     # window materials+tariffs+inbound freight
    received: dict[str, float] = field(default_factory=dict)     # region -> value received in the window
    tariffs: np.ndarray = field(default_factory=lambda: np.zeros(0))   # per interval
    held: dict[str, float] = field(default_factory=dict)         # stock, wip, transit: average value
    good: float = 0.0
    revenue: float = 0.0
    salvage: float = 0.0
    unsold: dict[str, float] = field(default_factory=dict)
    rule_capex: float = 0.0                                      # capital the adaptive rules spent


def _diff(series: np.ndarray | None, n: int) -> np.ndarray:
    return np.zeros(n) if series is None else np.diff(np.asarray(series, dtype=float))


def _station_labour(rep: Replication, plan: CostPlan, wages: dict[str, np.ndarray],
                    n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per interval: stations' own labour at ordinary and at rework stations, and the wage
    of pool crews' working hours at rework stations (to move from labour to rework;
    never more than the pool was paid in the interval)."""
    own, bench = np.zeros(n), np.zeros(n)
    crew_hours: dict[str, np.ndarray] = {}
    for key, st in rep.stations.items():
        worked = sum((_diff(st.time_in_state[s], n) for s in WORKING), np.zeros(n))
        rate = plan.stations[key].labour if key in plan.stations else 0.0
        if key not in plan.rework:
            own += worked * rate
            continue
        bench += worked * rate
        pool, size = plan.rework[key]
        if pool is not None and pool in wages:
            crew_hours[pool] = crew_hours.get(pool, np.zeros(n)) + worked * size
    moved = np.zeros(n)
    for pool, hours in crew_hours.items():
        moved += np.minimum(hours * plan.pools[pool].wage, wages[pool])
    return own, bench, moved


def money(rep: Replication, plan: CostPlan, i: int) -> Money:
    """Costs over the window from snapshot i, and cash per interval over the whole run."""
    t = rep.times
    n = len(t) - 1
    win = np.arange(n) >= i
    span = float(t[-1] - t[i])
    m = Money(np.zeros(n), np.zeros(n), categories=dict.fromkeys(CATEGORIES, 0.0))
    cat = m.categories
    fams: dict[str, float] = defaultdict(float)
    m.tariffs = np.zeros(n)
    bought: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])   # purchased item -> [value, units] received
    for name, sp in rep.suppliers.items():
        sc = plan.suppliers.get(name)
        if sc is None:
            continue
        got = _diff(sp.delivered, n) * sc.price
        rates = np.array([sc.tariff_at(x) for x in t[:-1]])
        tariff = got * rates
        freight = _diff(sp.orders, n) * sc.per_order
        m.tariffs += tariff
        m.cash_out += got + tariff + freight
        cat["tariffs"] += float(tariff[win].sum())
        cat["freight"] += float(freight[win].sum())
        fams[sc.family] += float(tariff[win].sum() + freight[win].sum())
        m.received[sp.region] = m.received.get(sp.region, 0.0) + float(got[win].sum())
        bought[sc.item][0] += float(got[win].sum())
        bought[sc.item][1] += float(sp.delivered[-1] - sp.delivered[i])
    value, family_value = plan.values({item: v / u for item, (v, u) in bought.items() if u > 0})
    for name, (per_departure, per_unit, _) in plan.lanes.items():
        lane = rep.lanes.get(name)
        if lane is not None:
            f = _diff(lane.loads, n) * per_departure + _diff(lane.shipped, n) * per_unit
            m.cash_out += f
            cat["freight"] += float(f[win].sum())
    wages: dict[str, np.ndarray] = {}
    for key, pc in plan.pools.items():
        pool = rep.pools.get(key)
        if pool is None:
            continue
        dt = np.diff(t)
        share = np.divide(np.diff(pc.open_hours), dt, out=np.zeros(n), where=dt > 0)
        pay = _diff(pool.size_area, n) * share * pc.wage
        wages[key] = pay.copy()
        for at, people in pc.hires:
            k = min(int(np.searchsorted(t, at, side="right")) - 1, n - 1)
            if 0 <= k and at <= t[-1]:
                pay[k] += people * pc.hire_cost
        m.cash_out += pay
        cat["labour"] += float(pay[win].sum())
    own, bench, moved = _station_labour(rep, plan, wages, n)
    m.cash_out += own + bench                    # a moved crew wage is already paid with its pool
    cat["labour"] += float((own - moved)[win].sum())
    cat["rework"] += float((bench + moved)[win].sum())
    fixed = np.diff(t) * (plan.site_fixed + sum(s.fixed for s in plan.stations.values()))
    m.cash_out += fixed
    cat["fixed"] = float(fixed[win].sum())
    cat["capital_charge"] = plan.capital * plan.capital_charge * span / YEAR
    for ev in rep.rules:          # a rule's capex is paid when it fires, charged from when it acts
        capex = plan.rule_capex.get(ev.rule, 0.0)
        if capex:
            k = min(int(np.searchsorted(t, ev.fired, side="right")) - 1, n - 1)
            m.cash_out[k] += capex
            m.rule_capex += capex
            cat["capital_charge"] += capex * plan.capital_charge * max(0.0, float(t[-1]) - max(ev.acts, float(t[i]))) / YEAR
    held = {"stock": 0.0, "wip": 0.0, "transit": 0.0}
    for inv in rep.inventories.values():
        held["stock"] += float(inv.area[-1] - inv.area[i]) * value.get(inv.item, 0.0)
    for key, st in rep.stations.items():
        unit = float(np.mean([value.get(it, 0.0) for it in st.items])) if st.items else 0.0
        held["wip"] += float(st.wip_area[-1] - st.wip_area[i]) * unit
        cat["scrap"] += float(st.scrapped[-1] - st.scrapped[i]) * unit
        sc_ = plan.stations.get(key)
        if sc_ is not None and sc_.power_kw and not st.hall:   # a hall's racks: counted by the hall below
            energy = _diff(st.time_in_state["busy"], n) * sc_.power_kw * plan.energy_price
            m.cash_out += energy
            cat["energy"] += float(energy[win].sum())
    for hall in rep.halls.values():              # racks under test in a hall: the kWh they drew
        energy = _diff(hall.kwh, n) * plan.energy_price
        m.cash_out += energy
        cat["energy"] += float(energy[win].sum())
    if plan.ended:      # stock of an ended generation, written off at its salvage (an OCCASIONAL_CATEGORIES one)
        leftover = written_off(rep)
        cat["obsolescence"] = sum(units * (value.get(item, 0.0) - plan.ended[item]) for item, units in leftover.items())
        m.salvage += sum(units * plan.ended[item] for item, units in leftover.items())
    for name, lane in rep.lanes.items():
        item = plan.lanes[name][2] if name in plan.lanes else None
        if item is not None:
            held["transit"] += float(lane.transit_area[-1] - lane.transit_area[i]) * value.get(item, 0.0)
    m.held = {k: v / span if span > 0 else 0.0 for k, v in held.items()}
    cat["carrying"] = plan.carrying_rate * sum(held.values()) / YEAR
    for product in rep.products:
        good = sum(float(inv.units_in[-1] - inv.units_in[i])
                   for inv in (rep.inventories.get(InventoryKey(s, product)) for s in rep.product_sites(product))
                   if inv is not None)
        m.good += good
        cat["materials"] += good * value.get(product, 0.0)
        for family, v in family_value.get(product, {}).items():
            fams[family] += good * v
        salvage = plan.revenue.get(product, (0.0, 0.0))[1] if product not in plan.ended else 0.0
        left = sum(float(inv.level[-1]) for inv in (rep.inventories.get(InventoryKey(s, product))
                                                     for s in rep.product_sites(product)) if inv is not None)
        m.unsold[product] = left
        m.salvage += left * salvage
    for d in rep.demands.values():
        price = plan.revenue.get(d.item, (0.0, 0.0))[0]
        earned = _diff(d.units_shipped, n) * price
        m.cash_in += earned
        m.revenue += float(earned[win].sum())
    m.families = dict(fams)
    return m


def cash_curve(rep: Replication, plan: CostPlan, m: Money) -> tuple[np.ndarray, np.ndarray, float]:
    """(times at the end of each interval, cumulative cash there from time 0, NPV)."""
    t = rep.times
    cash = m.cash_in - m.cash_out
    cum = -plan.capital + np.cumsum(cash)
    cum[-1] += m.salvage
    r = plan.discount_rate
    disc = (1 + r) ** (-t[1:] / YEAR)
    npv = -plan.capital + float((cash * disc).sum()) + m.salvage * float(disc[-1])
    return t[1:], cum, npv


def payback_week(ends: np.ndarray, cum: np.ndarray) -> float:
    """The week from which cumulative cash stays >= 0 (0 if never below; NaN if below at the end)."""
    below = np.nonzero(cum < 0)[0]
    if not len(below):
        return 0.0
    if below[-1] == len(cum) - 1:
        return math.nan
    return float(ends[below[-1] + 1] / WEEK)


def cost_rows(rep: Replication, plan: CostPlan, i: int) -> list[KpiRow]:
    """KPI rows of the economic layer for the window from snapshot i, at the scenario's `plan`."""
    if len(rep.times) < 2:
        return []
    m = money(rep, plan, i)
    cur = plan.currency
    rows: list[KpiRow] = []

    def add(kpi: str, subject: str, unit: str, value: float) -> None:
        rows.append(KpiRow(kpi, subject, unit, float(value)))

    span = float(rep.times[-1] - rep.times[i])
    weeks = span / WEEK if span > 0 else math.nan
    total = sum(m.categories.values())
    if m.good > 0:
        add("cost_per_rack", "total", f"{cur}/rack", total / m.good)
        for c in m.categories:
            add("cost_per_rack", c, f"{cur}/rack", m.categories[c] / m.good)
        for f, v in sorted(m.families.items()):
            add("cost_per_rack_family", f, f"{cur}/rack", v / m.good)
    add("cost_total", "all", cur, total)
    add("tariffs_paid", "all", cur, m.categories["tariffs"])
    if "obsolescence" in m.categories:
        add("obsolescence", "all", cur, m.categories["obsolescence"])
    received = sum(m.received.values())
    if received > 0:
        for region, v in sorted(m.received.items()):
            add("value_share", region, "share of value", v / received)
    add("working_capital", "stock", cur, m.held["stock"])
    add("working_capital", "wip", cur, m.held["wip"])
    add("working_capital", "transit", cur, m.held["transit"])
    add("working_capital", "total", cur, sum(m.held.values()))
    add("capital_employed", "all", cur, plan.capital + m.rule_capex + sum(m.held.values()))
    add("revenue", "all", cur, m.revenue + m.salvage)
    add("margin", "all", f"{cur} (net)", m.revenue + m.salvage - total)
    for product, left in m.unsold.items():
        add("unsold_at_end", product, "units", left)
    ends, cum, npv = cash_curve(rep, plan, m)
    win = np.arange(len(ends)) >= i
    add("cash_per_week", "all", f"{cur}/week (net)", float((m.cash_in - m.cash_out)[win].sum()) / weeks)
    add("npv", "all", f"{cur} (net)", npv)
    add("payback_week", "all", "w", payback_week(ends, cum))
    for end, value in zip(ends, cum):
        add("cumulative_cash", f"week {end / WEEK:.4g}", f"{cur} (net)", value)
    return rows
