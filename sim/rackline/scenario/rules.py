"""Adaptive rules: a plan that reacts to what happens (the flexibility real plans have).

```yaml
rules:
  expand_integration:
    when: {backlog: openai_gen1, above: 20, for: 4 w}   # backlog > 20 at 4 weekly checks running
    add_servers: {station: wisconsin.integrate, count: 1}
    after: 12 w                                         # lead time from decision to the cell working
    capex: $2M                                          # paid when the rule fires
    at_most: 2
  drop_a_shift:
    when: {no_orders: openai_gen1, for: 13 w}
    calendar: {station: wisconsin.integrate, to: one_shift}
```
Conditions are checked at the end of each simulated week; a rule that fires starts
counting its weeks afresh.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from rackline.scenario.base import Spec
from rackline.scenario.values import (
    CalendarRef,
    Duration,
    Money,
    Name,
    NonNegativeNumber,
    PositiveCount,
    StationRef,
    expected,
)

if TYPE_CHECKING:
    from typing_extensions import Self  # pydantic's validators return the model


class When(Spec):
    """A demand's backlog above a level, or no orders, for a number of weeks."""

    backlog: Name | None = Field(None, description="demand whose backlog (units) is watched")
    above: NonNegativeNumber | None = Field(None, description="backlog level it must exceed")
    no_orders: Name | None = Field(None, description="demand whose new orders are watched")
    for_: Duration = Field(alias="for", description="how long, checked weekly ('4 w')")

    @model_validator(mode="after")
    def _one(self) -> Self:
        if (self.backlog is None) == (self.no_orders is None):
            raise expected("exactly one of 'backlog' (with 'above') or 'no_orders'")
        if self.backlog is not None and self.above is None:
            raise expected("'above': the backlog level that triggers the rule")
        if self.no_orders is not None and self.above is not None:
            raise expected("no 'above' with 'no_orders'")
        return self


class AddServers(Spec):
    """Servers added to a station (they do not break down)."""

    station: StationRef = Field(description="site.station")
    count: PositiveCount = Field(1, description="servers added each time the rule fires")


class SetCalendar(Spec):
    """A station's calendar replaced (the pools' paid hours do not follow: a GUESS to revisit)."""

    station: StationRef = Field(description="site.station")
    to: CalendarRef = Field(description="a declared calendar")


class Rule(Spec):
    """When a condition has held for a while, change the plan after a delay."""

    when: When = Field(description="the condition, checked at the end of each week")
    add_servers: AddServers | None = Field(None, description="servers added to a station")
    calendar: SetCalendar | None = Field(None, description="a station's calendar replaced")
    after: Duration = Field("0 h", description="delay from the decision to the change")
    capex: Money = Field(0, description="paid when the rule fires")
    at_most: PositiveCount = Field(1, description="times the rule may fire")

    @model_validator(mode="after")
    def _one(self) -> Self:
        if (self.add_servers is None) == (self.calendar is None):
            raise expected("exactly one action: 'add_servers' or 'calendar'")
        return self

    @property
    def action(self) -> str:
        if self.add_servers is not None:
            return f"add {self.add_servers.count} server(s) to {self.add_servers.station}"
        assert self.calendar is not None
        return f"calendar of {self.calendar.station} becomes {self.calendar.to}"
