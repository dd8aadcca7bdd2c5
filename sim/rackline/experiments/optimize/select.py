"""The honest finish: re-run the best few candidates with more replications and pick
one by ranking and selection.

Finalists first get `final.replications` (n0) common-random-number replications.
Among those that still meet every constraint, the second stage of Nelson and
Matejcik's Bonferroni procedure (1995; for common random numbers) sets
N = max(n0, ceil((t * S / delta)^2)), with S^2 the largest sample variance of a pairwise
difference and t the one-sided 1 - alpha/(k-1) quantile with n0 - 1 degrees of freedom;
the best mean after N replications is then within delta of the best finalist with
probability >= `confidence`. Multiple comparisons with the chosen plan (Bonferroni
upper bounds on how much worse it can be than each other) are reported beside it.

With several objectives there is no single best: the finalists (the search's
non-dominated feasible candidates first) are re-run with n0 replications, their
Pareto front is the answer (pareto.csv, with CIs), and the printed plan is the
front's member best in the first objective (`choose`); no indifference-zone
guarantee is claimed for it.
"""
from __future__ import annotations

import math
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import optuna
import pandas as pd

from rackline.analysis.stats import paired_difference, t_quantile
from rackline.experiments.optimize.evaluate import MONEY, Scores, candidate_key, one_sided, overrides_of, violations
from rackline.experiments.optimize.search import evaluate_many, finished_trials, stored_scores
from rackline.experiments.optimize.spec import OptimizeProblem


@dataclass
class Candidate:
    number: int                      # trial number (-1: the base scenario)
    overrides: dict[str, Any]
    scores: Scores | None = None
    error: str | None = None
    violations: list[float] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return self.scores is not None and all(v <= 0 for v in self.violations)

    def mean(self, i: int = 0) -> float:
        return float(np.mean(_objective(self, i))) if self.scores is not None else math.nan


@dataclass
class Selection:
    problem: OptimizeProblem
    finalists: list[Candidate]
    chosen: Candidate | None
    base: Candidate
    n0: int
    n: int
    capped: bool
    guaranteed: bool                 # every MCB bound within delta
    mcb: dict[int, float]            # finalist number -> upper bound of (chosen - it), in objective units
    pareto: list[Candidate] = field(default_factory=list)
    start: str = ""                  # where the search started (start.py's description)



def _objective(c: Candidate, i: int) -> npt.NDArray[np.float64]:
    """Objective `i` per replication of a simulated candidate."""
    assert c.scores is not None, "only simulated candidates are ranked"
    row: npt.NDArray[np.float64] = c.scores.objectives[i]
    return row

def search_candidates(problem: OptimizeProblem, study: optuna.Study) -> list[Candidate]:
    """Every distinct finished candidate of the search with its scores and violations."""
    out, seen = [], set()
    for t in finished_trials(study):
        if t.state != optuna.trial.TrialState.COMPLETE:
            continue
        ov = overrides_of(problem, t.params)
        key = candidate_key(ov)
        if key in seen:
            continue
        seen.add(key)
        got = stored_scores(study, key)
        if got is None or got[0] is None:
            continue
        out.append(Candidate(t.number, ov, got[0], None, violations(problem.constraints, got[0],
                                                                  problem.spec.confidence)))
    return out


def _signed(problem: OptimizeProblem, c: Candidate, i: int = 0) -> float:
    return problem.objectives[i].sense * c.mean(i)


def _slack(c: Candidate) -> float:
    return sum(c.violations)         # more negative: more room


def _dominates(problem: OptimizeProblem, a: Candidate, b: Candidate) -> bool:
    sa = [_signed(problem, a, i) for i in range(len(problem.objectives))]
    sb = [_signed(problem, b, i) for i in range(len(problem.objectives))]
    return all(x <= y for x, y in zip(sa, sb)) and any(x < y for x, y in zip(sa, sb))


def rank(problem: OptimizeProblem, cands: list[Candidate]) -> list[Candidate]:
    """Feasible first (best objective, then most slack); then the nearest to feasible."""
    feas = [c for c in cands if c.feasible]
    if len(problem.objectives) > 1:
        front = [c for c in feas if not any(_dominates(problem, o, c) for o in feas)]
        feas = front + [c for c in feas if c not in front]
    ordered = sorted(feas, key=lambda c: (_signed(problem, c), _slack(c), c.number)) if len(problem.objectives) == 1 \
        else feas
    rest = sorted([c for c in cands if not c.feasible],
                  key=lambda c: (sum(max(v, 0) for v in c.violations), _signed(problem, c), c.number))
    return ordered + rest


def pareto(problem: OptimizeProblem, cands: list[Candidate]) -> list[Candidate]:
    feas = [c for c in cands if c.feasible]
    return sorted([c for c in feas if not any(_dominates(problem, o, c) for o in feas)],
                  key=lambda c: [_signed(problem, c, i) for i in range(len(problem.objectives))])


def choose(problem: OptimizeProblem, cands: list[Candidate]) -> Candidate | None:
    """The plan: best objectives in the file's order (lexicographic), then most slack, then the
    earliest trial. Given the Pareto front of several objectives, it is the front's end that is
    best in the first objective."""
    key = lambda c: ([_signed(problem, c, i) for i in range(len(problem.objectives))], _slack(c), c.number)  # noqa: E731
    return min(cands, key=key) if cands else None


def _rerun(problem: OptimizeProblem, study: optuna.Study, cands: list[Candidate], reps: int,
           executor: Executor | None) -> list[Candidate]:
    res = evaluate_many(study, problem, [c.overrides for c in cands], reps, executor, prefix=f"final{reps}|")
    out = []
    for c in cands:
        scores, error = res[f"final{reps}|" + candidate_key(c.overrides)]
        viol = violations(problem.constraints, scores, problem.spec.confidence) if scores is not None else []
        out.append(Candidate(c.number, c.overrides, scores, error, viol))
    return out


def second_stage_size(signed: npt.NDArray[np.float64], delta: float, confidence: float) -> int:
    """Nelson-Matejcik (Bonferroni) N for k systems x n0 paired replications (rows)."""
    k: int
    n0: int
    k, n0 = signed.shape
    if k < 2:
        return n0
    t = t_quantile(2 * (1 - (1 - confidence) / (k - 1)) - 1, n0 - 1)
    s2 = max(float(np.var(signed[i] - signed[j], ddof=1)) for i in range(k) for j in range(i + 1, k))
    return max(n0, math.ceil(t * t * s2 / (delta * delta) - 1e-12))


def mcb_bounds(chosen: npt.NDArray[np.float64], others: dict[int, npt.NDArray[np.float64]], confidence: float) -> dict[int, float]:
    """Upper bounds on E[chosen - other] (signed objective; smaller is better), Bonferroni over others."""
    if not others:
        return {}
    alpha = (1 - confidence) / len(others)
    out = {}
    for k, v in others.items():
        d = chosen - v
        t = t_quantile(1 - 2 * alpha, len(d) - 1)
        out[k] = float(d.mean() + t * d.std(ddof=1) / math.sqrt(len(d)))
    return out


def select(problem: OptimizeProblem, study: optuna.Study, executor: Executor | None) -> Selection:
    fin = problem.spec.final
    conf = problem.spec.confidence
    cands = search_candidates(problem, study)
    finalists = rank(problem, cands)[:fin.candidates]
    n0 = fin.replications
    finalists = _rerun(problem, study, finalists, n0, executor)
    base = _rerun(problem, study, [Candidate(-1, {})], n0, executor)[0]
    feas = [c for c in finalists if c.feasible]
    n, capped = n0, False
    if len(problem.objectives) == 1 and len(feas) > 1:
        signed = np.array([problem.objectives[0].sense * _objective(c, 0) for c in feas])
        need = second_stage_size(signed, problem.objectives[0].indifference, conf)
        n, capped = min(need, fin.max_replications), need > fin.max_replications
        if n > n0:
            feas = _rerun(problem, study, feas, n, executor)
            base = _rerun(problem, study, [Candidate(-1, {})], n, executor)[0]
            by_number = {c.number: c for c in feas}
            finalists = [by_number.get(c.number, c) for c in finalists]
            feas = [c for c in feas if c.feasible]
    front = pareto(problem, finalists) if len(problem.objectives) > 1 else []
    chosen = choose(problem, front if len(problem.objectives) > 1 else feas)
    mcb: dict[int, float] = {}
    if chosen is not None and len(problem.objectives) == 1:
        sense = problem.objectives[0].sense
        mcb = mcb_bounds(sense * _objective(chosen, 0),
                         {c.number: sense * _objective(c, 0) for c in feas if c is not chosen}, conf)
    guaranteed = chosen is not None and not capped and all(b <= problem.objectives[0].indifference
                                                           for b in mcb.values())
    return Selection(problem, finalists, chosen, base, n0, n, capped, guaranteed, mcb, front,
                     str(study.user_attrs.get("start", "")))


def constraint_table(problem: OptimizeProblem, c: Candidate) -> pd.DataFrame:
    """One row per constraint: mean, two-sided CI, the one-sided bound and whether it holds."""
    from rackline.analysis.stats import t_half_width
    rows = []
    for con, vals in zip(problem.constraints, c.scores.constraints if c.scores is not None else []):
        mean, bound = one_sided(vals, con.op, problem.spec.confidence)
        hw = t_half_width(vals, problem.spec.confidence)
        holds = bool(np.isfinite(bound) and (bound >= con.target if con.op == ">=" else bound <= con.target))
        rows.append({"constraint": con.text, "kpi": con.kpi + (f":{con.subject}" if con.subject else ""),
                     "op": con.op, "target": con.target, "mean": mean, "ci_low": mean - hw, "ci_high": mean + hw,
                     "one_sided_bound": bound, "confidence": problem.spec.confidence, "n": len(vals),
                     "holds": holds})
    return pd.DataFrame(rows, columns=["constraint", "kpi", "op", "target", "mean", "ci_low", "ci_high",
                                       "one_sided_bound", "confidence", "n", "holds"])


def objective_table(problem: OptimizeProblem, plan: Candidate, base: Candidate) -> pd.DataFrame:
    """Each objective for the plan and the base, and the paired difference plan - base with its CI."""
    rows = []
    for i, o in enumerate(problem.objectives):
        a, b = _objective(base, i) if base.scores is not None else None, _objective(plan, i)
        diff, hw = paired_difference(a, b, problem.spec.confidence) if a is not None else (math.nan, math.nan)
        rows.append({"objective": o.name, "direction": o.direction, "plan": float(np.mean(b)),
                     "base": float(np.mean(a)) if a is not None else math.nan, "difference": diff,
                     "diff_ci_low": diff - hw if np.isfinite(hw) else diff,
                     "diff_ci_high": diff + hw if np.isfinite(hw) else diff, "indifference": o.indifference})
    return pd.DataFrame(rows)


def money_table(problem: OptimizeProblem, plan: Candidate, base: Candidate) -> pd.DataFrame:
    """What the plan and the base cost (a scenario with costs): capex, cost per rack and NPV,
    each with its CI, and the paired difference plan - base (empty without costs)."""
    from rackline.analysis.stats import t_half_width
    cols = ["figure", "what", "unit", "plan", "plan_ci_low", "plan_ci_high", "base", "difference", "diff_ci_low",
            "diff_ci_high"]
    if not problem.money or plan.scores is None or plan.scores.money is None:
        return pd.DataFrame(columns=cols)
    currency = problem.base.scenario.costs.currency.strip() if problem.base.scenario.costs else "USD"
    units = {"capex": currency, "cost_per_rack:total": f"{currency}/rack", "npv": f"{currency} (net)"}
    theirs = base.scores.money if base.scores is not None and base.scores.money is not None else None
    rows = []
    for i, (figure, what) in enumerate(MONEY):
        b = plan.scores.money[i]
        hw = t_half_width(b, problem.spec.confidence) if np.ptp(b) > 0 else 0.0
        a = theirs[i] if theirs is not None else None
        diff, dhw = paired_difference(a, b, problem.spec.confidence) if a is not None else (math.nan, math.nan)
        dhw = dhw if np.isfinite(dhw) else 0.0
        rows.append({"figure": figure, "what": what, "unit": units[figure], "plan": float(np.mean(b)),
                     "plan_ci_low": float(np.mean(b)) - hw, "plan_ci_high": float(np.mean(b)) + hw,
                     "base": float(np.mean(a)) if a is not None else math.nan, "difference": diff,
                     "diff_ci_low": diff - dhw, "diff_ci_high": diff + dhw})
    return pd.DataFrame(rows, columns=cols)
