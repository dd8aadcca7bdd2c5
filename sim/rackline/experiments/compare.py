"""Compare scenarios with common random numbers.

Every scenario runs the same replication numbers with the same root seed, and each
random process draws from a stream named after it, so replication r of scenario A
and of scenario B see the same random numbers wherever they share a process. The
differences are then paired: a paired-t CI per KPI (Bonferroni-adjusted when
several scenarios are compared with the first), and the variance that pairing
removed compared with independent runs.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from rackline.analysis.answer import Answer
from rackline.analysis.stats import SUMMARY_COLUMNS, t_quantile
from rackline.errors import Problem, ScenarioError
from rackline.experiments.compare_table import CompareTable, compare_table
from rackline.experiments.replications import RunResults, run_replications
from rackline.quantities import counted
from rackline.scenario.assumptions import register
from rackline.scenario.load import Loaded

CONFIDENCE = 0.95


@dataclass
class Comparison:
    names: list[str]
    runs: list[RunResults]
    seed: int
    reps: int
    kpis: pd.DataFrame          # kpi, subject, unit, scenario, mean, ci_low, ci_high, half_width, n, ci_method, ci_note
    differences: pd.DataFrame   # kpi, subject, unit, scenario, diff, ci_low, ci_high, clear, variance_reduction
    assumptions: pd.DataFrame   # path, unit, <one value column per scenario>
    table: CompareTable         # the side-by-side table a compare leads with
    notes: list[str] = field(default_factory=list)

    @property
    def answers(self) -> dict[str, Answer]:
        """Each scenario's own answer, by name (computed once per run, as `RunResults.answer`)."""
        return {n: r.answer for n, r in zip(self.names, self.runs)}


def variants(base: Loaded, specs: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """`name:PATH=VALUE` strings -> [(name, {path: value})], in first-seen order."""
    from rackline.scenario.paths import parse_assignment
    out: dict[str, dict[str, Any]] = {}
    problems = []
    for spec in specs:
        if ":" not in spec.split("=", 1)[0]:
            problems.append(Problem("--variant", None, "", f"expected NAME:PATH=VALUE, got {spec!r}"))
            continue
        name, rest = spec.split(":", 1)
        path, value = parse_assignment(rest, "--variant")
        out.setdefault(name.strip(), {})[path] = value
    if problems:
        raise ScenarioError(problems)
    return list(out.items())


def paired(a: np.ndarray, b: np.ndarray, confidence: float) -> tuple[float, float, float]:
    """(mean of b - a, half-width, share of variance removed by pairing)."""
    d = b - a
    n = len(d)
    if n < 2:
        return float(d.mean()) if n else math.nan, math.nan, math.nan
    hw = float(t_quantile(confidence, n - 1) * d.std(ddof=1) / math.sqrt(n))
    independent = a.var(ddof=1) + b.var(ddof=1)
    reduction = 1 - d.var(ddof=1) / independent if independent > 0 else math.nan
    return float(d.mean()), hw, float(reduction)


def compare(loaded: list[tuple[str, Loaded]], reps: int | None = None, jobs: int = 1, seed: int | None = None,
            confidence: float = CONFIDENCE, progress: Callable[[int], None] | None = None) -> Comparison:
    names = [n for n, _ in loaded]
    if len(set(names)) != len(names):
        raise ScenarioError([Problem("compare", None, "", f"expected distinct scenario names, got {names}")])
    first = loaded[0][1].scenario
    reps, seed = first.run.resolve(reps, seed)
    runs = [run_replications(ld, reps, jobs, seed, progress=progress) for _, ld in loaded]
    rows = []
    for name, res in zip(names, runs):
        rows.append(res.kpis.assign(scenario=name))
    kpis = pd.concat(rows, ignore_index=True)[["kpi", "subject", "unit", "scenario", *SUMMARY_COLUMNS]]
    k = len(runs) - 1
    level = 1 - (1 - confidence) / max(k, 1)    # Bonferroni over the k comparisons with the first
    base = runs[0].replications.set_index(["kpi", "subject", "unit", "replication"]).value
    diffs = []
    for name, res in zip(names[1:], runs[1:]):
        other = res.replications.set_index(["kpi", "subject", "unit", "replication"]).value
        joined = pd.concat([base.rename("a"), other.rename("b")], axis=1, join="inner").dropna()
        for (kpi, subject, unit), g in joined.groupby(level=[0, 1, 2], sort=False):
            d, hw, red = paired(g.a.to_numpy(float), g.b.to_numpy(float), level)
            diffs.append({"kpi": kpi, "subject": subject, "unit": unit, "scenario": name, "diff": d,
                          "ci_low": d - hw, "ci_high": d + hw, "half_width": hw,
                          "clear": bool(np.isfinite(hw) and (d - hw > 0 or d + hw < 0)),
                          "variance_reduction": red})
    differences = pd.DataFrame(diffs, columns=["kpi", "subject", "unit", "scenario", "diff", "ci_low", "ci_high",
                                               "half_width", "clear", "variance_reduction"])
    notes = [f"{counted(len(runs), 'scenario')} x {counted(reps, 'replication')}, seed {seed}, common random "
             f"numbers; difference CIs at {level:.2%} each (Bonferroni for {counted(k, 'comparison')})"]
    from rackline.scenario.landed import fixed_splits_touched
    notes += [f"{name}: {line}" for name, ld in loaded for line in fixed_splits_touched(ld.scenario, list(ld.overrides))]
    questions = [list(r.scenario.question.kpis) if r.scenario.question is not None else [] for r in runs]
    table = compare_table(names, kpis, differences, questions)
    return Comparison(names, runs, seed, reps, kpis, differences, assumption_diff(names, [ld for _, ld in loaded]),
                      table, notes)


def assumption_diff(names: list[str], loaded: list[Loaded]) -> pd.DataFrame:
    """Parameters whose value differs between scenarios (or exists in only some)."""
    regs = [register(ld).set_index("path") for ld in loaded]
    paths = list(dict.fromkeys(p for r in regs for p in r.index))
    rows = []
    for p in paths:
        values = [r.value.get(p, "—") for r in regs]
        if len(set(map(str, values))) > 1:
            unit = next((r.unit.get(p) for r in regs if p in r.index), "")
            rows.append({"path": p, "unit": unit, **dict(zip(names, map(str, values)))})
    return pd.DataFrame(rows, columns=["path", "unit", *names])
