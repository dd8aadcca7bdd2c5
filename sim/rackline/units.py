"""Durations and rates written with units, as people write them.

Inside the model the clock runs in **hours**; `90 min`, `8 h`, `3 d`, `2 w` all become
hours, and `40 per week` becomes units per hour. A bare number is refused for a
duration because `8` could be hours or days: the unit is part of the assumption.
"""
from __future__ import annotations

import math
import re

HOURS_PER = {
    "s": 1 / 3600, "sec": 1 / 3600, "second": 1 / 3600, "seconds": 1 / 3600,
    "min": 1 / 60, "mins": 1 / 60, "minute": 1 / 60, "minutes": 1 / 60,
    "h": 1.0, "hr": 1.0, "hrs": 1.0, "hour": 1.0, "hours": 1.0,
    "d": 24.0, "day": 24.0, "days": 24.0,
    "w": 168.0, "wk": 168.0, "week": 168.0, "weeks": 168.0,
    "y": 8760.0, "yr": 8760.0, "year": 8760.0, "years": 8760.0,
}
HOURS_PER_WEEK = 168.0
WEEK = HOURS_PER_WEEK   # hours; the clock and every per-week KPI use this one value

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_DURATION = re.compile(rf"^\s*({_NUMBER})\s*([A-Za-z]+)\s*$")
_RATE = re.compile(rf"^\s*({_NUMBER})\s*(?:per|/)\s*([A-Za-z]+)\s*$")

DURATION_PATTERN = rf"^\s*{_NUMBER}\s*(?:{'|'.join(sorted(HOURS_PER, key=len, reverse=True))})\s*$"
RATE_PATTERN = rf"^\s*{_NUMBER}\s*(?:per|/)\s*(?:{'|'.join(sorted(HOURS_PER, key=len, reverse=True))})\s*$"


class UnitError(ValueError):
    """A value that is not a duration or rate; `expected` says what would be."""

    def __init__(self, expected: str):
        self.expected = expected
        super().__init__(expected)


def parse_duration(value: object) -> float:
    """Return hours for `'90 min'`, `'8 h'`, `'3 d'`, `'2 w'`, `'1 y'`."""
    if isinstance(value, bool) or not isinstance(value, str):
        raise UnitError("a duration with a unit, like '8 h', '3 d' or '2 w'")
    m = _DURATION.match(value)
    if not m or m.group(2).lower() not in HOURS_PER:
        raise UnitError("a duration with a unit (min, h, d, w, y), like '8 h'")
    hours = float(m.group(1)) * HOURS_PER[m.group(2).lower()]
    if not math.isfinite(hours) or abs(hours) > 1e9:
        raise UnitError("a finite duration (under about 100,000 years)")
    return hours


def parse_rate(value: object) -> float:
    """Return units per hour for `'40 per week'`, `'5 per day'`, `'2/h'`."""
    if isinstance(value, bool) or not isinstance(value, str):
        raise UnitError("a rate like '40 per week'")
    m = _RATE.match(value)
    if not m or m.group(2).lower() not in HOURS_PER:
        raise UnitError("a rate like '40 per week' (per min, h, d, w or y)")
    per_hour = float(m.group(1)) / HOURS_PER[m.group(2).lower()]
    if not math.isfinite(per_hour) or abs(per_hour) > 1e9:
        raise UnitError("a finite rate")
    return per_hour


KW_PER = {"w": 1e-3, "kw": 1.0, "mw": 1e3}
_POWER = re.compile(rf"^\s*({_NUMBER})\s*([A-Za-z]+)\s*$")
POWER_PATTERN = rf"^\s*{_NUMBER}\s*(?:[kKmM]?[wW])\s*$"


def parse_power(value: object) -> float:
    """Return kW for `'130 kW'`, `'2 MW'`, `'500 W'` (a test hall's cap, a rack's draw)."""
    m = _POWER.match(value) if isinstance(value, str) else None
    if not m or m.group(2).lower() not in KW_PER:
        raise UnitError("a power with a unit, like '130 kW' or '2 MW'")
    kw = float(m.group(1)) * KW_PER[m.group(2).lower()]
    if not math.isfinite(kw) or abs(kw) > 1e12:
        raise UnitError("a finite power")
    return kw


_SCALE = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "B": 1e9}
_MONEY = re.compile(r"^\s*(-)?\s*\$?\s*(\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+\.?\d*|\.\d+)\s*([kKMB]?)"
                    r"(?:\s*(?:per|/)\s*([A-Za-z]+))?\s*$")
_PERCENT = re.compile(rf"^\s*({_NUMBER})\s*%\s*$")
MONEY_PATTERN = r"^\s*-?\s*\$?\s*[0-9.,]+\s*[kKMB]?(?:\s*(?:per|/)\s*[A-Za-z]+)?\s*$"
PERCENT_PATTERN = rf"^\s*{_NUMBER}\s*%\s*$"


def parse_money(value: object, per_time: bool = False) -> float:
    """Amount in the scenario's currency for `'$3,200'`, `'$3.2M'`, `'$850k'`, `3200`;
    with `per_time`, an amount per hour for `'$85 per h'`, `'$1.2M per y'`, `'$50k per w'`."""
    what = ("an amount per time like '$85 per h' or '$1.2M per y'" if per_time
            else "an amount of money like '$3,200' or '$3.2M'")
    if isinstance(value, bool):
        raise UnitError(what)
    if isinstance(value, (int, float)) and (not per_time or value == 0):   # nothing costs 0 per any time
        amount, unit = float(value), "h" if per_time else None
    elif isinstance(value, str):
        m = _MONEY.match(value)
        if not m:
            raise UnitError(what)
        amount = float(m.group(2).replace(",", "")) * _SCALE[m.group(3)] * (-1 if m.group(1) else 1)
        unit = m.group(4)
    else:
        raise UnitError(what)
    if per_time != (unit is not None) or (unit is not None and unit.lower() not in HOURS_PER):
        raise UnitError(what)
    if unit is not None:
        amount /= HOURS_PER[unit.lower()]
    if not math.isfinite(amount) or abs(amount) > 1e15:
        raise UnitError("a finite amount of money")
    return amount


def parse_percent(value: object) -> float:
    """A fraction for `'12%'` (or a plain number, read as the fraction itself: 0.12)."""
    if isinstance(value, bool):
        raise UnitError("a percentage like '12%'")
    if isinstance(value, (int, float)):
        x = float(value)
    elif isinstance(value, str) and (m := _PERCENT.match(value)):
        x = float(m.group(1)) / 100
    else:
        raise UnitError("a percentage like '12%'")
    if not math.isfinite(x) or abs(x) > 1e6:
        raise UnitError("a finite percentage")
    return x


def is_money(value: object) -> bool:
    return isinstance(value, str) and bool(_MONEY.match(value)) and "$" in value


def money_time_unit(value: object) -> str | None:
    """The time word of an amount per time (`'h'` for `'$45 per h'`); None for anything else."""
    m = _MONEY.match(value) if isinstance(value, str) and "$" in value else None
    return m.group(4).lower() if m and m.group(4) else None


def is_percent(value: object) -> bool:
    return isinstance(value, str) and bool(_PERCENT.match(value))


def unit_of(value: object) -> tuple[str, str] | None:
    """`("duration", "w")` for `'12 w'`, `("rate", "week")` for `'40 per week'`, `("power", "MW")` for
    `'1.6 MW'`; None for anything else."""
    if isinstance(value, str):
        for kind, pattern in (("rate", _RATE), ("duration", _DURATION)):
            m = pattern.match(value)
            if m and m.group(2).lower() in HOURS_PER:
                return kind, m.group(2).lower()
        m = _POWER.match(value)
        if m and m.group(2).lower() in KW_PER:
            return "power", m.group(2)
    return None


def is_duration(value: object) -> bool:
    try:
        parse_duration(value)
    except UnitError:
        return False
    return True


def is_rate(value: object) -> bool:
    try:
        parse_rate(value)
    except UnitError:
        return False
    return True


def is_power(value: object) -> bool:
    try:
        parse_power(value)
    except UnitError:
        return False
    return True



def format_hours(hours: float, digits: int = 4) -> str:
    """A readable duration for reports: the largest unit that gives a number >= 1."""
    for unit, size in (("w", HOURS_PER_WEEK), ("d", 24.0), ("h", 1.0), ("min", 1 / 60)):
        if abs(hours) >= size:
            return f"{hours / size:.{digits}g} {unit}"
    return f"{hours * 3600:.{digits}g} s"
