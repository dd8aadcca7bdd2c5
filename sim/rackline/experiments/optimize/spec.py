"""Optimize files: decision variables, constraints on KPIs, objectives.

```yaml
scenario: forty_a_week.yaml        # base, relative to this file
fixed:                             # overrides applied before the search (like --set)
  run.horizon: 26 w
variables:                         # dotted paths, as --set
  sites.wisconsin.stations.integrate.servers: {low: 3, high: 10}          # whole numbers, step 1
  sites.wisconsin.workforce.technicians.size: {low: 24, high: 72, step: 6}
  suppliers.optics_asia.lead_time.mean: {low: 8 w, high: 16 w, step: 1 w}
  sites.wisconsin.stations.integrate.calendar: {choices: [two_shift, three_shift]}
constraints:                       # each must hold with `confidence` (one-sided bound)
  - throughput:rack_gen1 >= 40 per week
  - fill_rate:openai_gen1 >= 0.95
start: capacity                    # first candidate: values by path, capacity (default) or none
objectives:                        # one (TPE) or several (NSGA-II)
  - minimize: cost_per_rack:total  # in money when the scenario has costs
    indifference: $1k              # delta: plans closer than this count as equally good
```
An objective term is a variable (weighted by its value) or a KPI `kpi[:subject]`
(its mean over replications), as in kpis.csv. A scenario with `costs:` is optimised
in money: its objectives must name a KPI (cost_per_rack:total, npv, ...); weights on
variables (GUESS relative costs) are for scenarios without costs.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from rackline.errors import Problem, ScenarioError
from rackline.experiments.sweep.spec import Axis, Parameter, end_problems
from rackline.scenario.base import Spec
from rackline.scenario.load import Loaded, load_scenario, validate_model
from rackline.scenario.paths import apply_overrides, get_path
from rackline.scenario.values import Count, PositiveCount, expected
from rackline.scenario.yamlfile import Document, load_yaml_file
from rackline.units import HOURS_PER, UnitError, is_duration, is_rate, parse_duration, parse_money, parse_rate

if TYPE_CHECKING:
    from typing_extensions import Self  # pydantic's validators return the model

_CONSTRAINT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)(?::(\S+))?\s*(>=|<=)\s*(.+?)\s*$")
_KPI = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(:\S+)?$")


class VariableSpec(Spec):
    """One decision: a range `low`..`high` with a `step`, or a list of `choices`."""

    low: Any = Field(None, description="smallest value (a number, duration or rate)")
    high: Any = Field(None, description="largest value")
    step: Any = Field(None, description="spacing of the values (default 1 for whole numbers; none: continuous)")
    choices: list[Any] | None = Field(None, description="values to choose from (e.g. calendar names)")

    @model_validator(mode="after")
    def _form(self) -> Self:
        if self.choices is None and (self.low is None or self.high is None):
            raise expected("either 'choices' or both 'low' and 'high'")
        if self.choices is not None and not self.choices:
            raise expected("at least one choice")
        if self.choices is not None and not all(isinstance(c, (str, int, float, bool)) for c in self.choices):
            raise expected("choices that are plain values (names or numbers)")
        return self


def _amount(v: Any) -> Any:
    """An indifference written as money ('$1k') -> its number; anything else as is."""
    if isinstance(v, str):
        try:
            return parse_money(v)
        except UnitError as exc:
            raise expected(f"a number or an amount like '$1k', got {v!r}") from exc
    return v


class ObjectiveSpec(Spec):
    """Minimise or maximise a KPI, a variable, or a weighted sum of them."""

    name: str | None = Field(None, description="label (default: the expression)")
    minimize: str | dict[str, float] | None = None
    maximize: str | dict[str, float] | None = None
    indifference: Annotated[float, BeforeValidator(_amount)] = Field(
        1.0, gt=0, description="delta: differences smaller than this do not matter (a number, or money like '$1k')")

    @model_validator(mode="after")
    def _one(self) -> Self:
        if (self.minimize is None) == (self.maximize is None):
            raise expected("exactly one of 'minimize' or 'maximize'")
        return self


class FinalSpec(Spec):
    """The statistically honest finish: re-run the best few with more replications."""

    candidates: PositiveCount = Field(5, description="best feasible candidates re-run")
    replications: PositiveCount = Field(10, description="first-stage replications of each finalist (>= 2)")
    max_replications: PositiveCount = Field(60, description="cap on the second stage")


class OptimizeSpec(Spec):
    """A search for the best plan over a base scenario."""

    scenario: str = Field(description="base scenario file, relative to this file")
    name: str | None = None
    fixed: dict[str, Any] = Field(default_factory=dict, description="overrides applied before the search")
    variables: dict[str, VariableSpec] = Field(min_length=1)
    constraints: list[str] = Field(default_factory=list)
    objectives: list[ObjectiveSpec] = Field(min_length=1)
    confidence: float = Field(0.95, gt=0.5, lt=1)
    trials: PositiveCount = Field(40, description="candidates asked of the sampler")
    batch: PositiveCount = Field(4, description="candidates evaluated together (fixed: the answer must not "
                                                "depend on --jobs)")
    startup_trials: Count = Field(10, description="random candidates before TPE models the results")
    replications: PositiveCount = Field(3, description="replications per candidate during the search (>= 2)")
    seed: Count = Field(1, description="root seed of every run and of the sampler")
    start: dict[str, Any] | Literal["capacity", "none"] = Field(
        "capacity", description="the first candidate: values by path, 'capacity' (default: the smallest plan "
                                "the rough-cut capacity table calls feasible) or 'none'")
    final: FinalSpec = Field(default_factory=FinalSpec)


@dataclass(frozen=True)
class Variable:
    path: str
    choices: tuple[Any, ...] | None  # categorical
    axis: Axis | None            # numeric: kind, unit, low, high, render
    step: float | None
    integer: bool

    def value_of(self, written: Any) -> float | None:
        """A value as written in a scenario, as a number in this variable's unit (None for choices)."""
        if self.axis is None or isinstance(written, (dict, list)) or written is None:
            return None
        return Axis(self.path, Parameter(low=written, high=written), None).low


@dataclass(frozen=True)
class Constraint:
    text: str
    kpi: str
    subject: str | None
    op: str                      # '>=' or '<='
    target: float                # in the KPI's unit (units/week, h, share)


@dataclass(frozen=True)
class Term:
    kind: str                    # 'variable' or 'kpi'
    key: str                     # path, or kpi[:subject]
    weight: float


@dataclass(frozen=True)
class Objective:
    name: str
    sense: int                   # +1 minimise, -1 maximise
    terms: tuple[Term, ...]
    indifference: float

    @property
    def direction(self) -> Literal["minimize", "maximize"]:
        return "minimize" if self.sense > 0 else "maximize"


@dataclass
class OptimizeProblem:
    """A validated optimize file: base data (fixed overrides applied) and the parsed parts."""

    spec: OptimizeSpec
    base: Loaded
    data: dict[str, Any]
    variables: list[Variable]
    constraints: list[Constraint]
    objectives: list[Objective]
    source: str
    name: str
    money: bool = False          # the scenario has costs: the plan is reported in money

    def key(self) -> str:
        """What must not change for a search to be resumed (the trial budget may)."""
        blob = {"data": self.data, "spec": self.spec.model_dump(exclude={"trials"}, mode="json")}
        return hashlib.sha256(json.dumps(blob, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _target(text: str) -> float:
    import yaml
    v = yaml.safe_load(text)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    if is_rate(text):
        return parse_rate(text) * HOURS_PER["w"]          # KPIs count per week
    if is_duration(text):
        return parse_duration(text)                     # KPIs measure hours
    raise ValueError(f"expected a number, a rate ('40 per week') or a duration ('2 w'), got {text!r}")


def parse_constraint(text: str) -> Constraint:
    m = _CONSTRAINT.match(text) if isinstance(text, str) else None
    if not m:
        raise ValueError(f"expected 'kpi[:subject] >= value' or '<= value', got {text!r}")
    return Constraint(text.strip(), m.group(1), m.group(2), m.group(3), _target(m.group(4)))


def _variable(path: str, v: VariableSpec, current: Any) -> Variable:
    if v.choices is not None:
        return Variable(path, tuple(v.choices), None, None, False)
    axis = Axis(path, Parameter(low=v.low, high=v.high), current if not isinstance(current, (dict, list)) else None)
    if axis.high < axis.low:
        raise ValueError(f"expected low <= high, got {v.low!r} > {v.high!r}")
    step = None
    if v.step is not None:
        step = Axis(path, Parameter(low=v.step, high=v.step), None).low
        if step <= 0:
            raise ValueError(f"expected a step > 0, got {v.step!r}")
    integer = axis.integer and (step is None or float(step).is_integer())
    if integer:
        step = step or 1.0
    return Variable(path, None, axis, step, integer)


def _terms(expr: str | dict[str, float], variables: dict[str, Variable]) -> tuple[Term, ...]:
    items = {expr: 1.0} if isinstance(expr, str) else dict(expr)
    out = []
    for key, w in items.items():
        if key in variables:
            if variables[key].axis is None:
                raise ValueError(f"expected a numeric variable or a KPI, got {key!r} (a variable with choices)")
            out.append(Term("variable", key, float(w)))
        elif _KPI.match(key) and "." not in key.split(":")[0]:
            out.append(Term("kpi", key, float(w)))
        else:
            raise ValueError(f"expected a decision variable's path or a KPI (kpi or kpi:subject), got {key!r}")
    return tuple(out)


def build_problem(spec: OptimizeSpec, source: str, doc: Document | None = None,
                  load: Callable[[Path], Loaded] = load_scenario) -> OptimizeProblem:
    """`load` reads the base scenario (`rackline optimize --assumptions` passes one that
    applies a register workbook's edits)."""
    def line(*p: str | int) -> int | None:
        return doc.line_of(p) if doc is not None else None

    base = load(Path(source).parent / spec.scenario)
    problems: list[Problem] = []
    try:
        data, _ = apply_overrides(base.data, spec.fixed, source)
    except ScenarioError as exc:
        raise ScenarioError([Problem(source, line("fixed", p.path), f"fixed.{p.path}", p.message)
                             for p in exc.problems]) from None
    variables: dict[str, Variable] = {}
    for path, v in spec.variables.items():
        try:
            current = get_path(data, path)
            variables[path] = _variable(path, v, current)
        except Exception as exc:  # noqa: BLE001 - bad paths and units become located problems
            what = getattr(exc, "expected", None)
            problems.append(Problem(source, line("variables", path), f"variables.{path}",
                                    f"expected {what}, got {v.low!r}..{v.high!r}" if what else
                                    f"expected a path in the scenario with a valid range, got {exc}"))
    constraints = []
    for i, text in enumerate(spec.constraints):
        try:
            constraints.append(parse_constraint(text))
        except ValueError as exc:
            problems.append(Problem(source, line("constraints", i), f"constraints.{i}", str(exc)))
    objectives = []
    money = base.scenario.costs is not None
    for i, o in enumerate(spec.objectives):
        expr = o.minimize if o.minimize is not None else o.maximize
        if expr is None:       # the spec requires one of the two; nothing to build
            continue
        try:
            terms = _terms(expr, variables)
        except ValueError as exc:
            problems.append(Problem(source, line("objectives", i), f"objectives.{i}", str(exc)))
            continue
        name = o.name or (expr if isinstance(expr, str) else " + ".join(f"{w:g}*{k}" for k, w in expr.items()))
        if money and all(t.kind == "variable" for t in terms):
            problems.append(Problem(source, line("objectives", i), f"objectives.{i}",
                                    "expected an objective in money, since the scenario has costs: (e.g. "
                                    "'minimize: cost_per_rack:total' or 'maximize: npv'); weights on variables "
                                    f"are for scenarios without costs, got {expr!r}"))
            continue
        objectives.append(Objective(name, 1 if o.minimize is not None else -1, terms, o.indifference))
    if spec.replications < 2:
        problems.append(Problem(source, line("replications"), "replications",
                                "expected at least 2 replications (a confidence bound needs two), "
                                f"got {spec.replications}"))
    if spec.final.replications < 2:
        problems.append(Problem(source, line("final", "replications"), "final.replications",
                                f"expected at least 2 replications, got {spec.final.replications}"))
    if isinstance(spec.start, dict):
        for path in spec.start:
            if path not in variables:
                problems.append(Problem(source, line("start", path), f"start.{path}",
                                        f"expected one of the variables, got {path!r}"))
    if not problems:       # a range reaching servers 0 would fail at every candidate there: refused now
        problems += [Problem(source, line("variables", v.path), f"variables.{v.path}", text)
                     for v in variables.values() if v.axis is not None for text in end_problems(v.axis, data)]
    if problems:
        raise ScenarioError(problems)
    return OptimizeProblem(spec, base, data, list(variables.values()), constraints, objectives, source,
                           spec.name or Path(source).stem, money)


def load_optimize(path: str | Path, load: Callable[[Path], Loaded] = load_scenario) -> OptimizeProblem:
    doc = load_yaml_file(path)
    if doc.data is None:
        raise ScenarioError([Problem(str(path), None, "", "expected an optimize file (scenario, variables, "
                                                          "objectives), got an empty file")])
    spec = validate_model(OptimizeSpec, doc.data, doc)
    return build_problem(spec, str(path), doc, load)
