"""Demand: orders for a product at its shipping site, filled first come first served.

Orders arrive at a piecewise-constant rate (Poisson or evenly spread), or with a
given time between orders; unmet units wait as backorders. In capacity mode the
customer takes every unit as it is made, which measures the maximum rate.
"""
from __future__ import annotations

import math
from array import array
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rackline.scenario.distributions import Blocks, Sampler

if TYPE_CHECKING:
    import numpy as np

    from rackline.engine.clock import Clock
    from rackline.engine.inventory import Inventory
    from rackline.engine.release import Authorization
    from rackline.scenario.model import Demand as DemandSpec


def periods_of(spec: DemandSpec) -> list[tuple[float, float]]:
    """[(from, rate per hour)] sorted; rate 0 before the first period."""
    if spec.rate is not None:
        return [(0.0, spec.rate)]
    return sorted((p.start, p.rate) for p in spec.schedule)  # type: ignore[union-attr]  # called with one or the other


def next_time(periods: list[tuple[float, float]], t: float, work: float) -> float:
    """The time at which the cumulative rate from t reaches `work` (inf if never)."""
    for i, (start, rate) in enumerate(periods):
        end = periods[i + 1][0] if i + 1 < len(periods) else math.inf
        if end <= t:
            continue
        a = max(t, start)
        if rate > 0.0:
            cap = rate * (end - a)
            if work <= cap:
                return a + work / rate
            work -= cap
    return math.inf


class Demand:
    def __init__(self, clock: Clock, name: str, spec: DemandSpec, inv: Inventory, *, arrival_rng: np.random.Generator,
                 size: Callable[[], float], interarrival: Callable[[], float] | None = None) -> None:
        self.clock = clock
        self.name = name
        self.item = spec.item
        self.site = spec.site
        self.inv = inv
        self.spec = spec
        self.capacity_mode = spec.capacity
        self.periods = periods_of(spec) if (spec.rate is not None or spec.schedule) else None
        self._exp = Blocks(arrival_rng.standard_exponential)
        self.size = size
        self.fixed_size = max(1, int(round(spec.order_size.value))) if spec.order_size.dist == "fixed" else 0
        self.interarrival = interarrival
        self.due = spec.due
        self.poisson = spec.arrivals == "poisson"
        self.constant = self.periods is not None and len(self.periods) == 1 and self.periods[0][0] == 0.0 \
            and self.periods[0][1] > 0.0
        self.authorize: list[tuple[Authorization, int]] = []   # [(Authorization, units per product unit)]
        self.orders: deque[list[Any]] = deque()   # [arrival, units left, due]
        self.n_orders = 0
        self.units_ordered = 0
        self.units_shipped = 0
        self.filled_at_once = 0
        self.backlog = 0
        self.backlog_area = 0.0
        self._t_last = 0.0
        # flat arrays of doubles, not lists of tuples: 8 bytes a number instead of ~50 (one row an order)
        self.arrivals = array("d")      # time, filled at once (1.0 / 0.0)
        self.lead_times = array("d")    # arrival, filled at, lead time
        self.option = spec.option                                # an option to buy: orders may never come
        self._option_rng = clock.stream(f"demand:{name}:option") if spec.option is not None else None
        self._decided: list[bool] = []                           # per period (every) or the one decision (at)

    def who(self, args: tuple[Any, ...]) -> str:
        return f"demand {self.name}"

    def start(self) -> None:
        if self.spec.initial_backlog:
            self._new_order(self.spec.initial_backlog)
        if self.capacity_mode:
            self.on_stock()
        else:
            self._schedule(0.0)
        if self.option is not None and self.option.at is not None:
            self.clock.call_at(self.option.at, self._decide)

    def _decide(self) -> None:
        """The one decision of an option `at` a time: exercised, it orders `quantity` now."""
        # _decide and _exercised run only for a demand with an option (and so its stream)
        self._decided.append(bool(self._option_rng.random() < self.option.probability))  # type: ignore[union-attr]
        if self._decided[0]:
            qty = int(round(Sampler(self.option.quantity, self._option_rng)()))  # type: ignore[union-attr, arg-type]
            if qty > 0:
                self._new_order(qty)

    def _exercised(self, t: float) -> bool:
        """Whether an order arriving at `t` is placed under the option (periods drawn in order)."""
        if self.option.at is not None:  # type: ignore[union-attr]
            return bool(self._decided and self._decided[0])
        k = int(t // self.option.every)  # type: ignore[union-attr, operator]  # an option without `at` has `every`
        while len(self._decided) <= k:
            self._decided.append(bool(self._option_rng.random() < self.option.probability))  # type: ignore[union-attr]
        return self._decided[k]

    def _schedule(self, t: float) -> None:
        if self.interarrival is not None:
            gap = self.interarrival()
        else:                                       # no interarrival: a rate or a schedule, so periods
            work = self._exp() if self.poisson else 1.0
            if self.constant:                       # one rate forever: no need to walk periods
                gap = work / self.periods[0][1]  # type: ignore[index]
            else:
                gap = next_time(self.periods, t, work) - t  # type: ignore[arg-type]
        if gap < math.inf:
            self.clock.call_in(gap, self._arrive)

    def _arrive(self) -> None:
        qty = self.fixed_size or max(1, int(round(self.size())))
        if self.option is None or self._exercised(self.clock.now):
            self._new_order(qty)
        self._schedule(self.clock.now)

    def _flush(self) -> None:
        now = self.clock.now
        self.backlog_area += self.backlog * (now - self._t_last)
        self._t_last = now

    def _new_order(self, qty: int) -> None:
        self._flush()
        now = self.clock.now
        self.n_orders += 1
        self.units_ordered += qty
        at_once = not self.orders and self.inv.level >= qty
        self.arrivals.extend((now, at_once))
        if at_once:
            self.filled_at_once += 1
        self.orders.append([now, qty])
        self.backlog += qty
        for auth, per_unit in self.authorize:
            auth.add(qty * per_unit)
        self.on_stock()

    def on_stock(self) -> None:
        inv = self.inv
        if self.capacity_mode:
            if inv.level > 0:
                n = inv.level
                inv.take(n)
                self.units_shipped += n
            return
        if not self.orders or inv.level <= 0:
            return
        self._flush()
        now = self.clock.now
        while self.orders and inv.level > 0:
            order = self.orders[0]
            n = min(order[1], inv.level)
            inv.take(n)
            order[1] -= n
            self.backlog -= n
            self.units_shipped += n
            if order[1] == 0:
                self.orders.popleft()
                self.lead_times.extend((order[0], now, now - order[0]))

    def snapshot(self) -> dict[str, float]:
        self._flush()
        return {"orders": self.n_orders, "units_ordered": self.units_ordered, "units_shipped": self.units_shipped,
                "filled_at_once": self.filled_at_once, "backlog": self.backlog, "backlog_area": self.backlog_area}
