"""The robust folder: the study's tables (plans x measures, per-future values, regret,
targets met, futures), plots, report.html and the manifest (last); and the printed
summary, recommended plan first, then where it fails."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from rackline.errors import RacklineError
from rackline.experiments.robust import STORE, RobustOutcome
from rackline.experiments.robust.measures import Robustness
from rackline.experiments.sweep.store import stored_design
from rackline.output.folder import (
    check_destination,
    manifest,
    remove_manifest,
    scenario_hash,
    write_file,
    write_manifest,
)
from rackline.output.html import Section, figure, figure_png, page, paragraphs, table
from rackline.quantities import with_unit as quantity


def check_robust_folder(folder: str | Path, resume: bool, design: str | None = None) -> Path:
    """Before anything runs: `folder` must be new or empty, or hold this study (`design`, its
    hash) when resuming; a refusal leaves the folder as it was."""
    folder = Path(folder)
    db = folder / STORE
    if db.exists() and not resume:
        raise RacklineError(f"--out {folder}: already holds a study; rerun with --resume to finish it, "
                            "or choose another --out")
    if resume and not db.exists():
        raise RacklineError(f"--out {folder}: expected a study to resume ({STORE}), got none")
    if resume and design is not None:
        stored = stored_design(db)
        if stored is not None and stored != design:
            raise RacklineError(f"--out {folder}: holds a different study (its base scenario, an --assumptions "
                                "workbook, plans, futures, replications or seed differ), so --resume cannot "
                                "finish it; run this one with another --out (without --resume)")
    path = check_destination(folder, may_exist=resume)
    remove_manifest(path)
    return path


def _unit(r: Robustness) -> str:
    v = r.values[(r.values.kpi == r.regret_kpi.kpi) & (r.values.subject == r.regret_kpi.subject)]
    return str(next(iter(v.unit), ""))


def summary_lines(outcome: RobustOutcome) -> list[str]:
    """Recommended plan and its reason first; then each plan in rank order; then where the
    recommended plan fails."""
    r, study = outcome.robustness, outcome.study
    rec, fail = r.recommended, r.failure
    crit = ("highest share of futures meeting every target, ties by lower P90 regret"
            if rec.criterion == "satisficing" else "lowest P90 regret, ties by higher satisficing share")
    lines = [f"Recommended plan: {rec.plan} ({crit})", f"  Why: {rec.reason}",
             f"Targets: {'; '.join(t.text for t in study.targets)}. Regret on {r.regret_kpi.key} "
             f"({'higher' if r.regret_kpi.higher_is_better else 'lower'} is better)."]
    unit, m = _unit(r), r.regret_kpi
    kp = r.kpis[(r.kpis.kpi == m.kpi) & (r.kpis.subject == m.subject)].set_index("plan")
    for p in r.plans.itertuples():
        k = kp.loc[p.plan]
        lines.append(f"  {p.rank}. {p.plan}: meets every target in {p.satisficing:.0%} of futures "
                     f"({p.satisficing_low:.0%}-{p.satisficing_high:.0%}); {m.key} mean {quantity(k['mean'], unit)}, "
                     f"P{k['tail_q'] * 100:.0f} {quantity(k['tail'], unit)}; regret P90 {quantity(p.regret_p90, unit)}, "
                     f"max {quantity(p.regret_max, unit)}")
    if fail.limits:
        lines.append(f"Where {fail.plan} fails ({fail.failing} of {fail.futures} sampled futures): "
                     f"{' and '.join(fail.limits)} (PRIM box: coverage {fail.coverage:.0%}, density {fail.density:.0%})")
    elif fail.failing and not fail.note:
        lines.append(f"Where {fail.plan} fails ({fail.failing} of {fail.futures} sampled futures): no box restricts "
                     "the uncertainties")
    else:
        lines.append(f"Where {fail.plan} fails: {fail.note}")
    failed_named = r.meets[(r.meets.plan == rec.plan) & ~r.meets.meets]
    named = {f.name for f in study.futures if not f.sampled}
    misses = [f for f in failed_named.future if f in named]
    if named:
        lines.append(f"Named futures {rec.plan} fails: {', '.join(misses) if misses else 'none'}")
    for f in r.flexibility.itertuples():
        ci = (f"95% CI {quantity(f.mean_diff_low, unit)} to {quantity(f.mean_diff_high, unit)}"
              if f.mean_diff_low == f.mean_diff_low else "no interval")
        lines.append(f"Value of flexibility: {f.flexible} against {f.against}: meets every "
                     f"target in {f.satisficing_diff * 100:+.0f} points of futures; {f.kpi} "
                     f"{'+' if f.mean_diff >= 0 else ''}{quantity(f.mean_diff, unit)} per future ({ci}, paired); "
                     f"P90 regret {'+' if f.regret_p90_diff >= 0 else ''}{quantity(f.regret_p90_diff, unit)}")
    lines += [f"Note: {n}" for n in r.notes]
    return lines


def _future_order(r: Robustness) -> list[str]:
    """Futures ordered by the uncertainty PRIM restricted first (else the first one), named ones last."""
    f = r.futures
    sampled = f[f.sampled]
    first = None
    if r.failure.discovery is not None and len(r.failure.discovery.box.restricted):
        first = str(r.failure.discovery.box.restricted.parameter.iloc[0])
    elif len(f.columns) > 3:
        first = str(f.columns[2])
    if first is not None and first in sampled:
        sampled = sampled.sort_values(first, kind="stable")
    return list(sampled.future) + list(f[~f.sampled].future)


def draw(outcome: RobustOutcome) -> dict[str, bytes]:
    from rackline.output.plots import robust as rp
    r, title = outcome.robustness, f"study {outcome.study.name}"
    order, unit, key = list(r.plans.plan), _unit(r), r.regret_kpi.key
    vals = r.values[(r.values.kpi == r.regret_kpi.kpi) & (r.values.subject == r.regret_kpi.subject)]
    figs = {"satisficing": rp.satisficing_plot(r.plans, r.recommended.plan, title),
            "regret": rp.regret_plot(r.regret, order, key, unit, title),
            "regret_heatmap": rp.heatmap_plot(r.regret, order, _future_order(r), key, title),
            "cdf": rp.cdf_plot(vals, order, key, unit, title)}
    if r.failure.discovery is not None:
        from rackline.output.plots.discover import limits_plot
        figs["failure_box"] = limits_plot(r.failure.discovery.box.limits, title)
    return {k: figure_png(v) for k, v in figs.items()}


def _csv(df: pd.DataFrame, path: Path) -> None:
    write_file(path, df.to_csv(index=False))


def write_robust(outcome: RobustOutcome, plots: bool = True, command: list[str] | None = None) -> Path:
    """Write a finished study's tables, plots and report.html into its folder, the manifest last."""
    r, study, folder = outcome.robustness, outcome.study, outcome.folder
    _csv(r.plans, folder / "plans.csv")
    _csv(r.kpis, folder / "kpis.csv")
    _csv(r.values, folder / "values.csv")
    _csv(r.regret, folder / "regret.csv")
    _csv(r.meets, folder / "targets.csv")
    _csv(r.futures, folder / "futures.csv")
    _csv(r.errors, folder / "errors.csv")
    if len(r.flexibility):
        _csv(r.flexibility, folder / "flexibility.csv")
    if r.failure.discovery is not None:
        _csv(r.failure.discovery.box.limits, folder / "failure_box.csv")
    lines = summary_lines(outcome)
    write_file(folder / "summary.txt", "\n".join(lines) + "\n")
    if plots:
        images = draw(outcome)
        (folder / "plots").mkdir(exist_ok=True)
        for name, data in images.items():
            write_file(folder / "plots" / f"{name}.png", data)
        numeric = [c for c in r.plans.columns if c not in ("plan",)]
        sections = [Section("Plans", table(r.plans, numeric)),
                    Section("KPIs per plan (mean and bad-tail percentile across futures)",
                            table(r.kpis, [c for c in r.kpis.columns if c not in ("plan", "kpi", "subject", "unit",
                                                                                   "better")])),
                    Section("Plots", "".join(figure(k, v) for k, v in images.items()))]
        write_file(folder / "report.html", page(f"rackline robust {study.name}", "Futures are sampled assumptions, "
                                                "not forecasts: a share of futures is not a probability.",
                                                lines[:3], sections, intro=paragraphs(lines[3:])))
    write_manifest(folder, manifest(
        "robust", scenario_hash=scenario_hash(study.base.data), seed=study.spec.seed,
        replications=study.spec.replications, warmup_h=study.base.scenario.run.warmup, wall_time_s=outcome.wall,
        command=command, name=study.name, source=study.source, tasks=outcome.tasks, scheduler=outcome.scheduler,
        plans=[p.name for p in study.plans], futures=len(study.futures), parameters=[a.path for a in study.axes],
        recommended=r.recommended.plan, reason=r.recommended.reason, design_hash=outcome.design_hash))
    return folder
