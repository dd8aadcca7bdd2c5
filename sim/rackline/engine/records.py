"""What one replication measured, as typed records: the seam between engine and analysis.

The engine snapshots its cumulative counters at every week boundary (and at the
warm-up and the horizon); each record keeps those counters as named numpy arrays,
one value per snapshot time in `Replication.times`, beside the static facts the
analysis needs (a station's site, servers, items, inputs; a demand's due time).
A KPI over any window is then a difference of two entries. Records hold only
numbers, strings and arrays, so they pickle cheaply between processes.

Analysis and plots import this module (and `rackline.states`, `rackline.units`)
and nothing else from the engine.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from rackline.states import State


class InventoryKey(NamedTuple):
    """An inventory is an item at a site; written `site/item` in tables."""

    site: str
    item: str

    @property
    def label(self) -> str:
        return f"{self.site}/{self.item}"


class DisruptionEvent(NamedTuple):
    """One disruption as it happened: capacity multiplier over [start, end)."""

    name: str
    target: str
    start: float
    end: float
    capacity: float


class RuleEvent(NamedTuple):
    """One firing of an adaptive rule: decided at `fired`, the change made at `acts` (hours)."""

    rule: str
    fired: float
    acts: float
    action: str


@dataclass(frozen=True)
class Deadlock:
    """One loop of stations that wait on each other, and since when."""

    loop: tuple[str, ...]   # station, stock (why), station, ... ending at the first station
    since: float            # hours: when the last of them finished its last unit

    def __str__(self) -> str:
        return f"deadlock since {self.since:.6g} h: " + " -> ".join(self.loop)


@dataclass(slots=True)
class StationRecord:
    site: str
    servers: int
    items: tuple[str, ...]                 # what its recipes make
    inputs: tuple[str, ...]                # what its recipes consume, sorted
    time_in_state: dict[State, np.ndarray]  # server-hours in each state (summed over servers)
    completions: np.ndarray
    wip_area: np.ndarray                   # integral of units in the station
    sojourn: np.ndarray                    # summed hours units spent in it
    scrapped: np.ndarray
    wip: np.ndarray
    made: dict[str, np.ndarray]            # item -> units completed
    good: dict[str, np.ndarray]            # item -> units that passed
    starved_on: dict[str, np.ndarray]      # input item -> server-hours starved on it
    periods: np.ndarray                    # (n, 2) active periods [start, end) for the bottleneck method
    wip_area_by_item: dict[str, np.ndarray] = field(default_factory=dict)   # item -> integral of its units in it
    serves: tuple[str, ...] = ()           # products whose bill of materials loads it (scenario.flows.routes)
    hall: str = ""                         # `site.hall` whose power its units draw ("" when none)
    cluster: int = 0                       # units an L12 cluster test starts together (0: not a cluster)


@dataclass(slots=True)
class InventoryRecord:
    site: str
    item: str
    level: np.ndarray
    area: np.ndarray                       # integral of the level
    zero_time: np.ndarray                  # hours at level zero
    units_in: np.ndarray
    units_out: np.ndarray
    flow_sum: np.ndarray                   # summed build times of units that arrived (start of their path -> here)
    flow_n: np.ndarray                     # units that arrived with a known build start
    on_order: np.ndarray

    @property
    def label(self) -> str:
        return f"{self.site}/{self.item}"


@dataclass(slots=True)
class DemandRecord:
    site: str
    item: str
    due: float                             # quoted lead time, hours
    capacity: bool                         # "take all you can make": no orders, no backlog
    orders: np.ndarray
    units_ordered: np.ndarray
    units_shipped: np.ndarray
    filled_at_once: np.ndarray
    backlog: np.ndarray
    backlog_area: np.ndarray
    arrivals: np.ndarray                   # (n, 2): arrival time, filled at once (0/1)
    lead_times: np.ndarray                 # (n, 3): arrival, filled at, lead time


@dataclass(slots=True)
class SupplierRecord:
    region: str
    ordered: np.ndarray
    delivered: np.ndarray
    orders: np.ndarray
    lead_times: np.ndarray                 # (n, 2): delivered at, placed -> delivered
    # under an allocation: cumulative granted, used and lost units, and units waiting for a grant (short)
    allocation: dict[str, np.ndarray] = field(default_factory=dict)
    allocation_per: float = 0.0            # hours in one allocation period (0: no allocation)


@dataclass(slots=True)
class HallRecord:
    """A test hall: its cap, the energy drawn (cumulative kWh) and each interval's peak kW."""

    site: str
    cap_kw: float
    binding: str                           # power or cooling: which sets the cap
    kwh: np.ndarray
    peak_kw: np.ndarray                    # the most drawn since the previous snapshot
    stations: tuple[str, ...]              # stations testing in it


@dataclass(slots=True)
class LaneRecord:
    shipped: np.ndarray
    in_transit: np.ndarray
    transit_area: np.ndarray
    loads: np.ndarray
    item: str = ""                         # what it carries


@dataclass(slots=True)
class PoolRecord:
    busy_area: np.ndarray                  # people-hours working
    size_area: np.ndarray                  # people-hours on the roster
    size: np.ndarray


@dataclass(slots=True)
class Replication:
    """Everything one replication measured. Dicts keep the scenario's order."""

    replication: int
    horizon: float
    times: np.ndarray                      # snapshot times, hours
    products: tuple[str, ...]              # items some demand asks for, sorted
    stations: dict[str, StationRecord]
    inventories: dict[InventoryKey, InventoryRecord]
    demands: dict[str, DemandRecord]
    suppliers: dict[str, SupplierRecord]
    lanes: dict[str, LaneRecord]
    pools: dict[str, PoolRecord]
    disruptions: list[DisruptionEvent] = field(default_factory=list)
    rules: list[RuleEvent] = field(default_factory=list)        # adaptive rules that fired
    rule_names: tuple[str, ...] = ()                            # every rule the scenario declares
    families: dict[str, str] = field(default_factory=dict)     # declared item -> its family
    item_units: dict[str, str] = field(default_factory=dict)   # declared item -> what one unit is (rack, tray)
    made_items: tuple[str, ...] = ()       # items some station makes or sends failed units to, sorted
    deadlocks: list[Deadlock] = field(default_factory=list)   # loops of stations stuck for good at the end
    events: int = 0
    wall: float = 0.0
    # product -> cumulative units made at each snapshot in this same replication run
    # without the scenario's disruptions (common random numbers); empty when not run
    undisrupted: dict[str, np.ndarray] = field(default_factory=dict)
    # product -> hours from which it is active (its introduction or first demand; scenario.flows.product_starts)
    starts: dict[str, float] = field(default_factory=dict)
    halls: dict[str, HallRecord] = field(default_factory=dict)   # `site.hall` -> what it measured
    ended: dict[str, float] = field(default_factory=dict)        # item of an ended generation -> its end, hours

    @property
    def periods(self) -> dict[str, np.ndarray]:
        """Active periods per station (the bottleneck method's input)."""
        return {key: st.periods for key, st in self.stations.items()}

    def product_sites(self, product: str) -> list[str]:
        """Sites where some demand takes `product`, sorted."""
        return sorted({d.site for d in self.demands.values() if d.item == product})
