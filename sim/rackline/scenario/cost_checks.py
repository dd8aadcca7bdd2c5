"""Checks of a scenario's `costs:` section against the rest of it: keys that name
nothing declared, cost-aware splits that cannot be priced, products with demand but
no revenue. Each problem is a (key path, message) the loader locates in the file."""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from rackline.scenario.base import REGIONS
from rackline.scenario.costs import Revenue

if TYPE_CHECKING:
    from rackline.scenario.model import Demand, Scenario
    from rackline.scenario.yamlfile import KeyPath


def sourcing_problems(sc: Scenario) -> list[tuple[KeyPath, str]]:
    """A cost-aware split needs a price for each of its suppliers, a reference landed
    cost for each or for none, and caps no lower than the written shares (so that
    together they can always take every order)."""
    out: list[tuple[KeyPath, str]] = []
    for site_name, site in sc.sites.items():
        for item, inv in site.inventories.items():
            src = inv.sourcing
            if src is None:
                continue
            path = ("sites", site_name, "inventories", item, "sourcing")
            prices = sc.costs.prices if sc.costs is not None else {}
            missing = [n for n in inv.suppliers if prices.get(n, 0.0) <= 0]
            if missing:
                out.append((path, f"expected a price above $0 in costs.prices for each supplier of a cost-aware "
                                  f"split, got none (or $0) for {', '.join(map(repr, missing))}"))
            if src.reference:
                unknown = [n for n in src.reference if n not in inv.suppliers]
                for name in unknown:
                    out.append((path + ("reference", name), f"expected one of this inventory's suppliers "
                                                            f"({', '.join(inv.suppliers)}), got {name!r}"))
                absent = [n for n in inv.suppliers if n not in src.reference]
                if absent and not unknown:
                    out.append((path + ("reference",), f"expected a reference landed cost for each supplier of the "
                                                       f"split, got none for {', '.join(map(repr, absent))}"))
                for name, cost in src.reference.items():
                    if cost <= 0:
                        out.append((path + ("reference", name), f"expected a landed cost above $0, got ${cost:g}"))
            for name, cap in src.max_share.items():
                if name not in inv.suppliers:
                    out.append((path + ("max_share", name), f"expected one of this inventory's suppliers "
                                                            f"({', '.join(inv.suppliers)}), got {name!r}"))
                elif cap < inv.suppliers[name]:
                    out.append((path + ("max_share", name), f"expected a max_share at least the written share "
                                                            f"{inv.suppliers[name]:g}, got {cap:g}"))
    return out


def cost_problems(sc: Scenario, notes: Mapping[KeyPath, str] | None = None,
                  streams: Mapping[str, Demand] | None = None) -> list[tuple[KeyPath, str]]:
    """Cost keys that name nothing declared (pools, tariff regions or suppliers, products),
    cost-aware splits that cannot be priced, and products with demand but no revenue.
    `streams`: the demand as it will run (an ended generation's orders moved to the next;
    `resolve.moved_demand`), so a product that only inherits orders needs its price too.
    `notes` (path -> note, when the file's notes are at hand) lets a `none` revenue be
    checked for its note."""
    out = sourcing_problems(sc)
    if sc.costs is None:
        return out
    streams = dict(sc.demand) if streams is None else streams
    out += revenue_problems(sc, notes, streams)
    pools = {f"{s}.{p}" for s, site in sc.sites.items() for p in site.workforce}
    for key in sc.costs.labour:
        if key not in pools:
            out.append((("costs", "labour", key), f"expected a declared workforce pool as site.pool "
                                                  f"({', '.join(sorted(pools)) or 'none declared'}), got {key!r}"))
    for key in sc.costs.tariffs:
        if key not in REGIONS and key not in sc.suppliers:
            out.append((("costs", "tariffs", key), f"expected a region ({', '.join(REGIONS)}) or a declared "
                                                   f"supplier, got {key!r}"))
    products = {d.item for d in streams.values()}
    for key in sc.costs.revenue:
        if key not in products:
            out.append((("costs", "revenue", key), f"expected a product some demand asks for "
                                                   f"({', '.join(sorted(products)) or 'none'}), got {key!r}"))
    return out


def revenue_problems(sc: Scenario, notes: Mapping[KeyPath, str] | None,
                     streams: Mapping[str, Demand]) -> list[tuple[KeyPath, str]]:
    """With `costs:`, a product some demand asks for earns its price or is declared to
    earn nothing, with a note that says why: a forgotten price would count every unit
    shipped at $0 and NPV would fall without a word. Located at the demand that asks
    for it (the line the planner wrote), naming the key to add."""
    assert sc.costs is not None
    out: list[tuple[KeyPath, str]] = []
    seen: set[str] = set()
    for stream, d in streams.items():
        item, rev = d.item, sc.costs.revenue.get(d.item)
        if item in seen:
            continue
        seen.add(item)
        name = stream if stream in sc.demand else stream.split("_to_", 1)[0]   # a moved stream: where it came from
        if rev is None:
            out.append((("demand", name, "item"),
                        f"expected a price in costs.revenue for product {item!r} (without one each unit shipped "
                        f"earns $0 and NPV counts its costs only): add costs.revenue.{item}.price, or "
                        f"`costs.revenue.{item}: {{value: none, note: \"why it earns nothing\"}}`, got no price"))
        elif not isinstance(rev, Revenue) and notes is not None and not notes.get(("costs", "revenue", item)):
            out.append((("costs", "revenue", item),
                        f"expected a note saying why product {item!r} earns nothing (demand {name} asks for it): "
                        f"write `{item}: {{value: none, note: \"...\"}}`, got 'none' without a note"))
    return out
