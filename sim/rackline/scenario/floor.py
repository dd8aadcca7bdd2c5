"""The test floor and scarce parts in a scenario: test halls with a power and cooling
cap, and suppliers that deliver under an allocation per period (GPUs, CPUs).

A rack under burn-in draws its kW for the whole test, so a hall of P MW holds at most
floor(P / k) racks of k kW at once; an allocation of A units per period caps what a
supplier delivers, whatever is ordered. Cross-object rules (a rack above its hall's cap,
a cluster larger than its feeding stock) are in `rackline.scenario.floor_checks`.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from rackline.scenario.base import Spec
from rackline.scenario.values import Duration, PositiveCount, PositiveDuration, Power


class TestHall(Spec):
    """A test floor whose power and cooling are shared by the racks under test in it."""

    __test__ = False   # not a pytest class

    power: Power = Field(description="electrical power for racks under test, e.g. '2 MW'")
    cooling: Power | None = Field(None, description="heat the hall can reject, e.g. '1.8 MW' (default: = power)")
    power_queue: Literal["first_fit", "in_turn"] = Field(
        "first_fit", description="which waiting start takes power as it frees: first_fit (any that fits: single "
        "racks can overtake, even starve, a cluster waiting for the whole hall) or in_turn (in the order they "
        "began to wait: freed power is held for the first)")

    @property
    def cap_kw(self) -> float:
        """kW racks under test may draw at once: the smaller of power and cooling."""
        return min(self.power, self.cooling) if self.cooling is not None else self.power

    @property
    def binding(self) -> str:
        """Which of power or cooling sets the cap (for the capacity table and the answer)."""
        return "cooling" if self.cooling is not None and self.cooling < self.power else "power"


class Allocation(Spec):
    """What a supplier may deliver: `units` per period of `per` (a GPU allocation), from `start`."""

    units: PositiveCount = Field(description="units granted per period")
    per: PositiveDuration = Field(description="length of a period, e.g. '13 w' (a quarter)")
    undelivered: Literal["lost", "carried"] = Field(
        "lost", description="what happens to a period's grant not delivered in it: lost, or carried to the next")
    start: Duration | None = Field(None, description="when the first period begins (default: the run's start)")
