"""Measurement off (`run_replication(..., measure=False)`, benchmarks only): a stock and a
station that keep no time-weighted accounting, to show what the accounting costs.

A module of its own so that they compile with the classes they extend: a compiled
class cannot be subclassed by interpreted code (engine/native.py).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rackline.engine.inventory import Inventory
from rackline.engine.station import Station

if TYPE_CHECKING:
    from rackline.engine.clock import Clock


class QuietInventory(Inventory):
    """No time-weighted stock accounting."""

    __slots__ = ()

    def __init__(self, clock: Clock, site: str, item: str, initial: int = 0, capacity: float = math.inf,
                 made: bool = False) -> None:
        super().__init__(clock, site, item, initial, capacity, made)
        self.t_last = math.inf      # put and take account only when time has moved on since t_last: never

    def _flush(self) -> None:
        pass


class QuietStation(Station):
    """No time-in-state accounting."""

    __slots__ = ()

    def _flush(self) -> None:
        pass
