"""Dotted paths into scenario data: the one mechanism behind `--set`, sweeps and compare.

`sites.texas.stations.l11_test.servers` names a key; list elements are indices
(`demand.gen1.schedule.0.rate`); under `costs.labour` and `costs.stations`, whose keys
are `site.name`, the two parts after them are one key (`costs.labour.wisconsin.technicians.rate`). A path that does not exist is an error naming the
closest one that does.
"""
from __future__ import annotations

import copy
import difflib
from typing import Any

from rackline.errors import Problem, ScenarioError
from rackline.scenario.yamlfile import KeyPath

# mappings whose keys are written `site.name` (a station or a workforce pool)
DOTTED_KEYS = {("costs", "labour"), ("costs", "stations")}


def split_path(path: str) -> KeyPath:
    """The keys of a dotted path; under `costs.labour` and `costs.stations` the two parts
    after them are one key (`wisconsin.technicians`)."""
    parts: list[str | int] = [int(p) if p.isdigit() else p for p in path.strip().split(".")]
    for depth in range(len(parts) - 1):
        if tuple(map(str, parts[:depth])) in DOTTED_KEYS:
            parts[depth:depth + 2] = [f"{parts[depth]}.{parts[depth + 1]}"]
            break
    return tuple(parts)


def _closest(node: Any, key: Any) -> str:
    if isinstance(node, dict):
        keys = [str(k) for k in node]
        close = difflib.get_close_matches(str(key), keys, n=1, cutoff=0.5)
        if close:
            return f"did you mean {close[0]!r}?"
        return f"valid keys here: {', '.join(keys[:15]) or 'none'}"
    if isinstance(node, list):
        return f"valid indices here: 0..{len(node) - 1}" if node else "the list is empty"
    return f"it is a value ({node!r}), not a mapping"


def resolve(data: Any, path: str, *, create_leaf: bool = False) -> tuple[Any, Any]:
    """(parent container, key) for `path`; raises ValueError naming the closest valid key."""
    parts = split_path(path)
    if not parts or "" in parts:
        raise ValueError(f"expected a dotted path like 'sites.texas.stations.test.servers', got {path!r}")
    node = data
    for depth, key in enumerate(parts):
        here = ".".join(map(str, parts[:depth])) or "the top level"
        last = depth == len(parts) - 1
        if isinstance(node, dict) and (key in node or str(key) in node):
            key = key if key in node else str(key)
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            pass
        elif last and create_leaf and isinstance(node, dict):
            key = str(key)
        else:
            raise ValueError(f"no {str(key)!r} under {here}; {_closest(node, key)}")
        if last:
            return node, key
        node = node[key]
    raise AssertionError


def get_path(data: Any, path: str) -> Any:
    parent, key = resolve(data, path)
    return parent[key]


def set_path(data: Any, path: str, value: Any) -> Any:
    """Set in place (a missing last key is created; the schema then checks it). Returns the old value."""
    parent, key = resolve(data, path, create_leaf=True)
    old = parent.get(key) if isinstance(parent, dict) else parent[key]
    parent[key] = value
    return old


def flag_label(source: str, text: str) -> str:
    """How a problem names the command-line flag it came from: `--set PATH=VALUE`."""
    text = text if len(text) <= 60 else text[:57] + "..."
    return f"{source} {text}"


def written(value: Any) -> str:
    """A parsed value as a flag would write it: strings as they are, the rest as JSON."""
    import json
    return value if isinstance(value, str) else json.dumps(value, default=str)


def override_label(source: str, path: str, value: Any) -> str:
    """The flag text of an already parsed override (`--set run.seed=3`)."""
    return flag_label(source, f"{path}={written(value)}")


def parse_value(raw: str, label: str, path: str = "") -> Any:
    """A command-line value read as YAML, with the same limits as a file (depth, tags)."""
    from rackline.scenario.yamlfile import load_yaml_text
    if not raw.strip():
        return ""
    try:
        return load_yaml_text(raw, label).data
    except ScenarioError as exc:
        raise ScenarioError([Problem(label, None, path, p.message) for p in exc.problems]) from None


def parse_assignment(text: str, source: str = "--set") -> tuple[str, Any]:
    """`PATH=VALUE` with VALUE read as YAML (`3`, `'4 h'`, `{dist: exponential, mean: 2 h}`)."""
    if "=" not in text:
        raise ScenarioError([Problem(source, None, "", f"expected PATH=VALUE, got {text!r}")])
    path, raw = text.split("=", 1)
    return path.strip(), parse_value(raw, flag_label(source, text), path.strip())


def apply_overrides(data: Any, overrides: dict[str, Any], source: str = "--set") -> tuple[Any, dict[str, Any]]:
    """A deep copy of `data` with every override applied; all bad paths reported at once."""
    data = copy.deepcopy(data)
    problems, old = [], {}
    for path, value in overrides.items():
        try:
            old[path] = set_path(data, path, copy.deepcopy(value))
        except ValueError as exc:
            text = str(exc) if str(exc).startswith("expected") else f"expected an existing path, got {exc}"
            problems.append(Problem(override_label(source, path, value), None, path, text))
    if problems:
        raise ScenarioError(problems)
    return data, old


def overrides_of(assignments: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """`--set PATH=VALUE` flags as {path: value}; a bad one raises ScenarioError naming the flag."""
    return dict(parse_assignment(a) for a in assignments)
