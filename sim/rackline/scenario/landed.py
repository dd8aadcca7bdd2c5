"""Landed cost over time (price x (1 + tariff) of each supplier) and the sourcing split
it moves: a cost-aware inventory (`sourcing:`) shifts its shares after each tariff
step; one that keeps its written shares only pays more, which `fixed_splits_touched`
says when a what-if changes such a cost."""
from __future__ import annotations

import math
from bisect import bisect_right
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rackline.scenario.model import Inventory, Scenario


def rate_at(steps: list[tuple[float, float]] | tuple[tuple[float, float], ...], t: float) -> float:
    """The rate of a sorted [(from hours, rate)] schedule in force at time t (0 before its first step)."""
    k = bisect_right([start for start, _ in steps], t + 1e-9)
    return steps[k - 1][1] if k else 0.0


def landed_costs(sc: Scenario, inv: Inventory, t: float) -> list[float]:
    """Price x (1 + tariff) of each of `inv`'s suppliers (in its order) at time t."""
    c = sc.costs
    assert c is not None
    return [c.prices[n] * (1 + rate_at(c.tariff_steps(n, sc.suppliers[n].region), t)) for n in inv.suppliers]


def reference_costs(sc: Scenario, inv: Inventory) -> list[float]:
    """The landed costs at which `inv`'s written shares hold: its `sourcing.reference`,
    else those in force at the start. A stated reference within rounding of the
    start's landed cost is that cost, so stating it moves nothing by itself."""
    assert inv.sourcing is not None
    start = landed_costs(sc, inv, 0.0)
    ref = inv.sourcing.reference
    if not ref:
        return start
    return [s if math.isclose(ref[n], s, rel_tol=1e-9) else ref[n] for n, s in zip(inv.suppliers, start)]


def sourcing_steps(sc: Scenario, inv: Inventory) -> list[tuple[float, tuple[float, ...]]]:
    """[(from hours, shares in the order of `inv.suppliers`)]: the split in force from
    time 0 (the written shares, unless the landed costs at the start differ from the
    reference), then a new split (`Sourcing`) after each tariff step that changes it."""
    names = list(inv.suppliers)
    written = tuple(inv.suppliers[n] for n in names)
    src, c = inv.sourcing, sc.costs
    if src is None or c is None:
        return [(0.0, written)]
    caps = [src.max_share.get(n, 1.0) for n in names]
    ref = reference_costs(sc, inv)

    def split(landed: list[float]) -> tuple[float, ...]:
        if landed == ref:
            return written
        # s x (now/reference)^-e in logs, scaled by the largest: no overflow, whatever the elasticity
        logs = [math.log(s) - src.elasticity * math.log(now / then) if s > 0 else -math.inf
                for s, now, then in zip(written, landed, ref)]
        top = max(logs)
        raw = [math.exp(x - top) for x in logs]
        total = sum(raw)
        return tuple(_capped([r / total for r in raw], caps))

    steps: list[tuple[float, tuple[float, ...]]] = [(0.0, split(landed_costs(sc, inv, 0.0)))]
    for t in sorted({t for n in names for t, _ in c.tariff_steps(n, sc.suppliers[n].region) if t > 0}):
        shares = split(landed_costs(sc, inv, t))
        if shares != steps[-1][1]:
            steps.append((t + src.lag, shares))
    return steps


def _capped(shares: list[float], caps: list[float]) -> list[float]:
    """Shares summing to 1 with none above its cap: a capped supplier's excess goes to
    the others in proportion to their shares (or, if they have none, to their room)."""
    s, fixed, n = list(shares), [False] * len(shares), len(shares)
    while True:
        over = [i for i in range(n) if not fixed[i] and s[i] > caps[i] + 1e-12]
        if not over:
            return s
        for i in over:
            s[i], fixed[i] = caps[i], True
        free = [i for i in range(n) if not fixed[i]]
        rest = 1.0 - sum(s[i] for i in range(n) if fixed[i])
        weight = sum(s[i] for i in free)
        room = sum(caps[i] - s[i] for i in free)
        for i in free:
            s[i] = s[i] * rest / weight if weight > 0 else s[i] + rest * (caps[i] - s[i]) / room


def fixed_splits_touched(sc: Scenario, paths: list[str]) -> list[str]:
    """Overridden tariffs or prices (`--set`, `--variant` paths) that change the landed
    cost of a supplier whose inventory keeps its written shares (two or more suppliers,
    no `sourcing:`): the what-if moves cost, never orders, and says so."""
    from rackline.scenario.paths import split_path
    out = []
    for path in paths:
        key = split_path(path)
        if len(key) < 3 or key[:2] not in (("costs", "tariffs"), ("costs", "prices")):
            continue
        hit = {n for n, sp in sc.suppliers.items() if key[2] in (n, sp.region)}
        for site_name, site in sc.sites.items():
            for item, inv in site.inventories.items():
                names = sorted(hit & set(inv.suppliers))
                if names and len(inv.suppliers) > 1 and inv.sourcing is None:
                    out.append(f"{path} changes the landed cost of {', '.join(names)}, but "
                               f"sites.{site_name}.inventories.{item} keeps its written shares (no 'sourcing:'; "
                               "add one to let orders follow landed cost): cost moves, orders do not")
    return out
