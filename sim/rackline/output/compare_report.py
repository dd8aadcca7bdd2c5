"""The compare folder: tables, plots and a self-contained report.html."""
from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import pandas as pd

from rackline import FOOTER, __version__
from rackline.output.headline import bottleneck_sentence
from rackline.output.report import CSS, _png, _table
from rackline.output.folder import AtomicDir, versions, write_run


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
        meta = {"rackline": __version__, "complete": True, "kind": "compare", "scenarios": cmp.names,
                "sources": [r.loaded.source for r in cmp.runs], "seed": cmp.seed, "replications": cmp.reps,
                "overrides": {n: r.loaded.overrides for n, r in zip(cmp.names, cmp.runs)}, "notes": cmp.notes,
                "versions": versions(), "disclaimer": FOOTER}
        if plots:
            images = draw(cmp)
            (tmp / "plots").mkdir()
            for k, data in images.items():
                (tmp / "plots" / f"{k}.png").write_bytes(data)
            (tmp / "report.html").write_text(page(cmp, summary, images, meta))
        (tmp / "manifest.json").write_text(json.dumps(meta, indent=2, default=str))
    return out


def summary_lines(cmp) -> list[str]:
    lines = [f"{n}: {bottleneck_sentence(r)}" for n, r in zip(cmp.names, cmp.runs)]
    d = cmp.differences
    for _, r in d[d.kpi == "throughput"].iterrows():
        line = f"{r.scenario} vs {cmp.names[0]}: throughput {r.subject} {r['diff']:+.3g} units/week"
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
    return {k: _png(f) for k, f in figs.items()}


def page(cmp, summary, images, meta) -> str:
    diffs = cmp.differences.assign(clear=cmp.differences.clear.map({True: "yes", False: "no"}))
    imgs = "".join(f'<figure id="plot-{k}"><img alt="{k}" src="data:image/png;base64,'
                   f'{base64.b64encode(v).decode()}"></figure>' for k, v in images.items())
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>rackline compare: {html.escape(' vs '.join(cmp.names))}</title><style>{CSS}</style></head><body>
<h1>rackline compare: {html.escape(' vs '.join(cmp.names))}</h1>
<div class="banner"><strong>{html.escape(FOOTER)}.</strong> Differences are between assumption sets, not forecasts.</div>
<div class="headline" id="headline">{''.join(f'<p>{html.escape(s)}</p>' for s in summary)}</div>
<h2>Plots</h2>{imgs}
<h2>Differences from {html.escape(cmp.names[0])}</h2>
{_table(diffs, {"diff", "ci_low", "ci_high", "half_width", "variance_reduction"})}
<h2>KPIs</h2>{_table(cmp.kpis, {"mean", "ci_low", "ci_high", "half_width", "n"})}
<h2>What differs in the assumptions</h2>{_table(cmp.assumptions, set())}
<h2>Manifest</h2><pre>{html.escape(json.dumps(meta, indent=2, default=str))}</pre>
<p class="small">{html.escape(FOOTER)}</p></body></html>"""
