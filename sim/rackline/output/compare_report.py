"""The compare folder: tables, plots and a self-contained report.html."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from rackline.about import FOOTER
from rackline.analysis.answer_parts import Estimate
from rackline.experiments.compare import Comparison
from rackline.experiments.compare_table import Change, CompareTable
from rackline.kpi_names import select_rows as kpi_rows
from rackline.output.folder import AtomicDir, manifest, scenario_hash, write_file, write_manifest
from rackline.output.html import Section, figure, figure_png, manifest_block, page, paragraphs, table
from rackline.output.run_folder import write_run
from rackline.quantities import is_money_unit, quantity_text, signed_text, value_text

TOO_WIDE = "too wide: run more replications"


def write_compare(cmp: Comparison, out: str | Path, plots: bool = True) -> Path:
    out = Path(out)
    with AtomicDir(out) as tmp:
        cmp.table.frame().to_csv(tmp / "table.csv", index=False)
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


def estimate_text(e: Estimate | None, unit: str) -> str:
    """'22.4 (21.9 to 22.9)', '$3.13M ($3.10M to $3.16M)', '96.7% (93.0% to 99.1%)'."""
    if e is None:
        return "—"
    value = quantity_text(e.mean, unit)
    if e.note:
        return f"{value} (too wide)"
    if not e.has_interval or e.low == e.high:
        return value
    return f"{value} ({quantity_text(e.low, unit)} to {quantity_text(e.high, unit)})"


def change_text(c: Change | None, unit: str) -> str:
    """'-0.258 (-0.625 to +0.11) not clear'; 'no change' when every replication agrees."""
    if c is None:
        return "—"
    if c.same:
        return c.verdict
    if not (math.isfinite(c.low) and math.isfinite(c.high)):
        return f"{signed_text(c.diff, unit)} {c.verdict}"
    lo, hi = (signed_text(x, unit).removesuffix(" points") for x in (c.low, c.high))
    return f"{signed_text(c.diff, unit)} ({lo} to {hi}): {c.verdict}"


def _unit_text(unit: str) -> str:
    return "%" if unit.startswith("share") else unit


def table_cells(t: CompareTable) -> pd.DataFrame:
    """The compare table as text cells: KPI, unit, each scenario, each difference."""
    base = t.names[0]
    rows = []
    for r in t.rows:
        rec = {"KPI": r.label, "unit": _unit_text(r.unit)}
        rec.update({n: estimate_text(e, r.unit) for n, e in zip(t.names, r.values)})
        rec.update({f"{n} - {base}": change_text(c, r.unit) for n, c in zip(t.names[1:], r.changes)})
        rows.append(rec)
    return pd.DataFrame(rows, columns=["KPI", "unit", *t.names, *(f"{n} - {base}" for n in t.names[1:])])


def table_lines(t: CompareTable) -> list[str]:
    """The table as aligned text, for the terminal and summary.txt."""
    cells = table_cells(t)
    if cells.empty:
        return []
    widths = {c: max(len(c), *(len(str(v)) for v in cells[c])) for c in cells.columns}
    head = "  ".join(c.ljust(widths[c]) for c in cells.columns)
    body = ["  ".join(str(v).ljust(widths[c]) for c, v in zip(cells.columns, row)) for row in cells.itertuples(index=False)]
    lines = [head.rstrip(), *(b.rstrip() for b in body)]
    if any(e is not None and e.note for r in t.rows for e in r.values):
        lines.append(f"(too wide) = interval {TOO_WIDE} (--reps)")
    return lines


def summary_lines(cmp: Comparison) -> list[str]:
    """The side-by-side table first (each scenario's value with its interval, each
    difference from the first scenario, clear or not), then the questions, each
    scenario's constraint chain and how its cost-aware splits move; the paired-difference
    sentences are in details_lines."""
    lines = table_lines(cmp.table)
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
        lines += [f"{n}: {line}" for line in r.answer.disruption_lines() + r.answer.sourcing_lines()]
    return lines + cmp.notes


def details_lines(cmp: Comparison) -> list[str]:
    """Every question KPI's paired difference as a sentence, with the share of variance
    pairing removed (the report's details)."""
    d = cmp.differences
    return [difference_line(r, cmp.names[0]) for spec in _question_kpis(cmp) for _, r in kpi_rows(d, spec).iterrows()]


def draw(cmp: Comparison) -> dict[str, bytes]:
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
        Section(f"Differences from {cmp.names[0]} (details)",
                paragraphs(details_lines(cmp)) + differences_html(diffs, cmp.runs[0].scenario)),
        Section("Plots", "".join(figure(k, v) for k, v in images.items())),
        Section("KPIs", table(cmp.kpis, {"mean", "ci_low", "ci_high", "half_width", "n"})),
        Section("What differs in the assumptions", table(cmp.assumptions)),
        Section("Manifest", manifest_block(meta)),
    ]
    return page(f"rackline compare: {title}", "Differences are between assumption sets, not forecasts.",
                summary[len(table_lines(cmp.table)):], sections,
                lead=f"<h2>Side by side</h2>{table(table_cells(cmp.table))}")
