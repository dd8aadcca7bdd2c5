"""Turn pydantic's validation errors into `FILE:LINE: at PATH: expected ..., got ...`."""
from __future__ import annotations

import difflib
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from rackline.errors import Problem
from rackline.scenario.yamlfile import Document, KeyPath, dotted


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping" if value else "an empty mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _walk_loc(data: Any, loc: KeyPath) -> KeyPath:
    """Keep the parts of pydantic's loc that are real keys (drop union tags and wrappers)."""
    path, node = [], data
    for i, part in enumerate(loc):
        if part == "[key]" or (isinstance(part, str) and "[" in part and not (isinstance(node, dict) and part in node)):
            continue  # a union member's tag (`literal['scrap']`, `function-after[check(), str]`), not a key
        if isinstance(node, dict) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
        elif i == len(loc) - 1 and isinstance(node, dict) and node.get("dist") != part:
            path.append(part)  # a missing key (not a distribution's union tag)
    return tuple(path)


def _unwrap(tp: Any) -> list[Any]:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return [t for a in typing.get_args(tp) for t in _unwrap(a)]
    return [tp]


def _model_at(root: type[BaseModel], data: Any, path: KeyPath) -> type[BaseModel] | None:
    """The model class that describes the mapping at `path` (for 'did you mean')."""
    candidates: list[Any] = [root]
    node = data
    for part in path:
        nxt: list[Any] = []
        for tp in candidates:
            origin = typing.get_origin(tp)
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                for name, f in tp.model_fields.items():
                    if part in (name, f.alias):
                        nxt.extend(_unwrap(f.annotation))
            elif origin is dict:
                nxt.extend(_unwrap(typing.get_args(tp)[1]))
            elif origin is list and isinstance(part, int):
                nxt.extend(_unwrap(typing.get_args(tp)[0]))
        # `path` comes from _walk_loc, which keeps only int indices under a list
        node = node.get(part) if isinstance(node, dict) else node[typing.cast(int, part)] if isinstance(node, list) else None
        candidates = nxt
    models = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
    if len(models) > 1 and isinstance(node, dict) and "dist" in node:  # pick the named distribution
        models = [m for m in models if node["dist"] in str(getattr(m.model_fields.get("dist"), "annotation", ""))] or models
    return models[0] if models else None


def _keys_of(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def to_problems(errors: Sequence[Any], doc: Document, data: Any, root: type[BaseModel]) -> list[Problem]:
    problems: dict[tuple[KeyPath, str], Problem] = {}
    branches: set[tuple[KeyPath, str]] = set()    # a union's other branch rejecting a whole mapping or list (see below)
    for err in errors:
        path = _walk_loc(data, tuple(err["loc"]))
        kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
        if kind == "extra_forbidden":
            model = _model_at(root, data, path[:-1])
            allowed = _keys_of(model) if model else []
            close = difflib.get_close_matches(str(path[-1]), allowed, n=1, cutoff=0.6)
            if close:
                msg = f"expected a known key, got unknown key {path[-1]!r}; did you mean {close[0]!r}?"
            else:
                msg = f"expected one of the keys {', '.join(allowed)}, got unknown key {path[-1]!r}"
        elif kind == "missing":
            msg = "expected a value for this required key, got nothing"
        elif kind == "rackline" and "kind" in ctx:
            msg = f"{err['msg']}, got {_short(value)}{ctx.get('hint', '')}"
        elif kind == "rackline":
            what = ctx.get("what") or err["msg"].removeprefix("expected ")
            # a rule about a whole mapping: the values are in the file, no need to echo them
            msg = f"expected {what}" + ("" if isinstance(value, (dict, list)) else f", got {_short(value)}")
        elif kind == "literal_error":
            choices = ctx.get("expected", "")
            close = difflib.get_close_matches(str(value), [c.strip(" '") for c in choices.replace(" or ", ", ").split(",")], n=1)
            hint = f"; did you mean {close[0]!r}?" if close and close[0] != value else ""
            msg = f"expected one of {choices}, got {_short(value)}{hint}"
        elif kind in ("model_type", "dict_type", "model_attributes_type"):
            msg = f"expected a mapping of keys, got {_short(value)}"
        elif kind == "list_type":
            msg = f"expected a list, got {_short(value)}"
        elif kind in ("string_type",):
            msg = f"expected text, got {_short(value)}"
        elif kind in ("bool_type", "bool_parsing"):
            msg = f"expected true or false, got {_short(value)}"
        elif kind == "too_short":
            msg = f"expected at least {ctx.get('min_length', 1)} entries, got {_short(value)}"
        elif kind == "union_tag_invalid":
            msg = f"expected one of {ctx.get('expected_tags')}, got {ctx.get('tag')!r}"
        elif kind == "value_error":
            msg = f"expected {str(ctx.get('error', err['msg']))}, got {_short(value)}"
        else:
            text = err["msg"].replace("Input should be ", "")
            msg = f"expected {text}, got {_short(value)}"
        key = (path, msg)
        problems.setdefault(key, Problem(doc.file_of(path), doc.line_of(path), dotted(path), msg))
        if kind == "rackline" and isinstance(value, (dict, list)):
            branches.add(key)
    # One message per mistake: `rate: [-10% ...]` in a `Percent | list[TariffStep]` fails both
    # branches; the error inside the list says what is wrong, the scalar branch's adds nothing.
    deeper = [p for p, _ in problems]
    return [prob for (path, msg), prob in problems.items()
            if (path, msg) not in branches or not any(len(d) > len(path) and d[:len(path)] == path for d in deeper)]
