"""The resolve step: after validation, before simulation (declare -> fill defaults ->
validate -> resolve -> simulate, as Ciw does).

Replenishment levels may be written as cover (`s: 3 w`): weeks of expected usage,
so a what-if on demand scales them. Resolving turns each into units at the usage
the demand explodes to through the bills of materials (`scenario.flows`), once per
scenario, so the engine only ever sees units. `reorder_warnings` says where a
resolved reorder point is below the demand over the lead time.
"""
from __future__ import annotations

import math
from collections import defaultdict

from rackline.scenario.flows import Node, bottleneck_rate, demand_mixes, explode
from rackline.scenario.model import Demand, Policy, RatePeriod, Scenario
from rackline.scenario.values import Cover
from rackline.units import WEEK

LEVELS = ("s", "S", "R", "Q")


def expected_usage(sc: Scenario) -> dict[Node, float]:
    """Units per hour bought at each inventory: each item's peak through the bill of
    materials within the horizon (a ramping product's parts peak when it does). A line
    not paced by orders (push or conwip release) uses parts as fast as it can make
    products, so there the peak mix at the static bottleneck's rate counts too, when
    that is faster (capacity mode: only that rate)."""
    mixes, capacity_mode = demand_mixes(sc)
    if sc.release.policy != "make_to_order" or capacity_mode:
        peak = max(mixes, key=lambda m: sum(m.values()))
        rate = bottleneck_rate(sc, peak)
        scale = rate / sum(peak.values()) if math.isfinite(rate) and sum(peak.values()) > 0 else 0.0
        mixes = [{n: v * scale for n, v in peak.items()}] + ([] if capacity_mode else mixes)
    usage: dict[Node, float] = defaultdict(float)
    for mix in mixes:
        for node, rate in explode(sc, mix).bought.items():
            usage[node] = max(usage[node], rate)
    return dict(usage)


def _units(v: int | Cover | None, usage: float, minimum: int = 0) -> int | None:
    if not isinstance(v, Cover):
        return v
    return max(minimum, math.ceil(usage * v.hours - 1e-9))


def resolve_policy(policy: Policy, usage: float) -> Policy:
    """The policy with every level written as cover turned into units at `usage` per hour."""
    if not any(isinstance(getattr(policy, k), Cover) for k in ("s", "S", "R", "Q")):
        return policy
    return policy.model_copy(update={"s": _units(policy.s, usage), "S": _units(policy.S, usage),
                                     "R": _units(policy.R, usage), "Q": _units(policy.Q, usage, 1)})


def resolved_policies(sc: Scenario) -> dict[Node, Policy]:
    """(site, item) -> replenishment policy in units, for every inventory with one."""
    usage: dict[Node, float] | None = None
    out: dict[Node, Policy] = {}
    for site, s in sc.sites.items():
        for item, inv in s.inventories.items():
            if inv.policy is None:
                continue
            if usage is None and any(isinstance(getattr(inv.policy, k), Cover) for k in ("s", "S", "R", "Q")):
                usage = expected_usage(sc)
            out[(site, item)] = resolve_policy(inv.policy, (usage or {}).get((site, item), 0.0))
    return out


def reorder_point(p: Policy) -> tuple[float, str]:
    """The level (units) at or below which a resolved policy orders, and the key that sets it."""
    value, key = {"sS": (p.s, "s"), "RQ": (p.R, "R"), "base_stock": (p.S, "S"), "periodic": (p.S, "S")}[p.type]
    assert isinstance(value, (int, float)), "resolve the policy's cover first (resolved_policies)"
    return value, key


def reorder_points(sc: Scenario) -> dict[str, float]:
    """`site/item` -> reorder point in units, for every inventory with a policy."""
    return {f"{site}/{item}": reorder_point(p)[0] for (site, item), p in resolved_policies(sc).items()}


def reorder_warnings(sc: Scenario) -> list[str]:
    """Reorder points below the expected demand over the suppliers' mean lead time
    (share-weighted, late deliveries included): stock-outs are then the rule."""
    usage = expected_usage(sc)
    out = []
    for (site, item), p in resolved_policies(sc).items():
        inv = sc.sites[site].inventories[item]
        lead = sum(frac * (sc.suppliers[n].lead_time.mean()
                           + (1 - sc.suppliers[n].reliability) * sc.suppliers[n].late_by.mean())
                   for n, frac in inv.suppliers.items())
        rop, key = reorder_point(p)
        lead_demand = usage.get((site, item), 0.0) * lead
        if rop < lead_demand - 1e-9:
            written = getattr(inv.policy, key)
            shown = f"{written} = {rop:g}" if isinstance(written, Cover) else f"{rop:g}"
            out.append(f"sites.{site}.inventories.{item}.policy.{key}: reorder point {shown} units is below the "
                       f"expected demand over the mean lead time ({lead_demand:.0f} units = "
                       f"{usage[(site, item)] * WEEK:.4g}/week x {lead / WEEK:.3g} w); expect stock-outs")
    return out


def has_cover(sc: Scenario) -> bool:
    """Whether any replenishment level is written as cover (weeks of usage)."""
    return any(isinstance(getattr(inv.policy, k), Cover) for s in sc.sites.values()
               for inv in s.inventories.values() if inv.policy is not None for k in LEVELS)


def moved_demand(sc: Scenario) -> dict[str, Demand]:
    """Demand with each ended generation's orders stopped at its `ends`; with a `next`,
    the same rates from then on order `next`'s item in the same place of `items`
    (a new stream named `<demand>_to_<next>`), at the site that already ships that item
    (else the same site). Unchanged when no generation ends."""
    out = dict(sc.demand)
    for gen in sc.generations.values():
        if gen.ends is None:
            continue
        end = gen.ends
        for name, d in sc.demand.items():
            if d.item not in gen.items or (d.rate is None and d.schedule is None):
                continue
            periods = [(0.0, d.rate)] if d.rate is not None else [(p.start, p.rate) for p in d.schedule or []]
            before = [RatePeriod.model_construct(start=t, rate=r) for t, r in periods if t < end]
            out[name] = d.model_copy(update={"rate": None, "schedule": before + [
                RatePeriod.model_construct(start=end, rate=0.0)]})
            nxt = sc.generations.get(gen.next) if gen.next else None
            if nxt is not None:
                at_end = next((r for t, r in reversed(periods) if t <= end), 0.0)
                after = [RatePeriod.model_construct(start=t, rate=r) for t, r in periods if t > end]
                item = nxt.items[gen.items.index(d.item)]
                sites = sorted({o.site for o in sc.demand.values() if o.item == item})
                out[f"{name}_to_{gen.next}"] = d.model_copy(update={
                    "item": item, "site": sites[0] if sites else d.site, "rate": None, "initial_backlog": 0,
                    "schedule": [RatePeriod.model_construct(start=0.0, rate=0.0),
                                 RatePeriod.model_construct(start=end, rate=at_end), *after]})
    return out


def resolve(sc: Scenario) -> Scenario:
    """The scenario with every replenishment level in units and each ended generation's
    demand moved (`moved_demand`); `sc` itself if there is nothing to resolve."""
    if any(g.ends is not None for g in sc.generations.values()):
        sc = sc.model_copy(update={"demand": moved_demand(sc)})
    if not has_cover(sc):
        return sc
    policies = resolved_policies(sc)
    sites = {}
    for site_name, site in sc.sites.items():
        invs = {item: inv.model_copy(update={"policy": policies[(site_name, item)]}) if inv.policy is not None
                else inv for item, inv in site.inventories.items()}
        sites[site_name] = site.model_copy(update={"inventories": invs})
    return sc.model_copy(update={"sites": sites})
