"""The compare folder: tables, plots and a self-contained report.html."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from rackline import FOOTER
from rackline.output.folder import AtomicDir, manifest, scenario_hash, write_file, write_manifest, write_run
from rackline.output.headline import bottleneck_sentence
from rackline.output.html import Section, figure, figure_png, manifest_block, page, table


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


def summary_lines(cmp) -> list[str]:
    lines = [f"{n}: {bottleneck_sentence(r)}" for n, r in zip(cmp.names, cmp.runs)]
    d = cmp.differences
    money = (d.kpi == "cost_per_rack") & (d.subject == "total")   # the economic layer's headline difference
    for _, r in d[(d.kpi == "throughput") | money].iterrows():
        line = f"{r.scenario} vs {cmp.names[0]}: {r.kpi} {r.subject} {r['diff']:+.3g} {r.unit}"
        if pd.notna(r.variance_reduction):
            verdict = "a clear difference" if r.clear else "no clear difference"
            line += (f" (CI {r.ci_low:+.3g} to {r.ci_high:+.3g}; {verdict}; pairing removed "
                     f"{r.variance_reduction:.0%} of the variance)")
        lines.append(line)
    return lines + cmp.notes


def draw(cmp) -> dict[str, bytes]:
    from rackline.output.plots import compare as cp
    title = " vs ".join(cmp.names)
    figs = {"kpis": cp.kpi_bars(cmp.kpis, cmp.names, title),
            "throughput": cp.throughput_overlay({n: r.timeseries for n, r in zip(cmp.names, cmp.runs)}, title),
            "stations": cp.states_side_by_side({n: r.ranking for n, r in zip(cmp.names, cmp.runs)}, title)}
    if len(cmp.differences):
        figs["differences"] = cp.difference_plot(cmp.differences, title)
    return {k: figure_png(f) for k, f in figs.items()}


def report_html(cmp: Any, summary: list[str], images: dict[str, bytes], meta: dict[str, Any]) -> str:
    diffs = cmp.differences.assign(clear=cmp.differences.clear.map({True: "yes", False: "no"}))
    title = " vs ".join(cmp.names)
    sections = [
        Section("Plots", "".join(figure(k, v) for k, v in images.items())),
        Section(f"Differences from {cmp.names[0]}",
                table(diffs, {"diff", "ci_low", "ci_high", "half_width", "variance_reduction"})),
        Section("KPIs", table(cmp.kpis, {"mean", "ci_low", "ci_high", "half_width", "n"})),
        Section("What differs in the assumptions", table(cmp.assumptions)),
        Section("Manifest", manifest_block(meta)),
    ]
    return page(f"rackline compare: {title}", "Differences are between assumption sets, not forecasts.",
                summary, sections)
