"""Sweep files: which assumptions to vary, how, and what to measure.

```yaml
scenario: baseline.yaml          # relative to this file
method: oat                      # grid | oat | lhs | sobol | morris
parameters:
  sites.wisconsin.stations.l11_test.servers: {values: [6, 8, 10]}
  suppliers.optics_asia.lead_time.mean: {low: 8 w, high: 16 w, steps: 3}
replications: 3
kpis: [throughput, fill_rate]
```
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from pydantic import Field, model_validator

from rackline.errors import Problem, ScenarioError
from rackline.kpi_names import KPI_NAMES
from rackline.scenario.base import Spec
from rackline.scenario.load import Loaded, is_sweep_data, load_scenario, validate_data, validate_model
from rackline.scenario.model import NAME_MAX
from rackline.scenario.paths import apply_overrides, get_path
from rackline.scenario.values import Count, PositiveCount, expected
from rackline.scenario.yamlfile import Document, KeyPath, load_yaml_file
from rackline.units import (
    HOURS_PER,
    KW_PER,
    UnitError,
    is_money,
    is_percent,
    money_time_unit,
    parse_duration,
    parse_money,
    parse_percent,
    parse_power,
    parse_rate,
    unit_of,
)

if TYPE_CHECKING:
    from typing_extensions import Self  # pydantic's validators return the model

Method = Literal["grid", "oat", "lhs", "sobol", "morris"]
METHODS: tuple[str, ...] = get_args(Method)
# every KPI name a replication can report: the physical ones and the economic layer's


class Parameter(Spec):
    """One assumption to vary: explicit `values`, or a range `low`..`high`."""

    values: list[Any] | None = Field(None, description="values to try (grid, oat)")
    low: Any = Field(None, description="lower end of the range (a number, duration or rate)")
    high: Any = Field(None, description="upper end of the range")
    steps: PositiveCount = Field(3, description="values between low and high, for grid and oat")
    integer: bool | None = Field(None, description="round to whole numbers (default: when low and high are)")
    complement: str | None = Field(None, description="a path set to 1 - the value at each point: the other "
                                                     "supplier's share when this one is a supplier's share")

    @model_validator(mode="after")
    def _form(self) -> Self:
        if self.values is None and (self.low is None or self.high is None):
            raise expected("either 'values' or both 'low' and 'high'")
        if self.values is not None and not self.values:
            raise expected("at least one value")
        return self


class SweepSpec(Spec):
    """A sensitivity sweep over a base scenario."""

    scenario: str = Field(description="base scenario file, relative to the sweep file")
    name: str | None = Field(None, max_length=NAME_MAX, description="sweep name (default: the file name)")
    method: Method = "oat"
    parameters: dict[str, Parameter] = Field(min_length=1, description="dotted path: how to vary it")
    samples: PositiveCount = Field(16, description="lhs points; sobol base samples N; morris trajectories")
    replications: PositiveCount = Field(2, description="replications per point")
    seed: Count = Field(1, description="root seed of every run and of the sampling")
    kpis: list[str] = Field(default_factory=lambda: ["throughput"],
                            description="KPIs of interest, `kpi` or `kpi:subject`")


class Axis:
    """A parameter as numbers: kind (number, duration, rate), unit and range in that unit."""

    def __init__(self, path: str, spec: Parameter, base_value: Any):
        self.path = path
        self.spec = spec
        written = list(spec.values) if spec.values is not None else [spec.low, spec.high]
        # the kind of the first value with a unit: a bad one ('$-5') is then named as the odd one out
        self.kind, self.unit = next((k for k in map(_kind, written) if k[0] != "number"), ("number", ""))
        numbers = [_to_number(v, self.kind, self.unit) for v in written]
        if self.kind in ("money", "money_rate", "percent"):
            for v, x in zip(written, numbers):
                if x < 0:
                    raise ValueError(f"expected {'an amount' if self.kind != 'percent' else 'a percentage'} "
                                     f">= 0, got {v!r}")
        self.values: list[float] | None
        if spec.values is not None:
            self.values = numbers
            self.low, self.high = min(numbers), max(numbers)
        else:
            self.low, self.high = numbers
            self.values = None
        try:
            self.base = _to_number(base_value, self.kind, self.unit) if base_value is not None else None
        except ValueError:
            raise ValueError(f"expected values like the scenario's own {base_value!r} here, "
                             f"got {written!r}") from None
        self.integer = spec.integer if spec.integer is not None else (
            self.kind == "number" and all(isinstance(v, int) and not isinstance(v, bool)
                                          for v in (spec.values or [spec.low, spec.high])))

    def grid(self) -> list[float]:
        if self.values is not None:
            return list(self.values)
        import numpy as np
        pts = np.linspace(self.low, self.high, self.spec.steps).tolist() if self.spec.steps > 1 else [self.low]
        return sorted(set(round(p) for p in pts)) if self.integer else pts

    @property
    def label(self) -> str:
        """The unit as written: 'w', 'per week', '%', '$', '$ per h', or '' for a plain number."""
        return {"duration": self.unit, "rate": f"per {self.unit}", "percent": "%", "money": "$",
                "money_rate": f"$ per {self.unit}", "power": self.unit}.get(self.kind, "")

    def overrides(self, x: float) -> dict[str, Any]:
        """The scenario values one point sets: this path, and its complement if any."""
        out = {self.path: self.render(x)}
        if self.spec.complement is not None:
            out[self.spec.complement] = float(round(1.0 - x, 12))
        return out

    def scale(self, u: float) -> float:
        x = self.low + u * (self.high - self.low)
        return float(round(x)) if self.integer else x

    def render(self, x: float) -> Any:
        """The value as a scenario would write it: 8, 0.9, '12 w', '40 per week'."""
        if self.integer:
            x = int(round(x))
        if self.kind == "number":
            return x if self.integer else float(x)
        if self.kind == "percent":
            return f"{_plain(x)}%"
        if self.kind in ("money", "money_rate"):     # every digit: a price of $0.065 stays $0.065
            return f"${_plain(x)}" + (f" per {self.unit}" if self.kind == "money_rate" else "")
        text = f"{x:.6g} {self.unit}"
        return text if self.kind in ("duration", "power") else f"{x:.6g} per {self.unit}"


def _plain(x: float) -> str:
    """A number in full, without exponent: 0.065, 1400, 120000.5."""
    import numpy as np
    return str(np.format_float_positional(float(x), trim="-"))


def _kind(v: Any) -> tuple[str, str]:
    """(kind, unit) of a value as written: number, duration, rate, percent, money, money per time or power."""
    if is_percent(v):
        return "percent", "%"
    if is_money(v):
        word = money_time_unit(v)
        return ("money_rate", word) if word else ("money", "")
    return unit_of(v) or ("number", "")


def _to_number(v: Any, kind: str, unit: str) -> float:
    if kind == "number":
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError(f"expected a number like the other values, got {v!r}")
        return float(v)
    if kind == "percent":
        if not is_percent(v):
            raise ValueError(f"expected a percentage like the other values ('12%'), got {v!r}")
        return parse_percent(v) * 100
    if kind in ("money", "money_rate"):
        per_time = kind == "money_rate"
        if not is_money(v) or _kind(v)[0] != kind or (per_time and _kind(v)[1] not in HOURS_PER):
            like = f"'$85 per {unit}'" if per_time else "'$3,200'"
            raise ValueError(f"expected an amount like the other values ({like}), got {v!r}")
        return parse_money(v, per_time=per_time) * (HOURS_PER[unit] if per_time else 1.0)   # in the axis' unit
    try:
        if kind == "power":
            return parse_power(v) / KW_PER[unit.lower()]   # in the axis' unit (kW, MW)
        if kind == "duration":
            return parse_duration(v) / HOURS_PER[unit]
        return parse_rate(v) * HOURS_PER[unit]
    except UnitError as exc:     # name the value that is not like the others
        raise ValueError(f"expected {exc.expected}, got {v!r}") from None


class Sweep:
    """A validated sweep: the spec, its base scenario and one Axis per parameter."""

    def __init__(self, spec: SweepSpec, base: Loaded, source: str, doc: Document | None = None,
                 flags: dict[str, str] | None = None):
        self.spec = spec
        self.base = base
        self.source = source
        self.name = spec.name or Path(source).stem
        self.axes: list[Axis] = []
        problems = []
        scenario = source

        def problem(path: str, text: str, at: str | None = None) -> Problem:
            """In a sweep file: its line and `parameters.PATH`; in the short form: the --vary flag
            as typed and the scenario file it applies to, and the PATH."""
            if doc is not None:
                return Problem(source, doc.line_of(("parameters", path)), at or f"parameters.{path}", text)
            flag = (flags or {}).get(path, "--vary")
            return Problem(f"{flag} on {scenario}", None, (at or path).removeprefix("parameters."), text)

        where = "the scenario" if doc is not None else scenario
        for path, p in spec.parameters.items():
            try:
                current = get_path(base.data, path)
            except ValueError as exc:
                problems.append(problem(path, f"expected a path in {where}, got {exc}"))
                continue
            try:
                axis = Axis(path, p, current if not isinstance(current, (dict, list)) else None)
            except ValueError as exc:     # unit errors become located problems naming the odd value
                problems.append(problem(path, str(exc)))
                continue
            if axis.values is None and axis.low > axis.high:
                problems.append(problem(path, f"expected low <= high, got low {p.low!r} above high {p.high!r}"))
            if p.complement is not None:
                problems += [problem(path, text, at)
                             for at, text in _complement_problems(path, p, axis, base.data, spec.parameters)]
            self.axes.append(axis)
        problems.extend(_design_problems(spec, source, doc))
        if not problems:
            problems += [problem(a.path, text) for a in self.axes for text in end_problems(a, base.data)]
        if problems:
            raise ScenarioError(problems)


def end_problems(axis: Axis, data: dict[str, Any]) -> list[str]:
    """A range whose end the scenario refuses (servers 0, a yield of 1.2) would fail at every
    point that reaches it: refused before any run, naming the end and the scenario's rule.
    Each end is checked with the other parameters at their base values."""
    ends = [axis.low, axis.high] if axis.values is None else sorted(set(axis.values))
    out = []
    for x in dict.fromkeys(ends):
        point = axis.overrides(x)
        try:
            validate_data(apply_overrides(data, point)[0], Document(data, "<sweep point>"))
        except ScenarioError as exc:     # the scenario's own rule, said once: 'a whole number >= 1'
            rules = [p.message.split(", got ")[0] if p.path == axis.path else f"at {p.path}: {p.message}"
                     for p in exc.problems]
            out.append(f"expected values the scenario accepts, got {point[axis.path]!r} "
                       f"({'; '.join(dict.fromkeys(rules))})")
    return out


def _complement_problems(path: str, p: Parameter, axis: Axis, data: dict[str, Any],
                         parameters: dict[str, Parameter]) -> list[tuple[str, str]]:
    """A complement is the other supplier's share of the same two-supplier inventory,
    set by no parameter, and the swept values are shares."""
    out: list[tuple[str, str]] = []
    comp = str(p.complement)
    if comp == path or comp in parameters:
        out.append((f"parameters.{path}.complement", f"expected a path no parameter sets, got {comp!r}"))
        return out
    try:
        get_path(data, comp)
    except ValueError as exc:
        return [(f"parameters.{path}.complement", f"expected a path in the scenario, got {exc}")]
    mine, other = path.rsplit(".", 1)[0], comp.rsplit(".", 1)[0]
    owner = get_path(data, mine) if mine.endswith(".suppliers") else None
    if mine != other or not isinstance(owner, dict) or len(owner) != 2:
        out.append((f"parameters.{path}.complement",
                    f"expected the other supplier's share of the same two-supplier inventory "
                    f"({mine}.<other supplier>), got {comp!r}"))
    if axis.kind != "number" or axis.low < 0 or axis.high > 1:
        out.append((f"parameters.{path}", f"expected shares between 0 and 1 for a parameter with a complement, "
                                          f"got {p.values if p.values is not None else [p.low, p.high]!r}"))
    return out


def _design_problems(spec: SweepSpec, source: str, doc: Document | None) -> list[Problem]:
    """What the design itself gets wrong: a Sobol count that is not a power of 2, unknown KPIs.
    Without a sweep file (`--vary`) the flags are named instead of lines."""
    def where(path: KeyPath, flag: str) -> tuple[str, int | None]:
        return (source, doc.line_of(path)) if doc is not None else (flag, None)

    problems = []
    n = spec.samples
    if spec.method == "sobol" and n & (n - 1):
        file, line = where(("samples",), "--samples")
        problems.append(Problem(file, line, "samples", f"expected a power of 2 for a sobol design "
                                                       f"(e.g. {1 << (n.bit_length() - 1)} or {1 << n.bit_length()}), got {n}"))
    for i, kpi in enumerate(spec.kpis):
        name = kpi.partition(":")[0]
        if name not in KPI_NAMES:
            import difflib
            close = difflib.get_close_matches(name, KPI_NAMES, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f" (one of {', '.join(KPI_NAMES)})"
            file, line = where(("kpis", i), "--kpi")
            problems.append(Problem(file, line, f"kpis.{i}", f"expected a KPI name, got {kpi!r}{hint}"))
    return problems


def load_sweep(path: str | Path, load: Callable[[Path], Loaded] = load_scenario) -> Sweep:
    """A sweep file and its base scenario, read by `load` (`rackline sweep --assumptions`
    passes one that applies a register workbook's edits)."""
    doc = load_yaml_file(path)
    if doc.data is None:
        raise ScenarioError([Problem(str(path), None, "", "expected a sweep (scenario, method, parameters), got an empty file")])
    if isinstance(doc.data, dict) and "sites" in doc.data and not is_sweep_data(doc.data):
        raise ScenarioError([Problem(str(path), 1, "", "expected a sweep file (scenario, method, parameters), got a "
                                                       "scenario; vary it with --vary PATH=LOW:HIGH[:STEPS]")])
    spec = validate_model(SweepSpec, doc.data, doc)
    base_path = (Path(path).parent / spec.scenario)
    base = load(base_path)
    return Sweep(spec, base, str(path), doc)


def sweep_from_args(scenario: str | Path, vary: list[str], method: str, reps: int, samples: int, seed: int | None,
                    kpis: list[str], load: Callable[[Path], Loaded] = load_scenario) -> Sweep:
    """The short form: `rackline sweep SCENARIO --vary PATH=LOW:HIGH[:STEPS] ...`."""
    from rackline.scenario.paths import flag_label, parse_value
    params, problems, flags = {}, [], {}
    for v in vary:
        path, _, rng = v.partition("=")
        parts = rng.split(":")
        label = flag_label("--vary", v)
        if not path.strip() or len(parts) not in (2, 3) or (len(parts) == 3 and not parts[2].strip().isdigit()):
            problems.append(Problem(label, None, path.strip(), "expected PATH=LOW:HIGH[:STEPS] with STEPS a whole number"))
            continue
        try:
            low, high = (parse_value(x, label, path.strip()) for x in parts[:2])
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        params[path.strip()] = {"low": low, "high": high, **({"steps": int(parts[2])} if len(parts) == 3 else {})}
        flags[path.strip()] = label
    if problems:
        raise ScenarioError(problems)
    base = load(Path(scenario))
    data = {"scenario": str(scenario), "method": method, "parameters": params, "replications": reps,
            "samples": samples, "seed": base.scenario.run.resolve(seed=seed)[1], "kpis": kpis}
    spec = validate_model(SweepSpec, data, Document(data, "--vary"))
    return Sweep(spec, base, str(scenario), flags=flags)
