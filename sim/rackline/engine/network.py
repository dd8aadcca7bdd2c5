"""Build one replication's item-flow network from a validated scenario, and run it.

Every random process gets its own stream named after what it is
(`station:texas.l11_test:time:rack`), so scenarios that share a process share its
random numbers. The run records cumulative counters at every week boundary (and at
the warm-up and the horizon); KPIs for any warm-up are differences of those
snapshots, computed later in `rackline.analysis.kpis` from the typed records built here
(`rackline.engine.records`).
"""
from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, cast

import numpy as np

from rackline.engine.calendar import ShiftCalendar
from rackline.engine.clock import Clock
from rackline.engine.deadlock import find_deadlocks
from rackline.engine.demand import Demand
from rackline.engine.disruption import Disruptions
from rackline.engine.inventory import Inventory
from rackline.engine.lane import Lane
from rackline.engine.quiet import QuietInventory, QuietStation
from rackline.engine.records import (
    DemandRecord,
    DisruptionEvent,
    HallRecord,
    InventoryKey,
    InventoryRecord,
    LaneRecord,
    PoolRecord,
    Replication,
    RuleEvent,
    StationRecord,
    SupplierRecord,
)
from rackline.engine.release import Authorization, Loop, requirements
from rackline.engine.rules import Rules
from rackline.engine.series import Series, Snapshot
from rackline.engine.station import Station
from rackline.engine.supplier import Replenishment, Supplier, resolved_policy
from rackline.engine.test_hall import Hall
from rackline.engine.work import RecipeRun
from rackline.engine.workforce import Pool
from rackline.scenario.distributions import Sampler
from rackline.scenario.flows import product_starts, routes
from rackline.scenario.landed import sourcing_steps
from rackline.scenario.model import Scenario
from rackline.states import HALL_STATES, STATES
from rackline.units import WEEK

if TYPE_CHECKING:
    from rackline.engine.disruption import Target
    from rackline.scenario.distributions import CountDist, DurationDist
    from rackline.scenario.stations import Station as StationSpec


class Network:
    def __init__(self, sc: Scenario, clock: Clock, measure: bool = True):
        self.sc = sc
        self.clock = clock
        self._inventory_cls = Inventory if measure else QuietInventory
        self._station_cls = Station if measure else QuietStation
        self.inventories: dict[tuple[str, str], Inventory] = {}
        self.stations: dict[str, Station] = {}
        self.suppliers: dict[str, Supplier] = {}
        self.lanes: dict[str, Lane] = {}
        self.demands: dict[str, Demand] = {}
        self.pools: dict[str, Pool] = {}
        self.calendars: dict[str, ShiftCalendar] = {}
        self.halls: dict[str, Hall] = {}
        self.replenish: list[tuple[Replenishment, Inventory]] = []
        self.disruptions = Disruptions(clock)
        self._build()

    # ---- helpers ------------------------------------------------------------------------
    def sampler(self, dist: DurationDist | CountDist, key: str) -> Sampler:
        return Sampler(dist, self.clock.stream(key))

    def inventory(self, site: str, item: str) -> Inventory:
        inv = self.inventories.get((site, item))
        if inv is None:
            spec = self.sc.sites[site].inventories.get(item)
            inv = self._inventory_cls(self.clock, site, item, spec.initial if spec else 0,
                            spec.capacity if spec else math.inf, made=item in self.made)
            self.inventories[(site, item)] = inv
        return inv

    def _build(self) -> None:
        sc, clock = self.sc, self.clock
        self.made = {item for _, _, st in sc.station_items() for item in st.recipes()}
        self.made |= {r.fail_to for _, _, st in sc.station_items() for r in st.recipes().values()
                      if r.fail_to != "scrap"}
        self.made |= {lane.item for lane in sc.lanes.values() if lane.item in self.made}
        for name, cal in sc.calendars.items():
            self.calendars[name] = ShiftCalendar(clock, name, cal)
        for site_name, site in sc.sites.items():
            for pname, pspec in site.workforce.items():
                self.pools[f"{site_name}.{pname}"] = Pool(clock, f"{site_name}.{pname}", pspec)
            for item in site.inventories:
                self.inventory(site_name, item)
            for hname, hall in site.test_halls.items():
                self.halls[f"{site_name}.{hname}"] = Hall(clock, f"{site_name}.{hname}", hall.cap_kw,
                                                             hall.power_queue == "in_turn")
        for name, sp in sc.suppliers.items():
            self.suppliers[name] = Supplier(clock, name, sp, self.sampler(sp.lead_time, f"supplier:{name}:lead"),
                                            self.sampler(sp.late_by, f"supplier:{name}:late"),
                                            clock.stream(f"supplier:{name}:reliability"))
        for site_name, site in sc.sites.items():
            for item, ispec in site.inventories.items():
                if ispec.policy is not None:
                    inv = self.inventory(site_name, item)
                    policy = resolved_policy(ispec.policy, f"sites.{site_name}.inventories.{item}.policy")
                    (_, first), *later = sourcing_steps(sc, ispec)   # the split in force from time 0, then its moves
                    rep = Replenishment(clock, policy, [(self.suppliers[s], share)
                                                        for s, share in zip(ispec.suppliers, first)])
                    for at, shares in later:
                        clock.call_at(at, rep.set_shares, shares)
                    inv.policy = rep
                    self.replenish.append((rep, inv))
        introduced = {item: gen.introduced for gen in sc.generations.values() for item in gen.items}
        self.ended = {item: float(gen.ends) for gen in sc.generations.values() if gen.ends is not None
                      for item in gen.items}
        for site_name, st_name, spec in sc.station_items():
            self._build_station(site_name, st_name, spec, introduced)
        for name, lspec in sc.lanes.items():
            origin, dest = self.inventory(lspec.origin, lspec.item), self.inventory(lspec.to, lspec.item)
            lane = Lane(clock, name, lspec, origin, dest, self.sampler(lspec.transit, f"lane:{name}:transit"))
            origin.consumers.append(lane)
            dest.producers.append(lane)
            self.lanes[name] = lane
        for name, dspec in sc.demand.items():
            inv = self.inventory(dspec.site, dspec.item)
            inv.track_flow = inv.births is not None
            d = Demand(clock, name, dspec, inv, arrival_rng=clock.stream(f"demand:{name}:arrivals"),
                       size=self.sampler(dspec.order_size, f"demand:{name}:size"),
                       interarrival=(self.sampler(dspec.interarrival, f"demand:{name}:interarrival")
                                     if dspec.interarrival is not None else None))
            inv.consumers.append(d)
            self.demands[name] = d
        self._build_release()
        self._build_disruptions()
        self.rules = Rules(clock, sc.rules, self.demands, self.stations, self.calendars) if sc.rules else None

    def _build_station(self, site_name: str, st_name: str, spec: StationSpec, introduced: dict[str, float]) -> None:
        clock, key = self.clock, f"{site_name}.{st_name}"
        recipes = []
        for item, r in spec.recipes().items():
            ramp = None
            if r.yield_ramp is not None:
                ramp = (r.yield_ramp.start, r.yield_ramp.units, r.yield_ramp.over)
            process_time = cast("DurationDist", r.process_time)   # recipes() fills in the station's (checked set)
            rr = RecipeRun(item, [(self.inventory(site_name, i), q) for i, q in r.inputs.items()],
                           self.inventory(site_name, item),
                           self.inventory(site_name, r.fail_to) if r.fail_to != "scrap" else None,
                           self.sampler(process_time, f"station:{key}:time:{item}"), r.yield_, ramp,
                           introduced.get(item, 0.0), spec.learning, self.ended.get(item, math.inf),
                           (r.test_power or 0.0) if spec.hall is not None else 0.0)
            recipes.append(rr)
        site = self.sc.sites[site_name]
        failures = None
        if spec.failures is not None:
            f = spec.failures
            failures = {"mtbf": self.sampler(f.mtbf, f"station:{key}:mtbf"),
                        "mttr": self.sampler(f.mttr, f"station:{key}:mttr"), "basis": f.basis,
                        "pool": self.pools[f"{site_name}.{f.repair_crew.pool}"] if f.repair_crew else None,
                        "crew": f.repair_crew.size if f.repair_crew else 0}
        setup = None
        if len(recipes) > 1 and not (spec.setup.dist == "fixed" and spec.setup.value == 0):
            setup = self.sampler(spec.setup, f"station:{key}:setup")
        st = self._station_cls(clock, key, spec, recipes, yield_rng=clock.stream(f"station:{key}:yield"), setup_sample=setup,
                     pool=self.pools[f"{site_name}.{spec.crew.pool}"] if spec.crew else None, failures=failures,
                     dispatch=spec.dispatch, backlog_of=self._backlog_of,
                     hall=self.halls[f"{site_name}.{spec.hall}"] if spec.hall is not None else None)
        for rr in recipes:
            for inv, _ in rr.inputs:
                if st not in inv.consumers:
                    inv.consumers.append(st)
            for made in (rr.out, rr.fail):
                if made is not None and st not in made.producers:
                    made.producers.append(st)
        cal = spec.calendar or site.calendar
        if cal is not None:
            self.calendars[cal].listeners.append(st)
            st.open = self.calendars[cal].is_open
        self.stations[key] = st

    def _backlog_of(self, item: str) -> int:
        return sum(d.backlog for d in self.demands.values() if d.item == item)

    def _build_release(self) -> None:
        rel = self.sc.release
        if rel.policy == "make_to_order":
            gated = set(rel.stations) if rel.stations else {
                key for key, st in self.stations.items()
                if any(r.item in {d.item for d in self.sc.demand.values()} for r in st.recipes)}
            auths: dict[str, Authorization] = {}
            for key in sorted(gated):
                for r in self.stations[key].recipes:
                    r.auth = auths.setdefault(r.item, Authorization(r.item))
                    r.auth.stations.append(self.stations[key])
            for d in self.demands.values():
                need = requirements(self.sc, d.item)
                d.authorize = [(a, need[item]) for item, a in auths.items() if need.get(item)]
        elif rel.policy == "conwip":
            for name, lspec in rel.loops.items():
                first, last = self.stations[lspec.stations[0]], self.stations[lspec.stations[-1]]
                loop = Loop(name, lspec.cards, first)
                for r in first.recipes:
                    r.loop_start = loop
                for r in last.recipes:
                    r.loop_end = loop

    def _build_disruptions(self) -> None:
        for name, d in self.sc.disruptions.items():
            kind, target = d.target
            targets: list[Target]
            if kind == "supplier":
                targets = [self.suppliers[target]]
            elif kind == "lane":
                targets = [self.lanes[target]]
            elif kind == "station":
                targets = [self.stations[target]]
            else:
                targets = [st for key, st in self.stations.items() if st.site == target]
            every = self.sampler(d.every, f"disruption:{name}:every") if d.every is not None else None
            self.disruptions.add(name, f"{kind}:{target}", targets, d, every,
                                 self.sampler(d.duration, f"disruption:{name}:duration"))

    # ---- running ------------------------------------------------------------------------------
    def start(self) -> None:
        for st in self.stations.values():
            st.settle()
            if st.hall is not None and st.hall.in_turn:     # first in line, it is told when what it needs is lost
                for inv in {inv for r in st.recipes for inv, _ in r.inputs}:
                    inv.in_line.append(st)
                if st.pool is not None:
                    st.pool.in_line.append(st)
        for cal in self.calendars.values():
            cal.start()
        for key, st in self.stations.items():
            spec = self.sc.sites[st.site].stations[key.split(".", 1)[1]]
            if spec.initial_wip:
                st.preload(spec.initial_wip)
            if st.failures:
                st.start_failures()
        for rep, inv in self.replenish:
            rep.start(inv)
        for d in self.demands.values():
            d.start()
        for lane in self.lanes.values():
            lane.start()
        if self.rules is not None:
            self.rules.start()
        for st in self.stations.values():
            st.try_start()
            for r in st.recipes:
                if r.available_from > 0:
                    self.clock.call_at(r.available_from, st.try_start)
                if st.hall is not None and st.hall.in_turn and math.isfinite(r.available_until):
                    self.clock.call_at(r.available_until, st.try_start)   # its generation ended: out of the line

    def snapshot(self) -> Snapshot:
        """Every building block's cumulative counters now, by kind and key."""
        return {kind: {key: obj.snapshot() for key, obj in objs.items()}
                for kind, objs in (("station", self.stations), ("supplier", self.suppliers), ("lane", self.lanes),
                                   ("demand", self.demands), ("pool", self.pools),
                                   ("inventory", self.inventories), ("hall", self.halls))}

    def record(self, snaps: Series, times: np.ndarray, replication: int, horizon: float) -> Replication:
        """The typed record of a finished run from its snapshots."""
        series = snaps.of

        def prefixed(ser: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
            return {m[len(prefix):]: v for m, v in ser.items() if m.startswith(prefix)}

        serving = routes(self.sc)
        stations = {}
        for key, st in self.stations.items():
            ser = series("station", key)
            st_spec = self.sc.sites[st.site].stations[key.split(".", 1)[1]]
            states = STATES if st_spec.hall is not None else tuple(s for s in STATES if s not in HALL_STATES)
            p = np.asarray(st.periods, dtype=float)
            if len(p) % 2:
                p = np.append(p, horizon)
            stations[key] = StationRecord(
                site=st.site, servers=st.n_servers, items=tuple(r.item for r in st.recipes),
                inputs=tuple(sorted({inv.item for r in st.recipes for inv, _ in r.inputs})),
                time_in_state={s: ser[f"time_{s}"] for s in states}, completions=ser["completions"],
                wip_area=ser["wip_area"], sojourn=ser["sojourn"], scrapped=ser["scrapped"], wip=ser["wip"],
                made=prefixed(ser, "made:"), good=prefixed(ser, "good:"), starved_on=prefixed(ser, "starved_on:"),
                periods=np.asarray(p, dtype=float).reshape(-1, 2), wip_area_by_item=prefixed(ser, "wip_area:"),
                serves=tuple(product for product, used in serving.items() if key in used),
                hall=f"{st.site}.{st_spec.hall}" if st_spec.hall is not None else "", cluster=st_spec.cluster or 0)
        inventories = {}
        for site, item in self.inventories:
            ser = series("inventory", (site, item))
            inventories[InventoryKey(site, item)] = InventoryRecord(site=site, item=item, **ser)
        demands = {}
        for name, d in self.demands.items():
            spec = self.sc.demand[name]
            demands[name] = DemandRecord(
                site=spec.site, item=spec.item, due=float(spec.due), capacity=bool(spec.capacity),
                **series("demand", name),
                arrivals=np.asarray(d.arrivals, dtype=float).reshape(-1, 2),
                lead_times=np.asarray(d.lead_times, dtype=float).reshape(-1, 3))
        suppliers = {}
        for name, sp in self.suppliers.items():
            ser = series("supplier", name)
            alloc: dict[str, np.ndarray] = {k: ser.pop(k) for k in ("granted", "used", "lost", "short") if k in ser}
            suppliers[name] = SupplierRecord(region=self.sc.suppliers[name].region, **ser,
                                             lead_times=np.asarray(sp.lead_times, dtype=float).reshape(-1, 2),
                                             allocation=alloc, allocation_per=float(sp.allocation.per)
                                             if sp.allocation is not None else 0.0)
        halls = {}
        for key, hall in self.halls.items():
            site, hname = key.split(".", 1)
            ser = series("hall", key)
            spec_hall = self.sc.sites[site].test_halls[hname]
            halls[key] = HallRecord(site=site, cap_kw=hall.cap, binding=spec_hall.binding, kwh=ser["kwh"],
                                    peak_kw=ser["peak_kw"],
                                    stations=tuple(k for k, st in self.stations.items() if st.hall is hall))
        return Replication(
            replication=replication, horizon=horizon, times=times,
            products=tuple(sorted({d.item for d in self.sc.demand.values()})), stations=stations,
            inventories=inventories, demands=demands, suppliers=suppliers,
            lanes={name: LaneRecord(**series("lane", name), item=self.sc.lanes[name].item) for name in self.lanes},
            pools={name: PoolRecord(**series("pool", name)) for name in self.pools},
            disruptions=[DisruptionEvent(*e) for e in self.disruptions.log],
            rules=[RuleEvent(*e) for e in self.rules.log] if self.rules is not None else [],
            rule_names=tuple(self.sc.rules),
            families={k: v.family if v else "other" for k, v in self.sc.items.items()},
            item_units={k: v.unit if v else "unit" for k, v in self.sc.items.items()}, made_items=tuple(sorted(self.made)),
            starts=product_starts(self.sc), halls=halls, ended=dict(self.ended))


def snapshot_times(horizon: float, warmup: float | str) -> list[float]:
    times = set(np.arange(0.0, horizon, WEEK).tolist()) | {horizon}
    if isinstance(warmup, (int, float)) and 0 < warmup < horizon:
        times.add(float(warmup))
    return sorted(times)


def run_replication(sc: Scenario, replication: int, seed: int | None = None, measure: bool = True) -> Replication:
    """Run one replication of `sc` and return what it measured (`measure=False`, for
    benchmarks only, skips time-in-state and time-weighted accounting)."""
    t0 = time.perf_counter()
    clock = Clock(sc.run.seed if seed is None else seed, replication)
    net = Network(sc, clock, measure)
    horizon = sc.run.horizon
    times = snapshot_times(horizon, sc.run.warmup)
    snaps = Series()
    net.start()
    for t in times[1:-1]:
        clock.call_at(t, lambda: snaps.add(net.snapshot()))
    snaps.add(net.snapshot())       # time 0: taken before the clock runs, so first
    clock.run(horizon)
    snaps.add(net.snapshot())
    rec = net.record(snaps, np.asarray(times[:snaps.n], dtype=float), replication, horizon)
    rec.events = clock.events()
    rec.deadlocks = find_deadlocks(net.stations)
    rec.wall = time.perf_counter() - t0
    return rec
