"""The compare folder: tables, plots and a self-contained report.html."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from rackline.about import FOOTER
from rackline.kpi_names import select_rows as kpi_rows
from rackline.output.folder import AtomicDir, manifest, scenario_hash, write_file, write_manifest
from rackline.output.html import Section, figure, figure_png, manifest_block, page, table
from rackline.output.run_folder import write_run
from rackline.quantities import is_money_unit, value_text


def write_compare(cmp, out: str | Path, plots: bool = True) -> Path:
    out = Path(out)
    with AtomicDir(out) as tmp:
        cmp.kpis.to_csv(tmp / "kpis.csv", index=False)
        cmp.differences.to_csv(tmp / "differences.csv", index=False)
        cmp.assumptions.to_csv(tmp / "assumptions_diff.csv", index=False)
        (tmp / "runs").mkdir()
        for name, res in zip(cmp.names, cmp.runs):
            write_run(res, tmp / "runs" / name, plots=False)
        summary = summary_lines(cmp)
        (tmp / "summary.txt").write_text("\n".join(summary) + f"\n\n{FOOTER}\n")
        meta = compare_manifest(cmp)
        if plots:
            images = draw(cmp)
            (tmp / "plots").mkdir()
            for k, data in images.items():
                write_file(tmp / "plots" / f"{k}.png", data)
            write_file(tmp / "report.html", report_html(cmp, summary, images, meta))
        write_manifest(tmp, meta)
    return out


def compare_manifest(cmp: Any) -> dict[str, Any]:
    """The compare manifest: per-scenario hashes and warm-ups keyed by scenario name."""
    return manifest(
        "compare", scenario_hash={n: scenario_hash(r.loaded.data) for n, r in zip(cmp.names, cmp.runs)},
        seed=cmp.seed, replications=cmp.reps, warmup_h={n: r.warmup for n, r in zip(cmp.names, cmp.runs)},
        wall_time_s=sum(r.wall for r in cmp.runs), scenarios=cmp.names,
        sources=[r.loaded.source for r in cmp.runs],
        overrides={n: dict(r.loaded.overrides) for n, r in zip(cmp.names, cmp.runs)}, notes=cmp.notes)


def _question_kpis(cmp: Any) -> list[str]:
    """KPIs of interest, in order: the what-ifs' declared questions' (they are what a compare
    asks), then the first scenario's, then throughput."""
    specs: list[str] = []
    for res in [*cmp.runs[1:], cmp.runs[0]]:
        q = res.scenario.question
        specs += [k for k in (q.kpis if q is not None else []) if k not in specs]
    specs += [] if any(k.partition(":")[0] == "throughput" for k in specs) else ["throughput"]
    if (cmp.differences.kpi == "cost_per_rack").any() and "cost_per_rack:total" not in specs:
        specs.append("cost_per_rack:total")       # the economic layer's headline difference
    return specs


def difference_line(r: pd.Series, base: str) -> str:
    """One paired difference: the change, its CI and whether it is clear."""
    pct = str(r.unit).startswith("share")
    money = is_money_unit(r.unit)

    def signed(x: float) -> str:
        return ("+" if x >= 0 else "") + value_text(x, str(r.unit)) if money else f"{x:+.3g}"

    if pct:
        diff, lo, hi = f"{r['diff'] * 100:+.3g} points", f"{r.ci_low * 100:+.3g}", f"{r.ci_high * 100:+.3g}"
    elif money:      # '+$4.54k USD/rack' rather than '+4.54e+03'
        diff, lo, hi = f"{signed(r['diff'])} {r.unit}", signed(r.ci_low), signed(r.ci_high)
    else:
        diff, lo, hi = f"{r['diff']:+.3g} {r.unit}", f"{r.ci_low:+.3g}", f"{r.ci_high:+.3g}"
    line = f"{r.scenario} vs {base}: {r.kpi} {r.subject} {diff}"
    if r["diff"] == 0 and r.ci_low == 0 and r.ci_high == 0:
        return line + " (the same in every replication)"
    if pd.notna(r.ci_low) and pd.notna(r.ci_high):
        line += f" (CI {lo} to {hi}; {'clear' if r.clear else 'not clear'}"
        if pd.notna(r.variance_reduction):
            line += f"; pairing removed {r.variance_reduction:.0%} of the variance"
        line += ")"
    return line


def summary_lines(cmp) -> list[str]:
    """The questions' KPIs first, as paired differences from the first scenario (clear
    or not), then the questions, each scenario's constraint chain and how its
    cost-aware splits move."""
    d = cmp.differences
    lines = [difference_line(r, cmp.names[0]) for spec in _question_kpis(cmp) for _, r in kpi_rows(d, spec).iterrows()]
    lines += [f"{name} asks: {res.scenario.question.text}" for name, res in zip(cmp.names, cmp.runs)
              if res.scenario.question is not None]
    for n, r in zip(cmp.names, cmp.runs):
        products = r.answer.products
        if not products:
            lines.append(f"{n}: constraint: none (no product is ordered)")
        for p in products:
            tag = f" ({p.product})" if len(products) > 1 else ""
            lines.append(f"{n}: constraint{tag}: {p.constraint if p.constraint is not None else 'none (no stations)'}")
    for n, r in zip(cmp.names, cmp.runs):
        lines += [f"{n}: {line}" for line in r.answer.sourcing_lines()]
    return lines + cmp.notes


def draw(cmp) -> dict[str, bytes]:
    from rackline.output.plots import compare as cp
    title = " vs ".join(cmp.names)
    figs = {"kpis": cp.kpi_bars(cmp.kpis, cmp.names, title, _question_kpis(cmp)),
            "throughput": cp.throughput_overlay({n: r.bands for n, r in zip(cmp.names, cmp.runs)}, title,
                                                {n: cp.disruption_spans(r.reps)
                                                 for n, r in zip(cmp.names, cmp.runs)}),
            "stations": cp.states_side_by_side({n: r.ranking for n, r in zip(cmp.names, cmp.runs)}, title)}
    if len(cmp.differences):
        figs["differences"] = cp.difference_plot(cmp.differences, title, _question_kpis(cmp))
    return {k: figure_png(f) for k, f in figs.items()}


def report_html(cmp: Any, summary: list[str], images: dict[str, bytes], meta: dict[str, Any]) -> str:
    diffs = cmp.differences.assign(clear=cmp.differences.clear.map({True: "yes", False: "no"}))
    title = " vs ".join(cmp.names)
    from rackline.output.report import differences_html
    sections = [
        Section(f"Differences from {cmp.names[0]}", differences_html(diffs, cmp.runs[0].scenario)),
        Section("Plots", "".join(figure(k, v) for k, v in images.items())),
        Section("KPIs", table(cmp.kpis, {"mean", "ci_low", "ci_high", "half_width", "n"})),
        Section("What differs in the assumptions", table(cmp.assumptions)),
        Section("Manifest", manifest_block(meta)),
    ]
    return page(f"rackline compare: {title}", "Differences are between assumption sets, not forecasts.",
                summary, sections)
