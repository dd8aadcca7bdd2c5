"""How a quantity reads in printed lines, tables and plot labels: money with a scale,
shares as percent, parameters with the unit they were written in. Plain text, no
matplotlib, so printed summaries need no plotting import."""
from __future__ import annotations

import math


def money_text(x: float, digits: int = 3, currency: str = "USD") -> str:
    """$3.18M, $14.3k, -$2.1B: three significant figures (or `digits`) with a scale."""
    if not math.isfinite(x):
        return "n/a"
    sign = "-" if x < 0 else ""
    symbol = currency_symbol(currency)
    a = abs(x)
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= size:
            return f"{sign}{symbol}{a / size:.{digits}g}{suffix}"
    return f"{sign}{symbol}{a:.{digits}g}"


def currency_symbol(currency: str) -> str:
    """'$' for US dollars; any other currency is written by its code ('EUR 3.2M'), never a stray $."""
    return "$" if currency in ("USD", "$") else f"{currency} "


def currency_of(unit: object) -> str:
    """The leading code of a KPI unit: 'USD' for 'USD/rack' ('' for anything else)."""
    return unit.split("/")[0].split(" ")[0] if isinstance(unit, str) else ""


def is_money_unit(unit: object) -> bool:
    """A KPI unit in a currency: 'USD', 'USD/rack', 'EUR/week (net)' (a three-letter code first)."""
    head = currency_of(unit)
    return len(head) == 3 and head.isalpha() and head.isupper()


def value_text(v: float, unit: str, digits: int = 3) -> str:
    """A KPI value: shares as percent, money ('USD/rack', 'USD (net)') with a scale, else
    3 significant digits; more `digits` tell close values apart (92.45% from 92.52%)."""
    if isinstance(unit, str) and unit.startswith("share"):
        return f"{v:.{max(1, digits - 2)}%}"
    if is_money_unit(unit):
        return money_text(v, digits, currency_of(unit))
    return f"{v:.{digits}g}"


def with_unit(v: float, unit: str) -> str:
    """A value with its unit, money and shares as people write them: '$495M', '92%', '12.5 units/week'."""
    text = quantity_text(v, unit)
    return text if is_money_unit(unit) or unit.startswith("share") or not unit else f"{text} {unit}"


def pair_text(a: float, b: float, unit: str) -> tuple[str, str]:
    """Two values with just enough digits to tell them apart (3 to 6): '$3.1812M', '$3.1843M'."""
    for digits in range(3, 7):
        ta, tb = value_text(a, unit, digits), value_text(b, unit, digits)
        if ta != tb or a == b:
            return ta, tb
    return ta, tb


def param_text(x: float, unit: str) -> str:
    """A parameter value with its unit as written: '$120k', '$45 per h', '25%', '12 w', '8'."""
    unit = unit if isinstance(unit, str) else ""
    if unit.startswith("$"):
        return money_text(x) + unit[1:]
    if unit == "%":
        return f"{x:.4g}%"
    return f"{x:.4g}" + (f" {unit}" if unit else "")


def plain_number(x: float, digits: int = 3) -> str:
    """A number as a planner reads it: thousands separators and never an exponent;
    whole numbers from `10**(digits-1)` up ('1,200', '3,205'), else `digits`
    significant figures ('22.5', '0.865'); 'unlimited' for infinity."""
    if math.isinf(x):
        return "unlimited" if x > 0 else "-unlimited"
    if not math.isfinite(x):
        return "n/a"
    a = abs(x)
    if a >= 10 ** (digits - 1):
        return f"{x:,.0f}"
    if a == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(a)))
    text = f"{x:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def quantity_text(v: float, unit: str, digits: int = 3) -> str:
    """`value_text` without exponents: shares as percent, money with a scale, other
    quantities as `plain_number`."""
    if (isinstance(unit, str) and unit.startswith("share")) or is_money_unit(unit):
        return value_text(v, unit, digits)
    return plain_number(v, digits)


def signed_text(v: float, unit: str, digits: int = 3) -> str:
    """A difference: always signed; shares in percentage points ('+3.3 points')."""
    if isinstance(unit, str) and unit.startswith("share"):
        return f"{v * 100:+.{max(1, digits - 1)}g} points"
    text = quantity_text(v, unit, digits)
    return text if text.startswith("-") else "+" + text


IRREGULAR = {"person": "people"}


def counted(n: float, singular: str, plural: str | None = None) -> str:
    """'1 site', '3 sites', '1 person', '2.5 people': a count with its noun agreeing."""
    word = singular if n == 1 else (plural or IRREGULAR.get(singular) or singular + "s")
    return f"{plain_number(n)} {word}"
