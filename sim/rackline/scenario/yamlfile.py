"""Read YAML into plain data plus a map from dotted path to line number.

Errors must say `FILE:LINE: at PATH`, so the loader keeps each key's line. It also
refuses what a planner never means to write and what would hang a loader: several
documents, duplicate keys, alias bombs (a billion laughs expands to more nodes than
`MAX_NODES`), nesting deeper than `MAX_DEPTH`, files over `MAX_BYTES`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rackline.errors import Problem, ScenarioError

# the C loader is ~10x faster; fall back when libyaml is missing
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_BYTES = 2_000_000
MAX_NODES = 200_000
MAX_DEPTH = 40
_PARSE_DEPTH = 100  # the composer's own limit; below it the builder reports a located path

KeyPath = tuple[str | int, ...]
"""Where a value sits in scenario data: mapping keys and list indices, ("demand", "gen1", "schedule", 0)."""


@dataclass
class Document:
    """Plain data read from a YAML file, with where each path came from."""

    data: Any
    file: str
    lines: dict[KeyPath, int] = field(default_factory=dict)
    origins: dict[KeyPath, str] = field(default_factory=dict)   # path -> file it came from (extends)

    def _nearest(self, path: KeyPath) -> KeyPath | None:
        path = tuple(path)
        while True:
            if path in self.lines:
                return path
            if not path:
                return None
            path = path[:-1]

    def line_of(self, path: KeyPath) -> int | None:
        """The line of `path`, or of its nearest ancestor that has one."""
        near = self._nearest(path)
        return None if near is None else self.lines[near]

    def file_of(self, path: KeyPath) -> str:
        """The file `path` was written in (a base scenario's, for inherited values)."""
        near = self._nearest(path)
        return self.origins.get(near, self.file) if near is not None else self.file


def dotted(path: KeyPath) -> str:
    return ".".join(str(p) for p in path)


class _Builder:
    def __init__(self, file: str):
        self.file = file
        self.lines: dict[KeyPath, int] = {}
        self.count = 0
        self.constructor = yaml.constructor.SafeConstructor()

    def fail(self, node: yaml.Node, path: KeyPath, message: str) -> None:
        raise ScenarioError([Problem(self.file, node.start_mark.line + 1, dotted(path), message)])

    def build(self, node: yaml.Node, path: KeyPath, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            self.fail(node, path, f"expected at most {MAX_NODES:,} values, got more "
                      "(an alias bomb or a runaway file?)")
        if depth > MAX_DEPTH:
            self.fail(node, path, f"expected nesting at most {MAX_DEPTH} deep, got deeper")
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, path + (i,), depth + 1) for i, child in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in self._merged(node, path):
                if not isinstance(key_node, yaml.ScalarNode):
                    self.fail(key_node, path, "expected a plain key, got a mapping or list as key")
                key = self.scalar(key_node, path)
                if not isinstance(key, (str, int, float, bool)) or key is None:
                    self.fail(key_node, path, f"expected a plain key, got {key_node.value!r}")
                key = str(key) if not isinstance(key, str) else key
                if key in out:
                    self.fail(key_node, path + (key,), f"expected each key once, got {key!r} twice")
                self.lines[path + (key,)] = key_node.start_mark.line + 1
                out[key] = self.build(value_node, path + (key,), depth + 1)
                self.lines[path + (key,)] = key_node.start_mark.line + 1
            return out
        self.fail(node, path, "expected a mapping, list or value")  # pragma: no cover

    def scalar(self, node: yaml.ScalarNode, path: KeyPath) -> Any:
        """A scalar's value; a tag it does not fit (`!!int two`) is a located problem."""
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            self.fail(node, path, f"expected a plain value, got {node.value!r} ({getattr(exc, 'problem', exc)})")
        except Exception:  # noqa: BLE001 - the tag constructors raise ValueError, KeyError, ...
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            self.fail(node, path, f"expected a value that fits its tag {tag}, got {node.value!r}")

    def _merged(self, node: yaml.MappingNode, path: KeyPath) -> list[tuple[yaml.Node, yaml.Node]]:
        """Key/value pairs with YAML merge keys (`<<: *base`) expanded, own keys winning."""
        own, merged = [], []
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                for src in sources:
                    if not isinstance(src, yaml.MappingNode):
                        self.fail(src, path, "expected a mapping after '<<:', got something else")
                    merged.extend(self._merged(src, path))
            else:
                own.append((key_node, value_node))
        own_keys = {k.value for k, _ in own if isinstance(k, yaml.ScalarNode)}
        seen: set[str] = set()
        base = []
        for k, v in merged:
            if k.value not in own_keys and k.value not in seen:
                seen.add(k.value)
                base.append((k, v))
        self.count += len(base)
        return base + own


def _check_depth(text: str, file: str) -> None:
    """Refuse deep nesting from the parser's flat event stream, before the (recursive)
    composer sees it: 25,000 nested lists crash libyaml's composer outright."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > _PARSE_DEPTH:
                raise ScenarioError([Problem(file, event.start_mark.line + 1 if event.start_mark else None, "",
                                             f"expected nesting at most {MAX_DEPTH} deep, got deeper")])
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1


# libyaml's own limits (PyYAML >= 6.0.2 bundles a libyaml that stops at 1,000 levels while
# scanning ahead, before our event-stream check sees 100): "exceeded maximum nesting depth"
# under "while increasing flow/block level". Any such limit is the nesting rule, located.
_PARSER_LIMITS = ("nesting depth", "nesting level", "flow level", "block level", "indent level")


def _is_parser_limit(exc: yaml.YAMLError) -> bool:
    text = " ".join(str(getattr(exc, attr, "") or "") for attr in ("problem", "context")).lower()
    return any(word in text for word in _PARSER_LIMITS)


def _syntax_problem(exc: yaml.YAMLError, text: str, file: str) -> Problem:
    """A parser error located where the writer must look: an unclosed bracket or quote
    at the line that opens it (the parser notices it a line or more later); a parser's
    nesting limit is rackline's nesting rule, whichever limit was met first."""
    if isinstance(exc, yaml.MarkedYAMLError) and _is_parser_limit(exc):
        mark = exc.problem_mark or exc.context_mark
        return Problem(file, mark.line + 1 if mark else None, "", f"expected nesting at most {MAX_DEPTH} deep, got deeper")
    if isinstance(exc, yaml.reader.ReaderError):
        line = text[:exc.position].count("\n") + 1
        return Problem(file, line, "", f"expected printable text, got a character YAML refuses ({exc.reason})")
    if not isinstance(exc, yaml.MarkedYAMLError):
        return Problem(file, None, "", f"expected valid YAML, got {exc}")
    context = exc.context or ""
    opened = context.startswith(("while parsing a flow", "while scanning a quoted"))
    mark = (exc.context_mark if opened else None) or exc.problem_mark or exc.context_mark
    what = f"{context}, {exc.problem}" if opened else (exc.problem or context or "unreadable YAML")
    return Problem(file, mark.line + 1 if mark else None, "", f"expected valid YAML, got a syntax error: {what}")


def load_yaml_text(text: str, file: str) -> Document:
    """Parse `text`; raise ScenarioError with a located problem if it is not usable YAML."""
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        raise ScenarioError([Problem(file, None, "", f"expected a file under {MAX_BYTES // 1_000_000} MB, got a larger one")])
    try:
        _check_depth(text, file)
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        raise ScenarioError([_syntax_problem(exc, text, file)]) from None
    except RecursionError:
        raise ScenarioError([Problem(file, None, "", f"expected nesting at most {MAX_DEPTH} deep, got deeper")]) from None
    if len(nodes) > 1:
        raise ScenarioError([Problem(file, nodes[1].start_mark.line + 1, "",
                                     "expected one YAML document, got several ('---' separators)")])
    if not nodes:
        return Document(None, file, {})
    builder = _Builder(file)
    data = builder.build(nodes[0], (), 0)
    return Document(data, file, builder.lines)


def load_yaml_file(path: str | Path) -> Document:
    """Read a YAML file; a missing or unreadable file is a located problem too."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem(str(path), None, "", "expected an existing file, got a path that does not exist")]) from None
    except IsADirectoryError:
        raise ScenarioError([Problem(str(path), None, "", "expected a YAML file, got a directory")]) from None
    except UnicodeDecodeError as exc:     # name the byte and its line: 'café' saved as Latin-1
        raw = exc.object if isinstance(exc.object, bytes) else b""
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ScenarioError([Problem(str(path), line, "", (
            f"expected UTF-8 text, got byte 0x{raw[exc.start]:02x} at byte {exc.start} (column {column}) that is "
            "not UTF-8: binary, or another encoding such as Latin-1; save the file as UTF-8"))]) from None
    except OSError as exc:
        raise ScenarioError([Problem(str(path), None, "", f"expected a readable file, got {exc.strerror}")]) from None
    return load_yaml_text(text, str(path))
