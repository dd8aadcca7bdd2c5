"""The tables a finished search gives: every trial with its scores and feasibility,
the finalists after their re-run, the Pareto front (several objectives) and the
chosen plan's constraints and objectives against the base. Data only; the optimize
folder (`rackline.output.optimize_report`) writes and draws them."""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import optuna
import pandas as pd

from rackline.analysis.stats import t_half_width
from rackline.experiments.optimize.evaluate import candidate_key, one_sided, overrides_of
from rackline.experiments.optimize.search import finished_trials, stored_scores
from rackline.experiments.optimize.select import Selection, constraint_table, money_table, objective_table
from rackline.experiments.optimize.spec import OptimizeProblem


def trials_table(problem: OptimizeProblem, study: optuna.Study) -> pd.DataFrame:
    rows, seen = [], set()
    for t in finished_trials(study):
        row: dict[str, Any] = {"number": t.number, "state": t.state.name}
        ov = overrides_of(problem, t.params) if len(t.params) == len(problem.variables) else {}
        row.update(ov)
        key = candidate_key(ov)
        row["simulated"] = bool(ov) and key not in seen
        seen.add(key)
        got = stored_scores(study, key) if ov else None
        scores, error = got if got is not None else (None, None)
        feasible = scores is not None
        for i, o in enumerate(problem.objectives):
            row[o.name] = float(np.mean(scores.objectives[i])) if scores is not None else math.nan
        for c, vals in zip(problem.constraints, scores.constraints if scores is not None else []):
            mean, bound = one_sided(vals, c.op, problem.spec.confidence)
            ok = bool(np.isfinite(bound) and (bound >= c.target if c.op == ">=" else bound <= c.target))
            row[f"{c.text} | mean"], row[f"{c.text} | bound"] = mean, bound
            feasible = feasible and ok
        row["feasible"] = feasible
        row["error"] = error or ""
        rows.append(row)
    return pd.DataFrame(rows)


def finalists_table(sel: Selection) -> pd.DataFrame:
    p = sel.problem
    rows = []
    for c in sel.finalists:
        row: dict[str, Any] = {"trial": c.number, "chosen": c is sel.chosen, **c.overrides,
                               "replications": c.scores.n if c.scores is not None else 0}
        for i, o in enumerate(p.objectives):
            row[o.name] = c.mean(i)
        row["feasible"] = c.feasible
        row["mcb_upper_bound"] = sel.mcb.get(c.number, math.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def pareto_table(sel: Selection) -> pd.DataFrame:
    p = sel.problem
    rows = []
    for c in sel.pareto:
        if c.scores is None:
            continue
        row: dict[str, Any] = {"trial": c.number, **c.overrides}
        for i, o in enumerate(p.objectives):
            v = c.scores.objectives[i]
            hw = t_half_width(v, p.spec.confidence)
            row[o.name], row[f"{o.name} ci_low"], row[f"{o.name} ci_high"] = v.mean(), v.mean() - hw, v.mean() + hw
        rows.append(row)
    return pd.DataFrame(rows)


def plan_table(sel: Selection) -> pd.DataFrame | None:
    """The chosen plan's constraints (mean, CI, one-sided bound), objectives and (with costs)
    money against the base."""
    if sel.chosen is None:
        return None
    parts = [constraint_table(sel.problem, sel.chosen), objective_table(sel.problem, sel.chosen, sel.base),
             money_table(sel.problem, sel.chosen, sel.base)]
    return pd.concat([p for p in parts if len(p)], ignore_index=True)
