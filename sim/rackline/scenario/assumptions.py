"""The assumption register: every value in a scenario that drives the model.

No public source gives volumes, so every number is an assumption; the register lists
each one with its dotted path, value as written and its unit (`3 d` is in `d`), the
value in model units (`base_value`, in `base_unit`: hours, or per week for rates) and
note, and flags those with no note (a value nobody has justified yet).
"""
from __future__ import annotations

import re
from typing import Any

import pandas as pd

from rackline.scenario.load import Loaded
from rackline.scenario.yamlfile import dotted
from rackline.units import (
    HOURS_PER_WEEK,
    is_duration,
    is_money,
    is_percent,
    is_power,
    is_rate,
    parse_duration,
    parse_money,
    parse_percent,
    parse_power,
    parse_rate,
    unit_of,
)

# unit of a plain number, by the key it sits under
NUMBER_UNITS = {
    "servers": "servers", "batch": "units", "initial": "units", "capacity": "units", "s": "units", "S": "units",
    "R": "units", "Q": "units", "initial_wip": "units", "initial_backlog": "units", "cards": "cards",
    "size": "people", "add": "people", "yield": "fraction", "start": "fraction", "reliability": "fraction",
    "cv": "ratio", "rate": "ratio", "first_unit": "ratio", "shape": "shape", "hours_per_day": "h/day",
    "days_per_week": "days/week", "replications": "count", "seed": "seed", "units": "units",
    "order_size": "units", "value": "", "weights": "weight", "values": "", "power_kw": "kW",
    "probability": "fraction", "prices": "money", "cluster": "units",
}


def _parent_key(path: tuple[Any, ...]) -> str:
    for p in reversed(path):
        if isinstance(p, str):
            return p
    return ""


def _unit_for(path: tuple[Any, ...], value: Any) -> tuple[str, float]:
    if is_duration(value):
        return "h", parse_duration(value)
    if is_rate(value):
        return "per week", parse_rate(value) * HOURS_PER_WEEK
    if is_money(value):   # money is in the scenario's currency; an amount over time is per hour
        per_time = bool(re.search(r"(per|/)\s*[A-Za-z]+\s*$", value))
        return ("money per h" if per_time else "money"), parse_money(value, per_time)
    if is_percent(value):
        return "fraction", parse_percent(value)
    if is_power(value):
        return "kW", parse_power(value)
    if value in ("inf", "infinite", "unlimited"):
        return "units", float("inf")
    key = _parent_key(path)
    if len(path) >= 2 and path[-2] == "inputs":
        return "units per unit made", float(value)
    if len(path) >= 2 and path[-2] == "suppliers":
        return "share", float(value)
    if key == "capacity" and "disruptions" in path:
        return "fraction", float(value)
    return NUMBER_UNITS.get(key, ""), float(value)


def _written_unit(value: Any, base_unit: str) -> str:
    """The unit of a value as written: `d` for `3 d`, `per day` for `10 per day`."""
    found = unit_of(value)
    if found is None:
        return base_unit
    kind, word = found
    return f"per {word}" if kind == "rate" else word


COLUMNS = ["path", "value", "unit", "base_value", "base_unit", "note", "has_note"]


def register(loaded: Loaded) -> pd.DataFrame:
    """One row per model parameter: path, value and its unit as written, base_value and
    base_unit (model units), note, has_note."""
    rows = []

    def note_for(path: tuple[Any, ...]) -> str:
        for k in range(len(path), -1, -1):
            if path[:k] in loaded.notes:
                return loaded.notes[path[:k]]
        return ""

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, path + (k,))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, path + (i,))
        elif isinstance(node, bool) or node is None:
            return
        elif isinstance(node, (int, float)) or (isinstance(node, str) and (
                is_duration(node) or is_rate(node) or is_money(node) or is_percent(node) or is_power(node) or node in ("inf", "infinite", "unlimited"))):
            if path and path[0] in ("name", "description"):
                return
            base_unit, base = _unit_for(path, node)
            note = note_for(path)
            rows.append({"path": dotted(path), "value": node if isinstance(node, str) else repr(node),
                         "unit": _written_unit(node, base_unit), "base_value": base, "base_unit": base_unit,
                         "note": note, "has_note": bool(note)})

    walk(loaded.data, ())
    costs = getattr(loaded.scenario, "costs", None)
    currency = costs.currency if costs is not None else "money"
    for row in rows:
        row["unit"] = str(row["unit"]).replace("money", currency)
        row["base_unit"] = str(row["base_unit"]).replace("money", currency)
    return pd.DataFrame(rows, columns=COLUMNS)


def changed_from_base(loaded: Loaded) -> set[str]:
    """Paths whose value differs from the scenario it `extends:` (or that it adds), and
    those set by flags; raises ScenarioError when there is neither a base nor a flag."""
    from pathlib import Path

    from rackline.errors import Problem, ScenarioError
    from rackline.scenario.load import load_scenario
    from rackline.scenario.yamlfile import load_yaml_file
    raw = load_yaml_file(loaded.source).data
    ref = raw.get("extends") if isinstance(raw, dict) else None
    changed = set(loaded.overrides)
    if isinstance(ref, str):
        mine = register(loaded).set_index("path")
        theirs = register(load_scenario(Path(loaded.source).parent / ref)).set_index("path")

        def same(p: str) -> bool:    # in model units: '3 w' and '21 d' are the same value
            a, b = mine.at[p, "base_value"], theirs.at[p, "base_value"]
            return bool(a == b or (a != a and b != b)) and mine.at[p, "base_unit"] == theirs.at[p, "base_unit"]
        changed |= {p for p in mine.index if p not in theirs.index or not same(p)}
    elif not changed:
        raise ScenarioError([Problem("--changed", None, "", f"expected a scenario with `extends:` (or --set), "
                                                           f"got {loaded.source}, which extends none")])
    return changed


def select(reg: pd.DataFrame, loaded: Loaded, *, site: str | None = None, guess: bool = False,
           grep: str | None = None, changed: bool = False) -> pd.DataFrame:
    """The register's rows that pass every filter: under a site (its stations, stocks,
    crews and their costs), noted GUESS, matching a regular expression (path, value or
    note, any case), or changed from the `extends:` base."""
    from rackline.errors import Problem, ScenarioError
    from rackline.scenario.paths import split_path
    keep = pd.Series(True, index=reg.index)
    if site is not None:
        sites = list(loaded.data.get("sites") or {})
        if site not in sites:
            raise ScenarioError([Problem("--site", None, "", f"expected one of the scenario's sites "
                                                            f"({', '.join(sites)}), got {site!r}")])
        keep &= reg.path.map(lambda p: any(str(k) == site or str(k).startswith(site + ".")
                                           for k in split_path(p)[:3]))
    if guess:
        keep &= reg.note.str.contains("GUESS", case=True)
    if grep is not None:
        try:
            rx = re.compile(grep, re.IGNORECASE)
        except re.error as exc:
            raise ScenarioError([Problem("--grep", None, "", f"expected a regular expression, got {grep!r} "
                                                            f"({exc})")]) from None
        keep &= reg.apply(lambda r: bool(rx.search(f"{r.path} {r.value} {r.note}")), axis=1)
    if changed:
        keep &= reg.path.isin(changed_from_base(loaded))
    return reg[keep]
