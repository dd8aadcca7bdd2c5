"""Read a scenario: YAML -> annotations split off -> overrides -> schema -> whole-scenario checks.

Every problem in the file is collected before anything is reported, each located by
file, line and dotted path. The result keeps the notes beside the validated model,
for the assumption register.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from rackline.errors import Problem, ScenarioError
from rackline.scenario.checks import check_scenario
from rackline.scenario.model import Scenario
from rackline.scenario.paths import apply_overrides
from rackline.scenario.pydantic_errors import to_problems
from rackline.scenario.resolve import resolve
from rackline.scenario.yamlfile import Document, KeyPath, dotted, load_yaml_file, load_yaml_text

M = TypeVar("M", bound=BaseModel)

ANNOTATION_KEYS = {"value", "note", "range"}


@dataclass
class Loaded:
    """A validated scenario with what the register needs: plain data and notes."""

    scenario: Scenario
    data: dict[str, Any]  # plain data, annotations removed, overrides applied
    notes: dict[KeyPath, str]
    source: str
    overrides: dict[str, Any] = field(default_factory=dict)
    previous: dict[str, Any] = field(default_factory=dict)  # value before each override
    declared: Scenario | None = None     # as validated, before the resolve step (cover not yet in units)
    ranges: dict[KeyPath, list[Any]] = field(default_factory=dict)   # `range: [low, high]` declared beside a value

    @property
    def as_written(self) -> Scenario:
        """The scenario as declared: replenishment levels as written (cover in weeks)."""
        return self.declared if self.declared is not None else self.scenario


def strip_annotations(data: Any, doc: Document, ranges: dict[KeyPath, list[Any]] | None = None,
                      ) -> tuple[Any, dict[KeyPath, str], list[Problem]]:
    """`{value: 2, note: "...", range: [1, 4]}` -> 2, remembering the note (and into `ranges`
    the range the value may plausibly take, which `rackline screen` varies it over)."""
    notes: dict[KeyPath, str] = {}
    problems: list[Problem] = []
    ranges = {} if ranges is None else ranges

    def walk(node: Any, path: KeyPath) -> Any:
        if isinstance(node, dict):
            if "value" in node and set(node) <= ANNOTATION_KEYS and "dist" not in node:
                note = node.get("note")
                if note is not None and not isinstance(note, str):
                    problems.append(Problem(doc.file, doc.line_of(path + ("note",)), dotted(path + ("note",)),
                                            f"expected the note as text, got {note!r}"))
                elif note:
                    notes[path] = note.strip()
                if "range" in node:
                    rng = node["range"]
                    if not isinstance(rng, list) or len(rng) != 2 or any(isinstance(v, (dict, list, bool)) or v is None
                                                                         for v in rng):
                        problems.append(Problem(doc.file_of(path + ("range",)), doc.line_of(path + ("range",)),
                                                dotted(path + ("range",)),
                                                f"expected [low, high] written like the value, got {rng!r}"))
                    else:
                        ranges[path] = list(rng)
                return walk(node["value"], path)
            return {k: walk(v, path + (k,)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, path + (i,)) for i, v in enumerate(node)]
        return node

    return walk(data, ()), notes, problems


def _context(data: dict[str, Any]) -> dict[str, set[str]]:
    """Names each kind of reference may point at, taken from the raw data."""

    def keys(name: str) -> set[str]:
        section = data.get(name)
        return set(section) if isinstance(section, dict) else set()

    stations = set()
    for site_name, site in (data.get("sites") or {}).items() if isinstance(data.get("sites"), dict) else []:
        if isinstance(site, dict) and isinstance(site.get("stations"), dict):
            stations |= {f"{site_name}.{s}" for s in site["stations"]}
    return {"item": keys("items"), "site": keys("sites"), "supplier": keys("suppliers"),
            "calendar": keys("calendars"), "lane": keys("lanes"), "generation": keys("generations"),
            "station": stations}


def is_sweep_data(data: Any) -> bool:
    """A sweep file names a base scenario and parameters; a scenario has sites."""
    return isinstance(data, dict) and "parameters" in data and "scenario" in data and "sites" not in data


def is_optimize_data(data: Any) -> bool:
    """An optimize file names a base scenario, decision variables and objectives."""
    return isinstance(data, dict) and "variables" in data and "scenario" in data and "sites" not in data


def is_study_data(data: Any) -> bool:
    """A robustness study names a base scenario, plans and futures."""
    return isinstance(data, dict) and "futures" in data and "scenario" in data and "sites" not in data


def validate_model(model: type[M], data: Any, doc: Document, context: dict[str, Any] | None = None) -> M:
    """Validate plain data against any of rackline's pydantic models, with located problems."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise ScenarioError(to_problems(exc.errors(), doc, data, model)) from None


def validate_data(data: Any, doc: Document, notes: dict[KeyPath, str] | None = None) -> Scenario:
    """Schema, then whole-scenario checks; `notes` (path -> note) when known, for the
    checks that need one (a product declared to earn nothing)."""
    if data is None:
        raise ScenarioError([Problem(doc.file, None, "", "expected a scenario (name, items, sites, ...), got an empty file")])
    if not isinstance(data, dict):
        raise ScenarioError([Problem(doc.file, 1, "", f"expected a mapping of keys (name, items, sites, ...), "
                                                      f"got {type(data).__name__}")])
    if is_sweep_data(data):
        raise ScenarioError([Problem(doc.file, 1, "", "expected a scenario, got a sweep file (it names a 'scenario' "
                                                      "and 'parameters'); run it with `rackline sweep`")])
    scenario = validate_model(Scenario, data, doc, _context(data))
    problems = [Problem(doc.file_of(path), doc.line_of(path), dotted(path), msg)
                for path, msg in check_scenario(scenario, notes)]
    if problems:
        raise ScenarioError(problems)
    return scenario


def scenario_from(data: Any, doc: Document) -> Scenario:
    """Validate plain data and resolve it (cover in units): the scenario the engine runs."""
    return resolve(validate_data(data, doc))


def _blame_flags(doc: Document, overrides: dict[str, Any], source: str) -> Document:
    """A copy of `doc` in which each overridden path comes from its flag, not from the
    file line it replaced: a bad `--set` value is reported as the flag's."""
    from rackline.scenario.paths import override_label, split_path
    out = Document(doc.data, doc.file, dict(doc.lines), dict(doc.origins))
    for path, value in overrides.items():
        key = split_path(path)
        for k in [k for k in out.lines if k[:len(key)] == key]:
            del out.lines[k]
            out.origins.pop(k, None)
        out.lines[key] = 0
        out.origins[key] = override_label(source, path, value)
    return out


def load_document(doc: Document, overrides: dict[str, Any] | None = None, source: str = "--set") -> Loaded:
    ranges: dict[KeyPath, list[Any]] = {}
    data, notes, problems = strip_annotations(doc.data, doc, ranges)
    if problems:
        raise ScenarioError(problems)
    previous: dict[str, Any] = {}
    if overrides:
        data, previous = apply_overrides(data, overrides, source)
        doc = _blame_flags(doc, overrides, source)
        from rackline.scenario.paths import split_path
        for path, value in overrides.items():
            key = split_path(path)
            was = notes.get(key, "")
            notes[key] = f"OVERRIDE: set to {value!r} (was {previous[path]!r})" + (f"; {was}" if was else "")
    declared = validate_data(data, doc, notes)
    return Loaded(resolve(declared), data, notes, doc.file, dict(overrides or {}), previous, declared, ranges)


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None, source: str = "--set") -> Loaded:
    """Load, validate and check a scenario file; raises ScenarioError listing every problem.
    `source` names the flag the overrides came from, for messages."""
    from rackline.scenario.extends import resolve_extends
    return load_document(resolve_extends(load_yaml_file(path)), overrides, source)


def load_scenario_text(text: str, file: str = "<text>", overrides: dict[str, Any] | None = None) -> Loaded:
    return load_document(load_yaml_text(text, file), overrides)
