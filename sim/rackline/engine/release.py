"""Release control: which stations may start work, and when.

push (default): a station starts whenever it can, and finite buffers limit WIP.
make_to_order: gated stations start only against authorizations; each order adds
units x (how many of the station's item one product needs), and a failed unit gives
its authorization back. conwip: a loop holds `cards`; its first station starts a
unit only with a free card, which returns when a unit leaves the last station.
"""
from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rackline.scenario.model import Scenario
    from rackline.scenario.stations import Recipe


class Gated(Protocol):
    """A station that starts only against authorizations, woken when orders add some."""

    def on_auth(self) -> None: ...


class Starter(Protocol):
    """A CONWIP loop's first station, woken when a card comes back."""

    def try_start(self) -> None: ...


class Authorization:
    __slots__ = ("item", "count", "stations")

    def __init__(self, item: str) -> None:
        self.item = item
        self.count = 0
        self.stations: list[Gated] = []

    def add(self, n: int) -> None:
        self.count += n
        for st in self.stations:
            st.on_auth()


class Loop:
    __slots__ = ("name", "cards", "first")

    def __init__(self, name: str, cards: int, first: Starter) -> None:
        self.name = name
        self.cards = cards
        self.first = first


def requirements(scenario: Scenario, product: str) -> dict[str, int]:
    """Units of each item one unit of `product` needs, exploding bills of materials
    (failed-unit routes and yields are not counted: rework returns what it takes)."""
    makers: dict[str, list[Recipe]] = defaultdict(list)
    for _, _, st in scenario.station_items():
        for item, recipe in st.recipes().items():
            makers[item].append(recipe)
    need: dict[str, int] = defaultdict(int)
    stack = [(product, 1, 0)]
    while stack:
        item, n, depth = stack.pop()
        need[item] += n
        if depth > 50:
            continue
        recipes = makers.get(item, [])
        if recipes:
            for inp, q in recipes[0].inputs.items():
                stack.append((inp, n * q, depth + 1))
    return dict(need)
