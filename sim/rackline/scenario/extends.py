"""`extends: baseline.yaml`: a scenario written as changes to another.

The child's keys are merged into the base's: mappings merge key by key, anything
else (values, lists) replaces, and `null` removes a key. Errors still point at the
file and line where each value was written, in the child or in the base.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from rackline.errors import Problem, ScenarioError
from rackline.scenario.yamlfile import Document, KeyPath, load_yaml_file

MAX_DEPTH = 8


def _merge(base: Any, child: Any, path: KeyPath, doc: Document, child_doc: Document) -> Any:
    if isinstance(base, dict) and isinstance(child, dict):
        out = dict(base)
        for k, v in child.items():
            p = path + (k,)
            if v is None:
                out.pop(k, None)
                _replace_lines(doc, child_doc, p, keep_child=False)
            else:
                out[k] = _merge(base.get(k), v, p, doc, child_doc)
        if path in child_doc.lines:
            doc.lines[path] = child_doc.lines[path]
            doc.origins[path] = child_doc.file
        return out
    _replace_lines(doc, child_doc, path)
    return child


def _replace_lines(doc: Document, child_doc: Document, prefix: KeyPath, keep_child: bool = True) -> None:
    """The subtree at `prefix` now comes wholly from the child file."""
    for key in [k for k in doc.lines if k[:len(prefix)] == prefix]:
        del doc.lines[key]
        doc.origins.pop(key, None)
    if keep_child:
        for key, line in child_doc.lines.items():
            if key[:len(prefix)] == prefix:
                doc.lines[key] = line
                doc.origins[key] = child_doc.file


def resolve_extends(doc: Document, depth: int = 0, seen: tuple[str, ...] = ()) -> Document:
    data = doc.data
    if not isinstance(data, dict) or "extends" not in data:
        return doc
    ref = data["extends"]
    line = doc.line_of(("extends",))
    if not isinstance(ref, str):
        raise ScenarioError([Problem(doc.file, line, "extends", f"expected a scenario file name, got {ref!r}")])
    base_path = Path(doc.file).parent / ref
    if str(base_path.resolve()) in seen or depth >= MAX_DEPTH:
        raise ScenarioError([Problem(doc.file, line, "extends", f"expected a chain of at most {MAX_DEPTH} files "
                                                                f"without a loop, got {ref!r} again")])
    if base_path.is_dir():
        raise ScenarioError([Problem(doc.file, line, "extends", f"expected a scenario file, got {ref!r}, "
                                                                "which is a directory")])
    if not base_path.exists():
        raise ScenarioError([Problem(doc.file, line, "extends", f"expected an existing scenario file, got {ref!r}")])
    base = resolve_extends(load_yaml_file(base_path), depth + 1, seen + (str(Path(doc.file).resolve()),))
    merged = Document(base.data if isinstance(base.data, dict) else {}, doc.file, dict(base.lines),
                      {k: base.origins.get(k, base.file) for k in base.lines})
    child = {k: v for k, v in data.items() if k != "extends"}
    merged.data = _merge(merged.data, child, (), merged, doc)
    merged.lines[()] = 1
    merged.origins[()] = doc.file
    return merged
