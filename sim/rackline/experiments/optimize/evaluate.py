"""Evaluating one candidate: its overrides, its replications (common random numbers:
every candidate runs replications 0..n-1 with the same root seed) and its scores."""
from __future__ import annotations

import json
import math
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from rackline.analysis.stats import t_quantile
from rackline.experiments.optimize.spec import Constraint, Objective, OptimizeProblem, Variable
from rackline.scenario.paths import apply_overrides


def replicate(data: dict[str, Any], replications: int, seed: int, executor: Executor | None) -> pd.DataFrame:
    """Per-replication KPI rows (replication, kpi, subject, unit, value) of one scenario,
    through the one replication task (`rackline.experiments.task`) and warm-up rule."""
    from rackline.experiments.replications import analyse
    from rackline.experiments.running import simulate
    from rackline.experiments.task import scenario_of
    from rackline.scenario.load import Loaded
    loaded = Loaded(scenario_of(data), data, {}, "<candidate>")
    outcomes = simulate(loaded, list(range(replications)), seed, executor=executor)
    return analyse(loaded, outcomes, seed).replications


def overrides_of(problem: OptimizeProblem, params: dict[str, Any]) -> dict[str, Any]:
    """Optuna's parameters -> values as a scenario writes them ('12 w', 5, 'two_shift')."""
    out = {}
    for v in problem.variables:
        x = params[v.path]
        out[v.path] = x if v.axis is None else v.axis.render(x)
    return out


def candidate_key(overrides: dict[str, Any]) -> str:
    return json.dumps(overrides, sort_keys=True, default=str)


# what a plan costs, per replication, when its scenario has costs (rows of Scores.money)
MONEY = (("capex", "capex (stations' capital)"),
         ("cost_per_rack:total", "cost per good rack"), ("npv", "NPV over the horizon"))


@dataclass
class Scores:
    """Per-replication values: objectives (n_obj x reps), constraint KPIs (n_con x reps)
    and, for a scenario with costs, the MONEY figures (3 x reps; 0 x reps without)."""

    objectives: npt.NDArray[np.float64]
    constraints: npt.NDArray[np.float64]
    money: npt.NDArray[np.float64] | None = None

    def to_json(self) -> dict[str, Any]:
        out = {"objectives": self.objectives.tolist(), "constraints": self.constraints.tolist()}
        return out | ({"money": self.money.tolist()} if self.money is not None and self.money.size else {})

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Scores:
        n = len(d["objectives"][0]) if d["objectives"] else 0
        money = np.asarray(d["money"], float).reshape(-1, n) if d.get("money") else None
        return cls(np.asarray(d["objectives"], float).reshape(-1, n),
                   np.asarray(d["constraints"], float).reshape(-1, n), money)

    @property
    def n(self) -> int:
        reps: int = self.objectives.shape[1]
        return reps


def kpi_values(table: pd.DataFrame, kpi: str, subject: str | None, n: int) -> npt.NDArray[np.float64]:
    """One KPI's value per replication (NaN where it is missing); the first subject when none is given."""
    d = table[table.kpi == kpi]
    if subject is None and len(d):
        subject = sorted(d.subject.unique())[0]
    d = d[d.subject == subject].set_index("replication")["value"]
    values: npt.NDArray[np.float64] = d.reindex(range(n)).to_numpy(dtype=float)
    return values


def numeric_value(v: Variable, written: Any) -> float:
    x = v.value_of(written)
    return math.nan if x is None else float(x)


def score(problem: OptimizeProblem, data: dict[str, Any], table: pd.DataFrame, n: int) -> Scores:
    from rackline.scenario.paths import get_path
    objs = []
    for o in problem.objectives:
        total = np.zeros(n)
        for t in o.terms:
            if t.kind == "variable":
                var = next(v for v in problem.variables if v.path == t.key)
                total = total + t.weight * numeric_value(var, get_path(data, t.key))
            else:
                name, _, subject = t.key.partition(":")
                total = total + t.weight * kpi_values(table, name, subject or None, n)
        objs.append(total)
    cons = [kpi_values(table, c.kpi, c.subject, n) for c in problem.constraints]
    money = None
    if problem.money:
        from rackline.analysis.cost_plan import cost_plan
        from rackline.experiments.task import scenario_of
        plan = cost_plan(scenario_of(data), np.zeros(1))
        capex = np.full(n, plan.capital if plan is not None else math.nan)
        money = np.vstack([capex, kpi_values(table, "cost_per_rack", "total", n), kpi_values(table, "npv", "all", n)])
    return Scores(np.asarray(objs, float).reshape(len(objs), n), np.asarray(cons, float).reshape(len(cons), n),
                  money)


def evaluate(problem: OptimizeProblem, overrides: dict[str, Any], replications: int,
             executor: Executor | None) -> Scores:
    """Simulate the base with `overrides` (ScenarioError for an invalid candidate) and score it."""
    data, _ = apply_overrides(problem.data, overrides, "<candidate>")
    table = replicate(data, replications, problem.spec.seed, executor)
    return score(problem, data, table, replications)


def one_sided(values: npt.NDArray[np.float64], op: str, confidence: float) -> tuple[float, float]:
    """(mean, the one-sided bound that must satisfy `op target`): lower for >=, upper for <=."""
    v = np.asarray(values, float)
    if len(v) < 2 or not np.isfinite(v).all():
        return (float(np.nanmean(v)) if np.isfinite(v).any() else math.nan), math.nan
    mean = float(v.mean())
    hw = t_quantile(2 * confidence - 1, len(v) - 1) * float(v.std(ddof=1)) / math.sqrt(len(v))
    return mean, (mean - hw if op == ">=" else mean + hw)


def violations(constraints: list[Constraint], scores: Scores, confidence: float) -> list[float]:
    """Per constraint: how far its bound misses the target, relative to the target (<= 0: holds)."""
    out = []
    for c, vals in zip(constraints, scores.constraints):
        _, bound = one_sided(vals, c.op, confidence)
        scale = max(abs(c.target), 1e-9)
        if math.isnan(bound):
            out.append(1.0)
        else:
            out.append((c.target - bound) / scale if c.op == ">=" else (bound - c.target) / scale)
    return out


def objective_means(objectives: list[Objective], scores: Scores) -> list[float]:
    return [float(np.mean(v)) for v in scores.objectives]
