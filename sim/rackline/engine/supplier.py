"""Suppliers and the replenishment policies that order from them.

A `Supplier` makes orders first-in first-out at its capacity (if it has one), in
lots of at most one week of capacity, and ships each lot with a stochastic lead
time; a share `1 - reliability` of lots arrive `late_by` later. A disruption scales
its capacity; at 0 the supplier neither makes nor delivers (a port closure or an
export stop): lots due during the outage arrive when it ends. `Replenishment` watches an inventory's position (on hand + on order) and
splits each order across suppliers so that the cumulative units follow the shares
exactly (largest deficit first), which keeps the localization lever precise.
"""
from __future__ import annotations

import math
from array import array
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    import numpy as np

    from rackline.engine.clock import Clock
    from rackline.engine.inventory import Inventory
    from rackline.scenario.model import Supplier as SupplierSpec

GREEDY_TAIL = 64   # units of each order placed one at a time, largest deficit first


class ResolvedPolicy(Protocol):
    """A replenishment `Policy` after the scenario's resolve step (`scenario.resolve`): its
    levels are units (the declared model's fields may be cover, or None)."""

    @property
    def type(self) -> str: ...
    @property
    def s(self) -> int: ...
    @property
    def S(self) -> int: ...
    @property
    def R(self) -> int: ...
    @property
    def Q(self) -> int: ...
    @property
    def review(self) -> float: ...


def resolved_policy(policy: object, path: str) -> ResolvedPolicy:
    """`policy` as the engine runs it: every level in units. A level still written as
    cover means the scenario skipped its resolve step (a programming error, not input)."""
    from rackline.scenario.values import Cover
    if any(isinstance(getattr(policy, k, None), Cover) for k in ("s", "S", "R", "Q")):
        raise ValueError(f"{path}: levels written as cover reach the engine; run scenario.resolve.resolve first")
    return cast(ResolvedPolicy, policy)


class Supplier:
    def __init__(self, clock: Clock, name: str, spec: SupplierSpec, lead: Callable[[], float],
                 late: Callable[[], float], rng: np.random.Generator) -> None:
        self.clock = clock
        self.name = name
        self.item = spec.item
        self.region = spec.region
        self.capacity = spec.capacity          # units per hour, or None
        self.reliability = spec.reliability
        self.lead = lead
        self.late = late
        self._random = rng.random
        self.factor = 1.0
        self.lot = max(1, int(self.capacity * 168.0)) if self.capacity else 0
        self.queue: deque[list[Any]] = deque()   # orders waiting to be made: [units left, inventory, placed]
        self.held: list[tuple[int, Inventory, float]] = []   # lots that arrived during an outage
        self.making: list[Any] | None = None     # the lot being made: [qty, inventory, placed, work left]
        self._since = 0.0
        self._token = 0
        self.ordered = 0
        self.delivered = 0
        self.orders = 0
        self.lead_times = array("d")   # flat: delivered at, placed -> delivered (a row a delivery)
        self.allocation = spec.allocation       # units granted per period (None: no allocation)
        self.grant = math.inf if spec.allocation is None else 0   # units it may still make this period
        self.granted = 0
        self.used = 0
        self.lost = 0
        if spec.allocation is not None:
            clock.call_at(spec.allocation.start or 0.0, self._period)

    def who(self, args: tuple[Any, ...]) -> str:
        return f"supplier {self.name}"

    def _period(self) -> None:
        """A new allocation period: its grant (cut by a disruption in force), plus what is
        carried from the last one or less what is lost."""
        a = self.allocation
        assert a is not None, "only a supplier under an allocation has periods"
        grant = int(math.floor(a.units * min(1.0, self.factor) + 1e-9))
        if a.undelivered == "lost":
            self.lost += int(self.grant)
            self.grant = grant
        else:
            self.grant += grant
        self.granted += grant
        self.clock.call_in(a.per, self._period)
        self._next()

    def order(self, qty: int, inv: Inventory) -> None:
        self.ordered += qty
        self.orders += 1
        self.queue.append([qty, inv, self.clock.now])
        if self.making is None:
            self._next()

    def _next(self) -> None:
        """Start the next lot: at most a week of capacity cut from the oldest order
        (lots are cut as they start, so an order of any size is one queue entry)."""
        if self.making is not None or not self.queue or self.factor <= 0.0 or self.grant < 1:
            return
        order = self.queue[0]
        n = min(order[0], self.lot) if self.capacity else order[0]
        if self.allocation is not None:
            n = min(n, int(self.grant))
            self.grant -= n
            self.used += n
        order[0] -= n
        if order[0] <= 0:
            self.queue.popleft()
        self.making = [n, order[1], order[2], n / self.capacity if self.capacity else 0.0]
        self._since = self.clock.now
        self._token += 1
        self.clock.call_in(self.making[3] / self.factor, self._made, self._token)

    def _made(self, token: int) -> None:
        if token != self._token or self.making is None:
            return
        qty, inv, placed, _ = self.making
        self.making = None
        delay = self.lead()
        if self.capacity is None and self.factor < 1.0:
            delay /= self.factor      # an uncapacitated supplier slows its lead time instead
        if self.reliability < 1.0 and self._random() >= self.reliability:
            delay += self.late()
        self.clock.call_in(delay, self._deliver, qty, inv, placed)
        self._next()

    def _deliver(self, qty: int, inv: Inventory, placed: float) -> None:
        if self.factor <= 0.0:
            self.held.append((qty, inv, placed))
            return
        self.delivered += qty
        now = self.clock.now
        self.lead_times.extend((now, now - placed))
        inv.on_order -= qty
        inv.put(qty)

    def set_factor(self, factor: float) -> None:
        now = self.clock.now
        if self.making is not None:
            m = self.making
            m[3] = max(0.0, m[3] - (now - self._since) * self.factor)
            self._since = now
            self._token += 1
            if factor > 0.0:
                self.clock.call_in(m[3] / factor, self._made, self._token)
        self.factor = factor
        if factor > 0.0 and self.held:
            held, self.held = self.held, []
            for lot in held:
                self._deliver(*lot)
        self._next()

    def snapshot(self) -> dict[str, float]:
        out: dict[str, float] = {"ordered": self.ordered, "delivered": self.delivered, "orders": self.orders}
        if self.allocation is not None:
            out.update({"granted": self.granted, "used": self.used, "lost": self.lost,
                        "short": sum(o[0] for o in self.queue)})
        return out


class Replenishment:
    """(s,S), (R,Q), base stock or periodic review on an inventory's position."""

    def __init__(self, clock: Clock, policy: ResolvedPolicy, suppliers: list[tuple[Supplier, float]]) -> None:
        self.clock = clock
        self.p = policy
        self.suppliers = suppliers
        self.allocated = [0] * len(suppliers)
        self.total = 0

    def who(self, args: tuple[Any, ...]) -> str:
        return f"the reorder policy of {args[0].key}" if args else "a reorder policy"

    def set_shares(self, shares: tuple[float, ...]) -> None:
        """A new split (a cost-aware `sourcing` after a tariff step): the units ordered
        from now on follow it, whatever the old split had reached."""
        self.suppliers = [(supplier, share) for (supplier, _), share in zip(self.suppliers, shares)]
        self.allocated = [0] * len(shares)
        self.total = 0

    def start(self, inv: Inventory) -> None:
        if self.p.type == "periodic":
            self._periodic(inv)
        else:
            self.review(inv)

    def _periodic(self, inv: Inventory) -> None:
        pos = inv.level + inv.on_order
        if pos < self.p.S:
            self._order(inv, self.p.S - pos)
        self.clock.call_in(self.p.review, self._periodic, inv)

    def review(self, inv: Inventory) -> None:
        t = self.p.type
        if t == "periodic":
            return
        pos = inv.level + inv.on_order
        if t == "sS":
            if pos <= self.p.s:
                self._order(inv, self.p.S - pos)
        elif t == "RQ":
            if pos <= self.p.R:
                self._order(inv, self.p.Q * (math.floor((self.p.R - pos) / self.p.Q) + 1))
        elif pos < self.p.S:  # base stock: one for one
            self._order(inv, self.p.S - pos)

    def _order(self, inv: Inventory, qty: int) -> None:
        if inv.capacity != math.inf:
            qty = int(min(qty, inv.capacity - inv.level - inv.on_order))
        if qty <= 0:
            return
        inv.on_order += qty
        for (supplier, _), n in zip(self.suppliers, self._split(qty)):
            if n:
                supplier.order(n, inv)

    def _split(self, qty: int) -> list[int]:
        """Units of an order for each supplier, so that cumulative units follow the
        shares: the bulk goes arithmetically (each supplier up to GREEDY_TAIL units short
        of its share of the new total), the last units one at a time to the supplier
        furthest behind its share (so a huge order costs no more than a small one)."""
        shares = [s for _, s in self.suppliers]
        target = self.total + qty
        split = [max(0, math.floor(s * target - a) - GREEDY_TAIL) for s, a in zip(shares, self.allocated)]
        excess = sum(split) - qty
        for k in sorted(range(len(split)), key=lambda i: -split[i]):    # (rounding) never more than ordered
            if excess <= 0:
                break
            cut = min(excess, split[k])
            split[k] -= cut
            excess -= cut
        for k, n in enumerate(split):
            self.allocated[k] += n
        self.total += sum(split)
        for _ in range(qty - sum(split)):
            self.total += 1
            k = max(range(len(shares)), key=lambda i: shares[i] * self.total - self.allocated[i])
            self.allocated[k] += 1
            split[k] += 1
        return split
