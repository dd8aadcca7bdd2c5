"""The range each assumption may plausibly take: declared beside the value
(`{value: 3, note: "GUESS", range: [2, 4]}`) or, when none is, a default relative range
by kind: ±25% for fractions (yields, shares, reliabilities; kept within 0-1), ±50% for
everything else (counts, durations, rates, money, percentages).

`rackline screen` varies the GUESS assumptions over these ranges, and the register's
workbook shows them, so the planner sees (and can declare) what was assumed plausible.
Defaults keep a scenario valid one value at a time: counts stay whole, a triangular
`low`/`mode`/`high`, a policy's `s`/`S` and a demand schedule's `from`s keep their order
(each moves at most 45% of the way to its neighbour), and of a two-supplier split only
one share varies (the other is its complement).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from rackline.scenario.load import Loaded
from rackline.scenario.paths import get_path, split_path
from rackline.scenario.yamlfile import KeyPath, dotted

FRACTION_UNITS = {"fraction", "share"}
FRACTION_KEYS = {"yield", "reliability", "probability", "start", "first_unit", "rate"}
WHOLE_AT_LEAST_1 = {"servers", "size", "batch", "cards", "order_size", "days_per_week"}
CEILING = {"hours_per_day": 24.0, "days_per_week": 7.0}
ORDERED = [("low", "mode", "high"), ("s", "S"), ("min", "max")]
SKIP_KEYS = {"seed", "day_start"}
_NUMBER = re.compile(r"(\d[\d,]*\.?\d*(?:[eE][-+]?\d+)?)")


@dataclass(frozen=True)
class AssumptionRange:
    """What one assumption is varied over, written as the scenario writes it."""

    path: str
    value: Any
    low: Any
    high: Any
    how: str                        # "declared", "±50%", "±25% within 0-1"
    complement: str | None = None   # the other supplier's share, set to 1 - this one

    def text(self) -> str:
        return f"{_show(self.low)} to {_show(self.high)} ({self.how})"


def _show(v: Any) -> str:
    return v if isinstance(v, str) else f"{v:g}"


def _plain(x: float) -> str:
    text = f"{x:.6f}".rstrip("0").rstrip(".")
    return text or "0"


def _magnitude(value: Any) -> float | None:
    """The number as written: 36 for '36 h', 150 for '$150k', 10 for '10%'."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    m = _NUMBER.search(str(value))
    return float(m.group(1).replace(",", "")) if m else None


def _with_magnitude(value: Any, x: float, whole: bool) -> Any:
    """`value` with its number replaced by x, unit and suffix kept: '36 h' -> '18 h'."""
    if isinstance(value, (int, float)):
        return int(round(x)) if whole else float(round(x, 9))
    return _NUMBER.sub(lambda _: _plain(x), str(value), count=1)


def _siblings(data: dict[str, Any], key: KeyPath) -> list[tuple[KeyPath, Any]]:
    """The neighbours `key` must stay ordered with, as (path, value), in their order."""
    parent, last = key[:-1], key[-1]
    if last == "from" and len(key) >= 3 and isinstance(key[-2], int):
        schedule = get_path(data, dotted(key[:-2]))
        return [(key[:-2] + (i, "from"), e["from"]) for i, e in enumerate(schedule)
                if isinstance(e, dict) and "from" in e]
    for group in ORDERED:
        if last in group:
            node = get_path(data, dotted(parent)) if parent else data
            return [(parent + (k,), node[k]) for k in group if isinstance(node, dict) and k in node]
    return []


def default_range(loaded: Loaded, row: pd.Series, factor: dict[str, float]) -> tuple[Any, Any, str] | str:
    """(low, high, how) for one register row, or why it has none."""
    key = split_path(row.path)
    last = key[-1] if isinstance(key[-1], str) else str(key[-2])
    value = get_path(loaded.data, row.path)
    x = _magnitude(value)
    if key[0] == "run" or last in SKIP_KEYS:
        return "a run setting or a clock time, not an assumption about production"
    if x is None or not math.isfinite(x):
        return "not a finite number"
    if x == 0:
        return "zero: no relative range (declare range: [low, high] beside it)"
    whole = isinstance(value, int) and not isinstance(value, bool)
    fraction = row.base_unit in FRACTION_UNITS or (last in FRACTION_KEYS and 0 < x <= 1 and not isinstance(value, str))
    share, how = (0.25, "±25% within 0-1") if fraction else (0.5, "±50%")
    lo, hi = x * (1 - share), x * (1 + share)
    here = factor.get(row.path, 1.0)
    if fraction:
        hi = min(hi, 1.0 / here)      # '10%' is 0.1: its ceiling is 100 as written
    if last in CEILING:
        hi = min(hi, CEILING[last])
    sibs = _siblings(loaded.data, key)
    pos = next((i for i, (p, _) in enumerate(sibs) if p == key), None)
    if pos is not None:     # stay ordered with the neighbours (compared in model units)
        for j, (p, v) in enumerate(sibs):
            other = _magnitude(v)
            if other is None or j == pos:
                continue
            other = other * factor.get(dotted(p), 1.0) / here
            if j == pos - 1 and other < x:
                lo = max(lo, other + 0.55 * (x - other))
            elif j == pos + 1 and other > x:
                hi = min(hi, x + 0.45 * (other - x))
    if whole:
        lo, hi = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
        least = 1 if last in WHOLE_AT_LEAST_1 or (len(key) >= 2 and key[-2] == "inputs") else 0
        lo = max(lo, least)
        if lo == hi:
            lo, hi = max(lo - 1, least), hi + 1 if last not in CEILING else hi
    if hi <= lo:
        return "no room to vary between its neighbours"
    return _with_magnitude(value, lo, whole), _with_magnitude(value, hi, whole), how


def screening_ranges(loaded: Loaded, reg: pd.DataFrame) -> tuple[list[AssumptionRange], dict[str, str]]:
    """A AssumptionRange for every register row that has one, and why each other row has none."""
    factor = {}     # model units per written unit, for comparing neighbours written in other units
    for r in reg.itertuples():
        x = _magnitude(get_path(loaded.data, r.path))
        if x and isinstance(r.base_value, float) and math.isfinite(r.base_value):
            factor[r.path] = r.base_value / x
    out: list[AssumptionRange] = []
    skipped: dict[str, str] = {}
    partner_of: dict[str, str] = {}
    for _, row in reg.iterrows():
        key = split_path(row.path)
        value = get_path(loaded.data, row.path)
        complement = None
        if row.base_unit == "share":     # a supplier split: one of two varies, the other follows
            owner = get_path(loaded.data, dotted(key[:-1]))
            if len(owner) == 1:
                skipped[row.path] = "the only supplier: its share is 1"
                continue
            if len(owner) > 2:
                skipped[row.path] = "one of three or more suppliers: declare the split in a sweep instead"
                continue
            if row.path in partner_of:
                skipped[row.path] = f"set as 1 - {partner_of[row.path]}"
                continue
            complement = dotted(key[:-1] + (next(k for k in owner if k != key[-1]),))
            partner_of[complement] = row.path
        if key in loaded.ranges:
            low, high = loaded.ranges[key]
            out.append(AssumptionRange(row.path, value, low, high, "declared", complement))
            continue
        found = default_range(loaded, row, factor)
        if isinstance(found, str):
            skipped[row.path] = found
        else:
            out.append(AssumptionRange(row.path, value, *found, complement=complement))
    return out, skipped
