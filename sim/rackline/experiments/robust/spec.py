"""Robustness studies: which plan holds up across many futures.

```yaml
scenario: ../baseline.yaml         # base, relative to this file
plans:                             # named sets of dotted-path values (as --set); {} is the base
  three_cells: {}
  five_cells: {sites.wisconsin.stations.integrate.servers: 5}
grid:                              # or/and: every combination becomes a plan
  sites.wisconsin.workforce.technicians.size: [40, 60]
finalists: ../../results/optimize/forty_a_week   # or/and: the finalists of an optimize folder
futures:
  method: lhs                      # lhs | sobol (scipy.stats.qmc)
  samples: 200
  uncertainties:                   # uniform over low..high, or one of `values`
    demand.openai_gen1.option.probability: {low: 0.3, high: 1.0}
    costs.tariffs.overseas: {low: 10%, high: 50%}
  named:                           # futures a planner wants to see by name
    option_lapses: {demand.openai_gen1.option.probability: 0.3}
targets: [fill_rate:openai_gen1 >= 0.95, npv:all >= 0]
regret: {kpi: npv:all, better: higher}
kpis: [cost_per_rack:total]        # reported besides the targets' and the regret's
replications: 1
seed: 2025
```
Every plan runs every future with the same seed (common random numbers).
"""
from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from rackline.errors import Problem, ScenarioError
from rackline.experiments.optimize.spec import Constraint, parse_constraint
from rackline.experiments.sweep.spec import Axis, Parameter
from rackline.kpi_names import KPI_NAMES
from rackline.scenario.base import Spec
from rackline.scenario.load import Loaded, load_scenario, scenario_from, validate_model
from rackline.scenario.model import NAME_MAX
from rackline.scenario.paths import apply_overrides, get_path
from rackline.scenario.values import Count, PositiveCount, expected
from rackline.scenario.yamlfile import Document, KeyPath, load_yaml_file

if TYPE_CHECKING:
    from typing_extensions import Self  # pydantic's validators return the model

# KPIs where less is better; every other KPI a target or regret names is better higher
LOWER_IS_BETTER = frozenset({"build_time", "backlog", "order_lead_time", "order_lead_time_p90", "open_orders_at_end",
                             "stockout", "wip", "wip_family", "supplier_lead_time", "disruption_loss",
                             "cost_per_rack", "cost_per_rack_family", "cost_total", "tariffs_paid",
                             "working_capital", "capital_employed", "unsold_at_end", "payback_week"})


class FuturesSpec(Spec):
    """The futures every plan faces: sampled ones and named ones."""

    method: Literal["lhs", "sobol"] = Field("lhs", description="how the uncertainties are sampled")
    samples: Count = Field(16, description="sampled futures (a power of 2 for sobol)")
    uncertainties: dict[str, Parameter] = Field(default_factory=dict,
                                                description="dotted path: its range (low, high) or values")
    named: dict[str, dict[str, Any]] = Field(default_factory=dict, description="name: {dotted path: value}")

    @model_validator(mode="after")
    def _some(self) -> Self:
        if not self.named and (self.samples == 0 or not self.uncertainties):
            raise expected("uncertainties with samples > 0, or named futures")
        return self


class RegretSpec(Spec):
    """The KPI regret is measured on, and which way is better."""

    kpi: str = Field(description="`kpi:subject`, e.g. npv:all")
    better: Literal["higher", "lower"] | None = Field(None, description="default: lower for costs, backlogs "
                                                                          "and times, higher otherwise")


class StudySpec(Spec):
    """A robustness study over a base scenario."""

    scenario: str = Field(description="base scenario file, relative to the study file")
    name: str | None = Field(None, max_length=NAME_MAX, description="study name (default: the file name)")
    plans: dict[str, dict[str, Any]] = Field(default_factory=dict, description="name: {dotted path: value}")
    grid: dict[str, list[Any]] = Field(default_factory=dict, description="dotted path: values; each "
                                                                          "combination is a plan")
    finalists: str | None = Field(None, description="a `rackline optimize` results folder, relative to the study "
                                                    "file: each of its finalists becomes a plan")
    futures: FuturesSpec
    targets: list[str] = Field(min_length=1, description="'kpi:subject >= value' a future must meet")
    regret: RegretSpec | None = Field(None, description="default: the first target's KPI")
    kpis: list[str] = Field(default_factory=list, description="KPIs reported besides the targets' and regret's")
    criterion: Literal["satisficing", "regret"] = Field(
        "satisficing", description="satisficing: highest share of futures meeting every target, ties by P90 "
                                   "regret; regret: lowest P90 regret, ties by satisficing share")
    replications: PositiveCount = Field(1, description="replications per (plan, future)")
    seed: Count = Field(1, description="root seed of every run and of the sampling")

    @model_validator(mode="after")
    def _plans(self) -> Self:
        if not self.plans and not self.grid and not self.finalists:
            raise expected("'plans', 'grid' or 'finalists' (at least one plan)")
        return self


@dataclass(frozen=True)
class Plan:
    name: str
    overrides: dict[str, Any]


@dataclass(frozen=True)
class Future:
    """One future: its overrides, and its sampled values (NaN for a named future's unset ones)."""

    name: str
    overrides: dict[str, Any]
    values: tuple[float, ...]
    sampled: bool


@dataclass(frozen=True)
class Measure:
    """A KPI the study reports: `kpi:subject` and which way is better."""

    kpi: str
    subject: str
    higher_is_better: bool

    @property
    def key(self) -> str:
        return f"{self.kpi}:{self.subject}"


@dataclass
class Study:
    """A validated study: base scenario, plans, futures (sampled, then named), targets, measures."""

    spec: StudySpec
    base: Loaded
    source: str
    name: str
    plans: list[Plan]
    axes: list[Axis]
    futures: list[Future]
    targets: list[Constraint]
    regret: Measure
    measures: list[Measure] = field(default_factory=list)

    @property
    def runs(self) -> int:
        return len(self.plans) * len(self.futures) * self.spec.replications


def _measure(text: str, better: str | None = None) -> Measure:
    name, _, subject = text.partition(":")
    if name not in KPI_NAMES:
        import difflib
        close = difflib.get_close_matches(name, KPI_NAMES, n=1)
        raise ValueError(f"expected a KPI name, got {text!r}" + (f"; did you mean {close[0]!r}?" if close else ""))
    if not subject:
        raise ValueError(f"expected 'kpi:subject' (e.g. {name}:all or {name}:<product>), got {text!r}")
    higher = (better == "higher") if better else name not in LOWER_IS_BETTER
    return Measure(name, subject, higher)


def sample(axes: list[Axis], method: str, n: int, seed: int) -> np.ndarray:
    """n points in the uncertainties' ranges (rows x axes, in each axis' unit); a `values`
    axis takes one of its values, each an equal share of [0, 1)."""
    if not axes or n == 0:
        return np.zeros((0, len(axes)))
    from scipy.stats import qmc
    rng = np.random.default_rng(seed)
    engine = (qmc.LatinHypercube(d=len(axes), seed=rng) if method == "lhs"
              else qmc.Sobol(d=len(axes), scramble=True, seed=rng))
    u = engine.random(n)
    cols = []
    for k, a in enumerate(axes):
        if a.values is not None:
            idx = np.minimum((u[:, k] * len(a.values)).astype(int), len(a.values) - 1)
            cols.append(np.asarray(a.values, dtype=float)[idx])
        else:
            cols.append(np.array([a.scale(x) for x in u[:, k]]))
    return np.column_stack(cols)


def _plans(spec: StudySpec) -> list[Plan]:
    plans = [Plan(name, dict(ov)) for name, ov in spec.plans.items()]
    if spec.grid:
        paths = list(spec.grid)
        short = [_short(p, paths) for p in paths]
        for combo in itertools.product(*spec.grid.values()):
            label = ", ".join(f"{p}={v}" for p, v in zip(short, combo))
            plans.append(Plan(label, dict(zip(paths, combo))))
    return plans


def finalist_plans(folder: Path) -> list[Plan]:
    """The finalists of a complete `rackline optimize` folder as plans named after their
    trial (the chosen one marked); their values are the dotted-path columns of finalists.csv."""
    import json

    import pandas as pd
    try:
        meta = json.loads((folder / "manifest.json").read_text())
        table = pd.read_csv(folder / "finalists.csv")
    except (OSError, ValueError) as exc:
        raise ValueError(f"expected a complete `rackline optimize` folder with finalists.csv, got {folder} "
                         f"({type(exc).__name__})") from None
    if not isinstance(meta, dict) or meta.get("kind") != "optimize" or not meta.get("complete"):
        raise ValueError(f"expected a complete `rackline optimize` folder, got {folder} (its manifest says otherwise)")
    paths = [c for c in table.columns if "." in c]
    out = []
    for row in table.to_dict("records"):
        values = {p: (int(v) if isinstance(v, float) and v.is_integer() else v) for p, v in ((p, row[p]) for p in paths)}
        out.append(Plan(f"trial_{int(row['trial'])}" + ("_chosen" if bool(row.get("chosen")) else ""), values))
    return out


def _short(path: str, paths: list[str]) -> str:
    """The shortest tail of a dotted path that no other path ends with: 'b.servers'."""
    parts = path.split(".")
    for k in range(1, len(parts) + 1):
        tail = ".".join(parts[-k:])
        if not any(o != path and (o == tail or o.endswith("." + tail)) for o in paths):
            return tail
    return path


def _check_values(base: dict[str, Any], overrides: dict[str, Any], where: KeyPath, source: str,
                  line: Callable[..., int | None]) -> list[Problem]:
    """Whether `overrides` name paths of the scenario and give it valid values, located in the study."""
    at = ".".join(map(str, where))
    try:
        data, _ = apply_overrides(base, overrides, source)
    except ScenarioError as exc:
        return [Problem(source, line(*where, p.path), f"{at}.{p.path}", p.message) for p in exc.problems]
    try:
        scenario_from(data, Document(data, source))
    except ScenarioError as exc:
        out = []
        for p in exc.problems:
            path = next((k for k in overrides if p.path == k or p.path.startswith(k + ".")), None)
            deeper = [x for x in p.path[len(path) + 1:].split(".") if x] if path else []   # inside a mapping value
            out.append(Problem(source, line(*where, path, *deeper) if path else line(*where),
                               f"{at}.{p.path}" if path else at,
                               p.message if path else f"{p.message} (at {p.path} of the scenario)"))
        return out
    return []


def build_study(spec: StudySpec, source: str, doc: Document | None = None,
                load: Callable[[Path], Loaded] = load_scenario) -> Study:
    """Check every part of the study against its base scenario, read by `load` (`rackline
    robust --assumptions` passes one that applies a register workbook's edits); all
    problems at once."""
    def line(*p: str | int) -> int | None:
        return doc.line_of(p) if doc is not None else None

    base = load(Path(source).parent / spec.scenario)
    problems: list[Problem] = []
    plans = _plans(spec)
    from_optimize: set[str] = set()
    if spec.finalists is not None:
        try:
            found = finalist_plans(Path(source).parent / spec.finalists)
            plans += found
            from_optimize = {p.name for p in found}
        except ValueError as exc:
            problems.append(Problem(source, line("finalists"), "finalists", str(exc)))
    for plan in plans:
        where: tuple[str, ...] = (("plans", plan.name) if plan.name in spec.plans else
                                  ("finalists",) if plan.name in from_optimize else ("grid",))
        problems += _check_values(base.data, plan.overrides, where, source, line)
    if len({p.name for p in plans}) != len(plans):
        problems.append(Problem(source, line("plans"), "plans", "expected plan names that differ from the grid's "
                                                                "and the finalists'"))
    axes = []
    for path, p in spec.futures.uncertainties.items():
        at = ("futures", "uncertainties", path)
        try:
            current = get_path(base.data, path)
            axis = Axis(path, p, current if not isinstance(current, (dict, list)) else None)
        except ValueError as exc:
            text = str(exc) if str(exc).startswith("expected") else f"expected a path in the scenario, got {exc}"
            problems.append(Problem(source, line(*at), f"futures.uncertainties.{path}", text))
            continue
        if axis.values is None and axis.low > axis.high:
            problems.append(Problem(source, line(*at), f"futures.uncertainties.{path}",
                                    f"expected low <= high, got low {p.low!r} above high {p.high!r}"))
            continue
        axes.append(axis)
    if len(axes) == len(spec.futures.uncertainties) and axes:   # the range's ends must make valid scenarios
        for end in ("low", "high"):
            ov = {a.path: a.render(getattr(a, end)) for a in axes}
            problems += _check_values(base.data, ov, ("futures", "uncertainties"), source, line)
    for name, ov in spec.futures.named.items():
        problems += _check_values(base.data, ov, ("futures", "named", name), source, line)
    n = spec.futures.samples
    if spec.futures.method == "sobol" and n & (n - 1):
        problems.append(Problem(source, line("futures", "samples"), "futures.samples",
                                f"expected a power of 2 for sobol sampling (e.g. {1 << (n.bit_length() - 1)} or "
                                f"{1 << n.bit_length()}), got {n}"))
    targets = []
    for i, text in enumerate(spec.targets):
        try:
            c = parse_constraint(text)
            _measure(f"{c.kpi}:{c.subject}" if c.subject else c.kpi)
            targets.append(c)
        except ValueError as exc:
            problems.append(Problem(source, line("targets", i), f"targets.{i}", str(exc)))
    measures: list[Measure] = []
    regret = None
    try:
        if spec.regret is not None:
            regret = _measure(spec.regret.kpi, spec.regret.better)
        elif targets:
            regret = _measure(f"{targets[0].kpi}:{targets[0].subject}", "higher" if targets[0].op == ">=" else "lower")
    except ValueError as exc:
        problems.append(Problem(source, line("regret", "kpi"), "regret.kpi", str(exc)))
    for c in targets:
        measures.append(_measure(f"{c.kpi}:{c.subject}", "higher" if c.op == ">=" else "lower"))
    for i, text in enumerate(spec.kpis):
        try:
            measures.append(_measure(text))
        except ValueError as exc:
            problems.append(Problem(source, line("kpis", i), f"kpis.{i}", str(exc)))
    if problems or regret is None:
        raise ScenarioError(problems)
    seen: dict[str, Measure] = {}
    for m in [regret, *measures]:
        seen.setdefault(m.key, m)
    futures = []
    for i, row in enumerate(sample(axes, spec.futures.method, n if axes else 0, spec.seed)):
        ov = {p: v for a, x in zip(axes, row) for p, v in a.overrides(x).items()}
        # the values as the runs see them: rendered as a scenario writes them (6 digits)
        futures.append(Future(f"future_{i}", ov, tuple(_number(ov[a.path], a) for a in axes), True))
    for name, ov in spec.futures.named.items():
        vals = tuple(_number(ov.get(a.path), a) for a in axes)
        futures.append(Future(name, dict(ov), vals, False))
    return Study(spec, base, source, spec.name or Path(source).stem, plans, axes, futures, targets, regret,
                 list(seen.values()))


def _number(value: Any, axis: Axis) -> float:
    """A named future's value of an uncertainty in the axis' unit (NaN when it leaves it as the base)."""
    if value is None:
        return float(axis.base) if axis.base is not None else float("nan")
    try:
        return Axis(axis.path, Parameter(low=value, high=value), None).low
    except ValueError:
        return float("nan")


def load_study(path: str | Path, load: Callable[[Path], Loaded] = load_scenario) -> Study:
    doc = load_yaml_file(path)
    if doc.data is None:
        raise ScenarioError([Problem(str(path), None, "", "expected a study (scenario, plans, futures, targets), "
                                                          "got an empty file")])
    spec = validate_model(StudySpec, doc.data, doc)
    return build_study(spec, str(path), doc, load)
