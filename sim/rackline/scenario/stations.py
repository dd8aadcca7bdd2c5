"""Stations in a scenario: what a work center makes, from what, how long and how well
(recipes, yields and their ramp, crews, breakdowns, learning). Part of the scenario
format (`rackline.scenario.model` holds the rest and re-exports these)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from rackline.scenario.base import Spec
from rackline.scenario.distributions import DurationDist
from rackline.scenario.values import (
    CalendarRef,
    Count,
    Fraction,
    ItemRef,
    Name,
    PositiveCount,
    PositiveDuration,
    PositiveFraction,
    PositiveNumber,
    Power,
    expected,
)

if TYPE_CHECKING:
    from typing_extensions import Self  # pydantic's validators return the model


class Crew(Spec):
    pool: Name = Field(description="workforce pool at the station's site")
    size: PositiveCount = Field(1, description="people needed per unit in process")


class Failures(Spec):
    """Breakdowns: time between failures counts `basis` hours (operating or calendar)."""

    mtbf: DurationDist
    mttr: DurationDist
    basis: Literal["operating", "calendar"] = Field(
        "operating", description="operating: only busy time ages the machine; calendar: all time")
    repair_crew: Crew | None = None


class Learning(Spec):
    """Wright's law: time of unit n = base x first_unit x n^log2(rate), never below base."""

    rate: PositiveFraction = Field(description="e.g. 0.9: each doubling of output cuts time to 90%")
    first_unit: PositiveNumber = Field(description="time of unit 1 as a multiple of the mature (base) time")


class YieldRamp(Spec):
    """First-pass yield rising linearly from `start` to the recipe's yield."""

    start: Fraction
    units: PositiveCount | None = Field(None, description="reaches mature yield after this many units")
    over: PositiveDuration | None = Field(None, description="or after this long from introduction")

    @model_validator(mode="after")
    def _one(self) -> Self:
        if (self.units is None) == (self.over is None):
            raise expected("exactly one of 'units' or 'over'")
        return self


class Recipe(Spec):
    """How a station makes one item: what it consumes per unit, how long, how well."""

    inputs: dict[ItemRef, PositiveCount] = Field(default_factory=dict, description="item: units consumed per unit made")
    process_time: DurationDist | None = Field(None, description="per unit (per batch if batch > 1); default: the station's")
    yield_: Fraction = Field(1.0, alias="yield", description="share of units that pass")
    yield_ramp: YieldRamp | None = None
    fail_to: ItemRef | Literal["scrap"] = Field("scrap", description="what a failed unit becomes")
    test_power: Power | None = Field(None, description="kW one unit draws from the station's hall while in process")


class Station(Spec):
    """A work center: `servers` in parallel make `output` from `inputs`."""

    output: ItemRef | None = Field(None, description="item made (or use `makes` for several)")
    inputs: dict[ItemRef, PositiveCount] = Field(default_factory=dict, description="item: units consumed per unit made")
    process_time: DurationDist | None = Field(None, description="per unit (per batch if batch > 1)")
    yield_: Fraction = Field(1.0, alias="yield", description="share of units that pass (test stations)")
    yield_ramp: YieldRamp | None = Field(None, description="first-pass yield rising to `yield`")
    fail_to: ItemRef | Literal["scrap"] = Field("scrap", description="item a failed unit becomes (to a rework station)")
    makes: dict[ItemRef, Recipe] | None = Field(None, description="several items (generations), each its recipe")
    servers: PositiveCount = Field(1, description="units in process at once")
    batch: PositiveCount = Field(1, description="units started together, one process time per batch")
    calendar: CalendarRef | None = Field(None, description="open hours; default: the site's, else always open")
    crew: Crew | None = Field(None, description="people from a site pool held while a unit is in process")
    failures: Failures | None = Field(None, description="breakdowns (MTBF/MTTR)")
    learning: Learning | None = Field(None, description="Wright's-law learning curve on process time")
    setup: DurationDist = Field("0 h", description="changeover time when switching item")
    dispatch: Literal["largest_backlog", "round_robin"] = Field(
        "largest_backlog", description="which item next, when the station makes several")
    initial_wip: Count = Field(0, description="units already in process at time 0")
    hall: Name | None = Field(None, description="test hall at the station's site whose power its units draw")
    test_power: Power | None = Field(None, description="kW a unit draws from the hall while in process, e.g. '130 kW'")
    cluster: PositiveCount | None = Field(None, description="L12: test this many units together, never fewer")

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        if (self.output is None) == (self.makes is None):
            raise expected("exactly one of 'output' or 'makes'")
        if self.makes is None and self.process_time is None:
            raise expected("a 'process_time'")
        if self.cluster is not None and self.batch != 1:
            raise expected("one of 'cluster' (never fewer) or 'batch' (up to), not both")
        if (self.hall is None) != (self.test_power is None and not any(
                r.test_power is not None for r in (self.makes or {}).values())):
            raise expected("'hall' together with 'test_power' (on the station or each item in 'makes')")
        if self.makes is not None:
            for recipe in self.makes.values():
                if recipe.process_time is None and self.process_time is None:
                    raise expected("a 'process_time' for the station or each item in 'makes'")
        return self

    def recipes(self) -> dict[str, Recipe]:
        """One form for the engine: item -> recipe, with station defaults filled in."""
        if self.makes is None:
            return {self.output: Recipe.model_construct(inputs=self.inputs, process_time=self.process_time,
                                                        yield_=self.yield_, yield_ramp=self.yield_ramp,
                                                        fail_to=self.fail_to, test_power=self.test_power)}
        out = {}
        for item, r in self.makes.items():
            update = {k: getattr(self, k) for k in ("process_time", "test_power")
                      if getattr(r, k) is None and getattr(self, k) is not None}
            out[item] = r.model_copy(update=update) if update else r
        return out

    @property
    def units_per_start(self) -> int:
        """Units started together: a cluster's N, else the batch."""
        return self.cluster or self.batch
