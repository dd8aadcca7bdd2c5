"""Robustness of each plan across the futures: KPI mean and bad tail, regret,
satisficing share, the recommended plan, and where it fails (PRIM).

A (plan, future) value is the KPI's mean over that pair's replications. Regret in a
future is the best plan's value there minus this plan's (for a KPI where lower is
better, this plan's minus the best's), so it is >= 0 and 0 for the best plan.
A future satisfices when every target holds on those means. Intervals treat the
futures as a sample of the uncertainty space: a t (or range-respecting) interval
for means, order statistics for percentiles, Wilson for the satisficing share.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from rackline.analysis.discover import Cases as DiscoverCases
from rackline.analysis.discover import Condition, Discovery, Parameter, discover, restrictions
from rackline.analysis.intervals import interval, quantile_interval, range_of_unit, t_interval, wilson_bound
from rackline.experiments.robust.spec import Measure, Study
from rackline.quantities import with_unit as quantity

MIN_PRIM_FUTURES = 10   # fewer sampled futures than this say nothing about a box


@dataclass(frozen=True)
class Recommendation:
    """The plan the criterion picks, the criterion, and why in one sentence."""

    plan: str
    criterion: str
    reason: str


@dataclass
class Failure:
    """Where the recommended plan fails: PRIM's box over the sampled futures, as limits,
    or a note saying why there is no box."""

    plan: str
    failing: int
    futures: int
    limits: list[str] = field(default_factory=list)
    coverage: float = math.nan
    density: float = math.nan
    discovery: Discovery | None = None
    note: str = ""


@dataclass
class Robustness:
    """The study's answer as tables.

    values: plan, future, kpi, subject, unit, value (mean over replications)
    meets: plan, future, meets (every target), one bool column per target
    regret: plan, future, regret (on `regret_kpi`)
    kpis: plan, kpi, subject, unit, better, mean, mean_low, mean_high, tail_q, tail, tail_low, tail_high
    plans: plan, futures, satisficing, satisficing_low, satisficing_high, regret_mean, regret_max,
           regret_p90, regret_p90_low, regret_p90_high, rank
    """

    values: pd.DataFrame
    meets: pd.DataFrame
    regret: pd.DataFrame
    kpis: pd.DataFrame
    plans: pd.DataFrame
    recommended: Recommendation
    failure: Failure
    futures: pd.DataFrame           # future, sampled, <uncertainty paths>, overrides
    regret_kpi: Measure
    errors: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    # flexible (a plan with adaptive `rules`), against (the best fixed plan), satisficing_diff,
    # mean_diff, mean_diff_low, mean_diff_high (paired over futures, on the regret KPI), regret_p90_diff
    flexibility: pd.DataFrame = field(default_factory=pd.DataFrame)


def _values(study: Study, results: pd.DataFrame) -> pd.DataFrame:
    n_plans = len(study.plans)
    keys = {(m.kpi, m.subject) for m in study.measures}
    r = results[[(k, s) in keys for k, s in zip(results.kpi, results.subject.astype(str))]]
    mean = r.groupby(["point", "kpi", "subject", "unit"], as_index=False)["value"].mean()
    mean["plan"] = [study.plans[p % n_plans].name for p in mean.point]
    mean["future"] = [study.futures[p // n_plans].name for p in mean.point]
    grid = pd.DataFrame([(p.name, f.name, m.kpi, m.subject) for f in study.futures for p in study.plans
                         for m in study.measures], columns=["plan", "future", "kpi", "subject"])
    out = grid.merge(mean[["plan", "future", "kpi", "subject", "unit", "value"]], how="left",
                     on=["plan", "future", "kpi", "subject"])
    units = mean.groupby(["kpi", "subject"])["unit"].first()
    out["unit"] = [units.get((k, s), "") for k, s in zip(out.kpi, out.subject)]
    return out


def _wide(values: pd.DataFrame, m: Measure, study: Study) -> pd.DataFrame:
    """plans x futures of one measure, in the study's order."""
    d = values[(values.kpi == m.kpi) & (values.subject == m.subject)]
    w = d.pivot(index="plan", columns="future", values="value")
    return w.reindex(index=[p.name for p in study.plans], columns=[f.name for f in study.futures])


def _meets(study: Study, values: pd.DataFrame) -> pd.DataFrame:
    rows = pd.DataFrame([(p.name, f.name) for f in study.futures for p in study.plans], columns=["plan", "future"])
    ok = np.ones(len(rows), dtype=bool)
    for t in study.targets:
        m = next(x for x in study.measures if x.kpi == t.kpi and x.subject == t.subject)
        w = _wide(values, m, study)
        v = np.array([w.loc[p, f] for p, f in zip(rows.plan, rows.future)], dtype=float)
        with np.errstate(invalid="ignore"):
            hold = (v >= t.target) if t.op == ">=" else (v <= t.target)
        rows[t.text] = hold & np.isfinite(v)
        ok &= rows[t.text].to_numpy()
    rows.insert(2, "meets", ok)
    return rows


def _regret(study: Study, values: pd.DataFrame) -> pd.DataFrame:
    w = _wide(values, study.regret, study)
    best = w.max(axis=0) if study.regret.higher_is_better else w.min(axis=0)
    reg = (best - w) if study.regret.higher_is_better else (w - best)
    out = reg.stack(future_stack=True).rename("regret").reset_index()
    return out


def _kpi_rows(study: Study, values: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for m in study.measures:
        w = _wide(values, m, study)
        unit = next(iter(values[(values.kpi == m.kpi) & (values.subject == m.subject)].unit), "")
        q = 0.1 if m.higher_is_better else 0.9         # the bad tail
        for plan in w.index:
            v = w.loc[plan].to_numpy(dtype=float)
            iv = interval(v, range_of_unit(unit)) if np.isfinite(v).sum() else None
            tail = quantile_interval(v, q)
            rows.append({"plan": plan, "kpi": m.kpi, "subject": m.subject, "unit": unit,
                         "better": "higher" if m.higher_is_better else "lower",
                         "mean": iv.mean if iv else math.nan, "mean_low": iv.low if iv else math.nan,
                         "mean_high": iv.high if iv else math.nan, "tail_q": q, "tail": tail.mean,
                         "tail_low": tail.low, "tail_high": tail.high})
    return pd.DataFrame(rows)


def _plan_rows(study: Study, meets: pd.DataFrame, regret: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for p in study.plans:
        ok = meets[meets.plan == p.name].meets.to_numpy()
        r = regret[regret.plan == p.name].regret.to_numpy(dtype=float)
        lo, hi = wilson_bound(int(ok.sum()), len(ok)) if len(ok) else (math.nan, math.nan)
        p90 = quantile_interval(r, 0.9)
        finite = r[np.isfinite(r)]
        rows.append({"plan": p.name, "futures": len(ok), "satisficing": float(ok.mean()) if len(ok) else math.nan,
                     "satisficing_low": lo, "satisficing_high": hi,
                     "regret_mean": float(finite.mean()) if len(finite) else math.nan,
                     "regret_max": float(finite.max()) if len(finite) else math.nan,
                     "regret_p90": p90.mean, "regret_p90_low": p90.low, "regret_p90_high": p90.high})
    return pd.DataFrame(rows)


def rank(plans: pd.DataFrame, criterion: str) -> pd.DataFrame:
    """Plans best first: satisficing share (high), then P90 regret (low), then the study's
    order; or by P90 regret first under the `regret` criterion."""
    d = plans.assign(_order=range(len(plans)), _p90=plans.regret_p90.fillna(math.inf),
                     _sat=-plans.satisficing.fillna(-1))
    keys = ["_sat", "_p90", "_order"] if criterion == "satisficing" else ["_p90", "_sat", "_order"]
    d = d.sort_values(keys, kind="stable")
    out = plans.loc[d.index].reset_index(drop=True)
    out["rank"] = range(1, len(out) + 1)
    return out


def _reason(ranked: pd.DataFrame, criterion: str, unit: str, regret_kpi: Measure) -> str:
    top = ranked.iloc[0]
    share = (f"meets every target in {top.satisficing:.0%} of {int(top.futures)} futures "
             f"(95% CI {top.satisficing_low:.0%}-{top.satisficing_high:.0%})")
    reg = f"P90 regret on {regret_kpi.key} {quantity(top.regret_p90, unit)}"
    if len(ranked) == 1:
        return f"the only plan: {share}"
    second = ranked.iloc[1]
    if top.satisficing == second.satisficing and top.regret_p90 == second.regret_p90:
        return f"tied with {second.plan} on satisficing share and P90 regret, first in the study's order; {share}"
    if criterion == "satisficing":
        if top.satisficing > second.satisficing:
            return f"highest satisficing share: {share}; next {second.plan} {second.satisficing:.0%}"
        return (f"tied on satisficing share ({share}) with {second.plan}; lower {reg} "
                f"(against {quantity(second.regret_p90, unit)})")
    if top.regret_p90 < second.regret_p90:
        return f"lowest {reg} (next {second.plan} {quantity(second.regret_p90, unit)}); {share}"
    return f"tied on P90 regret with {second.plan}; {share}, against {second.satisficing:.0%}"


def _failure(study: Study, meets: pd.DataFrame, plan: str) -> Failure:
    """PRIM over the sampled futures where `plan` fails, as the `discover` command does it."""
    sampled = [f for f in study.futures if f.sampled]
    ok = meets[meets.plan == plan].set_index("future").meets
    failing = [f for f in sampled if not bool(ok.get(f.name, False))]
    out = Failure(plan, len(failing), len(sampled))
    if not study.axes or len(sampled) < MIN_PRIM_FUTURES:
        out.note = f"no box: {len(sampled)} sampled futures (PRIM needs {MIN_PRIM_FUTURES} or more)"
        return out
    if not failing or len(failing) == len(sampled):
        out.note = (f"it meets every target in all {len(sampled)} sampled futures" if not failing
                    else f"it fails in all {len(sampled)} sampled futures")
        return out
    names = [a.path for a in study.axes]
    table = pd.DataFrame([f.values for f in sampled], columns=names)
    table.insert(0, "point", range(len(sampled)))
    table["value"] = [1.0 if bool(ok.get(f.name, False)) else 0.0 for f in sampled]
    table["of_interest"] = table["value"] < 1
    params = [Parameter(a.path, a.label, a.integer, float(table[a.path].min()), float(table[a.path].max()))
              for a in study.axes]
    cases = DiscoverCases(Condition("meets_targets", plan, "<", 1.0), "", params, table, False,
                          study.spec.futures.method)
    found = discover(cases)
    out.discovery = found
    out.limits = restrictions(found.box, params)
    out.coverage, out.density = found.box.coverage, found.box.density
    return out


def is_flexible(overrides: dict[str, Any]) -> bool:
    """A plan that adapts: it sets adaptive rules (`rules` or `rules.<name>`)."""
    return any(k == "rules" or k.startswith("rules.") for k in overrides)


def flexibility(study: Study, values: pd.DataFrame, ranked: pd.DataFrame) -> pd.DataFrame:
    """Value of flexibility: each flexible plan against every fixed plan (best ranked first),
    on the same futures (common random numbers, so the differences are paired)."""
    flexible = [p.name for p in study.plans if is_flexible(p.overrides)]
    fixed = [p for p in ranked.plan if p not in flexible]
    w = _wide(values, study.regret, study)
    plans = ranked.set_index("plan")
    rows = []
    for name in flexible:
        for other in fixed:
            d = t_interval((w.loc[name] - w.loc[other]).to_numpy(dtype=float))
            rows.append({"flexible": name, "against": other, "kpi": study.regret.key,
                         "satisficing_diff": plans.loc[name, "satisficing"] - plans.loc[other, "satisficing"],
                         "mean_diff": d.mean, "mean_diff_low": d.low, "mean_diff_high": d.high,
                         "regret_p90_diff": plans.loc[name, "regret_p90"] - plans.loc[other, "regret_p90"]})
    return pd.DataFrame(rows)


def robustness(study: Study, results: pd.DataFrame, errors: pd.DataFrame) -> Robustness:
    """Every measure of every plan from the store's rows (see the module docstring)."""
    values = _values(study, results)
    meets = _meets(study, values)
    regret = _regret(study, values)
    plans = _plan_rows(study, meets, regret)
    criterion = study.spec.criterion
    ranked = rank(plans, criterion)
    unit = next(iter(values[(values.kpi == study.regret.kpi) & (values.subject == study.regret.subject)].unit), "")
    top = str(ranked.plan.iloc[0])
    rec = Recommendation(top, criterion, _reason(ranked, criterion, unit, study.regret))
    notes = []
    for m in study.measures:
        if values[(values.kpi == m.kpi) & (values.subject == m.subject)].value.isna().all():
            known = sorted(results[results.kpi == m.kpi].subject.astype(str).unique())
            notes.append(f"{m.key}: no run reports it; subjects of {m.kpi} here: {', '.join(known) or 'none'}")
    judged = {(t.kpi, t.subject) for t in study.targets} | {(study.regret.kpi, study.regret.subject)}
    judged_rows = np.array([(k, s) in judged for k, s in zip(values.kpi, values.subject)], dtype=bool)
    missing = values[values.value.isna().to_numpy() & judged_rows]
    if len(missing):
        notes.append(f"{len(missing)} (plan, future) values of a target's or the regret's KPI are missing "
                     "(failed runs, or a KPI the scenario does not report); such a future does not meet the targets")
    futures = pd.DataFrame([{"future": f.name, "sampled": f.sampled, **dict(zip([a.path for a in study.axes], f.values)),
                             "overrides": "; ".join(f"{k}={v}" for k, v in f.overrides.items())}
                            for f in study.futures])
    return Robustness(values, meets, regret, _kpi_rows(study, values), ranked, rec,
                      _failure(study, meets, top), futures, study.regret, errors, notes,
                      flexibility(study, values, ranked))
