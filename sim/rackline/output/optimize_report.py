"""Exports of a finished optimize: trials, the plan (as --set values and as a scenario
that extends the base), its constraint CIs, finalists, Pareto front, convergence plot
and report.html (the shared page builder). The folder is written whole or not at all
(AtomicDir), its manifest last (the one `manifest`)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from rackline.about import FOOTER
from rackline.experiments.optimize import OptimizeOutcome
from rackline.experiments.optimize.evaluate import MONEY
from rackline.experiments.optimize.select import Candidate, Selection, constraint_table, money_table, objective_table
from rackline.experiments.optimize.spec import OptimizeProblem
from rackline.output.folder import AtomicDir, manifest, scenario_hash, write_manifest
from rackline.output.html import Section, esc, figure, figure_png, page, paragraphs, table
from rackline.quantities import money_text, pair_text

MONEY_FIGURES = {figure for figure, _ in MONEY}


def _nest(out: dict[Any, Any], parts: tuple[str | int, ...], value: Any) -> None:
    node = out
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value


def plan_document(problem: OptimizeProblem, plan: Candidate, folder: Path) -> dict[str, Any]:
    """A scenario that `extends:` the base: the fixed overrides and the plan's values, each noted."""
    from rackline.scenario.paths import apply_overrides, get_path, split_path
    data, _ = apply_overrides(problem.data, plan.overrides, "<plan>")
    base_file = Path(problem.source).parent / problem.spec.scenario
    doc: dict[str, Any] = {"extends": os.path.relpath(base_file.resolve(), folder.resolve()),
                           "name": f"{problem.base.scenario.name}_plan",
                           "description": f"The plan rackline optimize chose for {Path(problem.source).name}."}
    for path in list(problem.spec.fixed) + list(plan.overrides):
        parts = split_path(path)
        cut = next((i for i, p in enumerate(parts) if isinstance(p, int)), len(parts))
        prefix = parts[:cut]
        value = get_path(data, ".".join(map(str, prefix)))
        if cut == len(parts) and not isinstance(value, (dict, list)):
            why = "OPTIMIZED" if path in plan.overrides else "FIXED"
            value = {"value": value, "note": f"{why} by rackline optimize {Path(problem.source).name}"}
        _nest(doc, prefix, value)
    return doc


def _signed_money(x: float) -> str:
    return money_text(x) if x < 0 else "+" + money_text(x)


def summary_lines(sel: Selection, folder: Path | None = None) -> list[str]:
    p = sel.problem
    o = p.objectives[0]
    lines = []
    if sel.chosen is None:
        lines.append(f"No plan met every constraint at {p.spec.confidence:.0%} confidence among "
                     f"{len(sel.finalists)} finalists ({sel.n} replications each); see plan.csv and trials.csv.")
        return lines + ([f"  {sel.start}"] if sel.start else [])
    c = sel.chosen
    delta = (money_text(o.indifference) if p.money and len(o.terms) == 1 and o.terms[0].key in MONEY_FIGURES
             else f"{o.indifference:g}")
    if len(p.objectives) == 1:
        how = (f"best within delta={delta} ({o.name}) with {p.spec.confidence:.0%} confidence among "
               f"{len(sel.finalists)} finalists" if sel.guaranteed else
               f"best of {len(sel.finalists)} finalists, NOT guaranteed within delta={delta}"
               + (" (second stage capped by final.max_replications)" if sel.capped else ""))
    else:
        others = ", ".join(x.name for x in p.objectives[1:])
        how = (f"chosen from the Pareto front of {len(sel.pareto)} plans among {len(sel.finalists)} finalists "
               f"re-run with {sel.n} replications: the front's plan with the best {o.name} (ties: {others}); "
               f"several objectives have no single best, so no indifference-zone guarantee; "
               f"the whole front is in pareto.csv")
    lines.append(f"Plan ({how}; {sel.n} replications, common random numbers):")
    lines.append("  " + " ".join(f"--set {k}={v!r}" if isinstance(v, str) and " " in v else f"--set {k}={v}"
                                 for k, v in c.overrides.items()))
    for _, r in constraint_table(p, c).iterrows():
        side = "lower" if r.op == ">=" else "upper"
        lines.append(f"  {r.constraint}: {r['mean']:.4g} (95% CI {r.ci_low:.4g} to {r.ci_high:.4g}; "
                     f"one-sided {p.spec.confidence:.0%} {side} bound {r.one_sided_bound:.4g}) "
                     + ("holds" if r.holds else "FAILS"))
    money = money_table(p, c, sel.base)
    shown = set(money.figure)
    for o, (_, r) in zip(p.objectives, objective_table(p, c, sel.base).iterrows()):
        if len(o.terms) == 1 and o.terms[0].key in shown:
            continue            # a money objective: its line is below, in money
        lines.append(f"  {r.objective}: {r.plan:.4g} vs base {r.base:.4g}: {r.difference:+.4g} "
                     f"(95% CI {r.diff_ci_low:+.4g} to {r.diff_ci_high:+.4g})")
    for r in money.itertuples():
        low, high = pair_text(r.plan_ci_low, r.plan_ci_high, r.unit)
        spread = f" (95% CI {low} to {high})" if r.plan_ci_high > r.plan_ci_low else ""
        diff = (f": {_signed_money(r.difference)} (95% CI {_signed_money(r.diff_ci_low)} to "
                f"{_signed_money(r.diff_ci_high)})" if r.diff_ci_high > r.diff_ci_low else
                f": {_signed_money(r.difference)}")
        lines.append(f"  {r.what}: {money_text(r.plan)} {r.unit}{spread} vs base {money_text(r.base)}{diff}")
    base_ok = sel.base.feasible
    lines.append(f"  The base scenario {'meets' if base_ok else 'does not meet'} the constraints.")
    return lines + ([f"  {sel.start}"] if sel.start else [])


def write_optimize(outcome: OptimizeOutcome, plots: bool = True, command: list[str] | None = None) -> Path:
    """Write the folder whole (AtomicDir): tables, plan.yaml, summary, plots, report.html, manifest."""
    problem, sel, folder = outcome.problem, outcome.selection, outcome.folder
    lines = summary_lines(sel)
    with AtomicDir(folder) as tmp:
        outcome.trials_table.to_csv(tmp / "trials.csv", index=False)
        outcome.finalists.to_csv(tmp / "finalists.csv", index=False)
        images: dict[str, bytes] = {}
        tables: dict[str, pd.DataFrame] = {}
        if sel.chosen is not None and outcome.plan is not None:
            tables["plan"] = outcome.plan
            tables["plan"].to_csv(tmp / "plan.csv", index=False)
            doc = plan_document(problem, sel.chosen, folder)
            (tmp / "plan.yaml").write_text(f"# {FOOTER}.\n# " + "\n# ".join(lines) + "\n"
                                           + yaml.safe_dump(doc, sort_keys=False))
        if outcome.pareto is not None:
            tables["pareto"] = outcome.pareto
            tables["pareto"].to_csv(tmp / "pareto.csv", index=False)
        tables["finalists"] = outcome.finalists
        if plots:
            from rackline.output.plots.optimize import convergence_plot
            o = problem.objectives[0]
            images["convergence"] = figure_png(convergence_plot(outcome.trials_table, o.name, o.direction,
                                                                problem.name))
            (tmp / "plots").mkdir()
            (tmp / "plots" / "convergence.png").write_bytes(images["convergence"])
        (tmp / "summary.txt").write_text("\n".join(lines) + f"\n\n{FOOTER}\n")
        if plots:
            (tmp / "report.html").write_text(report_html(problem, lines, tables, images))
        meta = manifest("optimize", scenario_hash=scenario_hash(problem.data), seed=problem.spec.seed,
                        replications=problem.spec.replications, warmup_h=outcome.warmup, wall_time_s=outcome.wall,
                        command=command, name=problem.name, source=problem.source, trials=outcome.trials,
                        final_replications=sel.n, guaranteed=sel.guaranteed, start=sel.start,
                        plan=sel.chosen.overrides if sel.chosen is not None else None)
        write_manifest(tmp, meta)
    return folder


_CAPTIONS = {
    "plan": "The chosen plan's constraints (mean, two-sided CI, one-sided bound) and objectives against the base.",
    "pareto": "The Pareto front of the finalists after their re-run (several objectives: no single best).",
    "finalists": "The best candidates of the search, re-run with more replications (common random numbers).",
}


def section(problem: OptimizeProblem, lines: list[str], tables: dict[str, pd.DataFrame],
            images: dict[str, bytes]) -> Section:
    """The report section: the answer, the convergence plot and the tables."""
    body = [f'<div class="headline">{paragraphs(lines)}</div>']
    body += [figure(k, v, "Best feasible objective so far, by trial." if k == "convergence" else "")
             for k, v in images.items()]
    for name, df in tables.items():
        numeric = [c for c in df.columns if pd.api.types.is_float_dtype(df[c])]
        body.append(f'<h3>{esc(name)} ({esc(name)}.csv)</h3><p class="small">{esc(_CAPTIONS.get(name, ""))}</p>'
                    + table(df, numeric))
    return Section(f"Plan for {problem.name}", "".join(body))


def report_html(problem: OptimizeProblem, lines: list[str], tables: dict[str, pd.DataFrame],
                images: dict[str, bytes]) -> str:
    return page(f"rackline optimize: {problem.name}", "The plan is the best the search found under these "
                "assumptions, not a recommendation.", lines[:2], [section(problem, lines, tables, images)])
