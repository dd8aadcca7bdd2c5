"""Value types of the scenario format: durations, rates, fractions, references.

Each type converts what people write into model units and, when it can't, raises a
`PydanticCustomError` whose message is the *expected* half of
`expected ..., got ...`; the loader adds the value and the location.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainValidator, ValidationInfo, WithJsonSchema
from pydantic_core import PydanticCustomError

from rackline.units import (
    DURATION_PATTERN,
    MONEY_PATTERN,
    PERCENT_PATTERN,
    POWER_PATTERN,
    RATE_PATTERN,
    UnitError,
    parse_duration,
    parse_money,
    parse_percent,
    parse_power,
    parse_rate,
)

NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]*$"


def expected(what: str) -> PydanticCustomError:
    return PydanticCustomError("rackline", "expected {what}", {"what": what})


def _non_negative(parse: Callable[[Any], float], what: str, v: Any) -> float:
    """Parse with units; a unit error or a negative value becomes `expected ...`."""
    try:
        x = parse(v)
    except UnitError as exc:
        raise expected(exc.expected) from None
    if x < 0:
        raise expected(f"{'an' if what[0] in 'aeiou' else 'a'} {what} >= 0")
    return x


def _duration(v: Any) -> float:
    return _non_negative(parse_duration, "duration", v)


def _positive_duration(v: Any) -> float:
    hours = _duration(v)
    if hours <= 0:
        raise expected("a duration > 0")
    return hours


def _rate(v: Any) -> float:
    return _non_negative(parse_rate, "rate", v)


def _number(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise expected("a number")
    if not math.isfinite(v) or abs(v) > 1e12:
        raise expected("a finite number below 1e12")
    return float(v)


def _count(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or (isinstance(v, float) and not v.is_integer()):
        raise expected("a whole number")
    if abs(v) > 1e9:
        raise expected("a whole number below 1e9")
    return int(v)


def _check(pred: Callable[[Any], bool], what: str) -> Callable[[Any], Any]:
    def check(v: Any) -> Any:
        if not pred(v):
            raise expected(what)
        return v
    return check


_DUR_SCHEMA = WithJsonSchema({"type": "string", "pattern": DURATION_PATTERN,
                              "description": "duration with a unit, e.g. '90 min', '8 h', '3 d', '2 w'"})
_RATE_SCHEMA = WithJsonSchema({"type": "string", "pattern": RATE_PATTERN,
                               "description": "rate, e.g. '40 per week'"})

Duration = Annotated[float, BeforeValidator(_duration), _DUR_SCHEMA]
PositiveDuration = Annotated[float, BeforeValidator(_positive_duration), _DUR_SCHEMA]
Rate = Annotated[float, BeforeValidator(_rate), _RATE_SCHEMA]
PositiveRate = Annotated[float, BeforeValidator(_rate), AfterValidator(_check(lambda v: v > 0, "a rate > 0")), _RATE_SCHEMA]
Number = Annotated[float, BeforeValidator(_number), WithJsonSchema({"type": "number"})]
PositiveNumber = Annotated[float, BeforeValidator(_number), AfterValidator(_check(lambda v: v > 0, "a number > 0")),
                           WithJsonSchema({"type": "number", "exclusiveMinimum": 0})]
NonNegativeNumber = Annotated[float, BeforeValidator(_number), AfterValidator(_check(lambda v: v >= 0, "a number >= 0")),
                              WithJsonSchema({"type": "number", "minimum": 0})]
Fraction = Annotated[float, BeforeValidator(_number), AfterValidator(_check(lambda v: 0 <= v <= 1, "a fraction in [0, 1]")),
                     WithJsonSchema({"type": "number", "minimum": 0, "maximum": 1})]
PositiveFraction = Annotated[float, BeforeValidator(_number), AfterValidator(_check(lambda v: 0 < v <= 1, "a fraction in (0, 1]")),
                             WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "maximum": 1})]
Count = Annotated[int, BeforeValidator(_count), AfterValidator(_check(lambda v: v >= 0, "a whole number >= 0")),
                  WithJsonSchema({"type": "integer", "minimum": 0})]
PositiveCount = Annotated[int, BeforeValidator(_count), AfterValidator(_check(lambda v: v >= 1, "a whole number >= 1")),
                          WithJsonSchema({"type": "integer", "minimum": 1})]


def _power(v: Any) -> float:
    kw = _non_negative(parse_power, "power", v)
    if kw <= 0:
        raise expected("a power > 0")
    return kw


Power = Annotated[float, BeforeValidator(_power),     # kW
                  WithJsonSchema({"type": "string", "pattern": POWER_PATTERN, "description": "e.g. '130 kW', '2 MW'"})]


def _money(v: Any) -> float:
    return _non_negative(parse_money, "amount", v)


def _money_per_time(v: Any) -> float:
    return _non_negative(lambda x: parse_money(x, per_time=True), "amount", v)


def _percent(v: Any) -> float:
    if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= 1:   # 25: 2,500%
        raise expected(f"a percentage written with '%', like '{v:g}%' (a plain number is a fraction: "
                       f"{v:g} would be {v * 100:,.0f}%)")
    return _non_negative(parse_percent, "percentage", v)


_MONEY_SCHEMA = WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN,
                                "description": "money in the scenario's currency, e.g. '$3,200', '$3.2M'"})
_MONEY_TIME_SCHEMA = WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN,
                                     "description": "money per time, e.g. '$85 per h', '$1.2M per y'"})
_PERCENT_SCHEMA = WithJsonSchema({"type": "string", "pattern": PERCENT_PATTERN, "description": "e.g. '12%'"})

Money = Annotated[float, BeforeValidator(_money), _MONEY_SCHEMA]            # amount >= 0
MoneyPerHour = Annotated[float, BeforeValidator(_money_per_time), _MONEY_TIME_SCHEMA]   # written per any time unit
Percent = Annotated[float, BeforeValidator(_percent), _PERCENT_SCHEMA]      # a fraction >= 0: '12%' -> 0.12


def _capacity(v: Any) -> float:
    if v in ("inf", "infinite", "unlimited", None):
        return math.inf
    n = _count(v)
    if n < 1:
        raise expected("a whole number >= 1 or 'inf'")
    return float(n)


Capacity = Annotated[float, BeforeValidator(_capacity),
                     WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1}, {"enum": ["inf"]}]})]


def _name(v: Any) -> str:
    import re
    if not isinstance(v, str) or not re.match(NAME_PATTERN, v):
        raise expected("a name of letters, digits, '_' or '-', starting with a letter")
    return v


Name = Annotated[str, BeforeValidator(_name), WithJsonSchema({"type": "string", "pattern": NAME_PATTERN})]


def _ref(kind: str) -> Any:   # an Annotated type (a validator with its JSON schema)
    """A reference to a declared thing, checked against names the loader collected."""

    def check(v: Any, info: ValidationInfo) -> str:
        if not isinstance(v, str):
            raise expected(f"the name of a {kind}")
        known = (info.context or {}).get(kind)
        if known is not None and v not in known:
            import difflib
            close = difflib.get_close_matches(v, sorted(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            choices = ", ".join(sorted(known)[:12]) or "none declared"
            raise PydanticCustomError(
                "rackline", "expected a declared {kind} ({choices})",
                {"kind": kind, "choices": choices, "hint": hint})
        return v

    return Annotated[str, AfterValidator(check), WithJsonSchema({"type": "string"})]


ItemRef = _ref("item")
SiteRef = _ref("site")
SupplierRef = _ref("supplier")
CalendarRef = _ref("calendar")
StationRef = _ref("station")   # written site.station
LaneRef = _ref("lane")


@dataclass(frozen=True)
class Cover:
    """Stock written as time: `3 w` = three weeks of the item's expected usage.

    Converted to units once, from the demand exploded through the bill of materials
    (`rackline.analysis.capacity.resolve_policy`), so a what-if on demand scales it."""

    hours: float

    def __str__(self) -> str:
        from rackline.units import format_hours
        return format_hours(self.hours)


def _count_or_cover(minimum: int) -> Callable[[Any], int | Cover]:
    def convert(v: Any) -> int | Cover:
        if isinstance(v, Cover):
            return v
        if isinstance(v, str):
            try:
                hours = parse_duration(v)
            except UnitError:
                raise expected(f"a whole number >= {minimum} or a cover like '3 w'") from None
            if hours < 0 or (minimum > 0 and hours <= 0):
                raise expected(f"a cover {'>' if minimum else '>='} 0")
            return Cover(hours)
        try:
            n = _count(v)
        except PydanticCustomError:
            raise expected(f"a whole number >= {minimum} or a cover like '3 w'") from None
        if n < minimum:
            raise expected(f"a whole number >= {minimum} or a cover like '3 w'")
        return n

    return convert


_COVER_SCHEMA = {"type": "string", "pattern": DURATION_PATTERN,
                 "description": "weeks (or days) of the item's expected usage, e.g. '3 w'"}
CountOrCover = Annotated[int | Cover, PlainValidator(_count_or_cover(0)),
                         WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 0}, _COVER_SCHEMA]})]
PositiveCountOrCover = Annotated[int | Cover, PlainValidator(_count_or_cover(1)),
                                 WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1}, _COVER_SCHEMA]})]
