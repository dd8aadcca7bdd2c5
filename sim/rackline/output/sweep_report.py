"""Exports of a finished sweep: experiments and results tables, analysis, plots and
a self-contained report.html."""
from __future__ import annotations

import base64
import html
import os
from pathlib import Path

import numpy as np
import pandas as pd

from rackline import FOOTER
from rackline.output.report import CSS, _png, _table
from rackline.experiments.sweep import analysis
from rackline.analysis.stats import SUMMARY_COLUMNS


def _csv(df: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    df.to_csv(tmp, index=False)
    os.replace(tmp, path)


def experiments(design) -> pd.DataFrame:
    rows = []
    for i, (x, ov) in enumerate(zip(design.X, design.overrides)):
        row = {"point": i}
        row.update({name: v for name, v in zip(design.names, x)})
        row["overrides"] = "; ".join(f"{k}={v}" for k, v in ov.items()) or "(base scenario)"
        rows.append(row)
    return pd.DataFrame(rows)


def export(sweep, design, store, folder: Path, plots: bool = True) -> dict[str, pd.DataFrame]:
    res = store.results()
    errors = store.errors()
    _csv(experiments(design), folder / "experiments.csv")
    _csv(res, folder / "results.csv")
    _csv(errors, folder / "errors.csv")
    summary = analysis.point_summary(res) if len(res) else pd.DataFrame(
        columns=["point", "kpi", "subject", "unit", *SUMMARY_COLUMNS])
    _csv(summary, folder / "summary.csv")
    tables: dict[str, pd.DataFrame] = {}
    images: dict[str, bytes] = {}
    notes: list[str] = []
    from rackline.output.plots import sweep as sp
    title = f"sweep {sweep.name}"
    for kpi in sweep.spec.kpis:
        tag = kpi.replace(":", "_")
        sel = analysis.select(summary, kpi)
        if sel.empty:
            notes.append(f"KPI {kpi!r}: no results (unknown KPI, or every point failed)")
            continue
        label = f"{kpi} ({sel.unit.iloc[0]})"
        if design.method == "oat":
            t = analysis.oat_table(design, summary, kpi)
            tor = analysis.tornado(design, summary, kpi)
            tables[f"oat_{tag}"], tables[f"tornado_{tag}"] = t, tor
            if plots and len(t):
                images[f"oat_{tag}"] = _png(sp.oat_plot(t, label, title))
                images[f"tornado_{tag}"] = _png(sp.tornado_plot(tor, label, title))
        elif design.method == "grid" and len(design.names) == 2:
            g = pd.DataFrame(design.X, columns=["x", "y"]).assign(point=range(len(design.X)))
            g = g.merge(sel[["point", "mean"]], on="point")
            tables[f"grid_{tag}"] = g.rename(columns={"x": design.names[0], "y": design.names[1]})
            if plots:
                images[f"heatmap_{tag}"] = _png(sp.heatmap_plot(tables[f"grid_{tag}"], design.names[0],
                                                                design.names[1], label, title))
        elif design.method in ("sobol", "morris"):
            y = analysis.outcome(design, summary, kpi)
            if np.isnan(y).any():
                notes.append(f"KPI {kpi!r}: {int(np.isnan(y).sum())} point(s) failed; no {design.method} indices")
                continue
            ix = analysis.indices(design, y, sweep.spec.seed)
            tables[f"{design.method}_{tag}"] = ix
            if plots:
                images[f"{design.method}_{tag}"] = _png(sp.indices_plot(ix, label, title))
    for name, t in tables.items():
        _csv(t, folder / f"{name}.csv")
    if plots:
        (folder / "plots").mkdir(exist_ok=True)
        for name, data in images.items():
            (folder / "plots" / f"{name}.png").write_bytes(data)
        page = report_html(sweep, design, tables, images, errors, notes)
        tmp = folder / ".report.html.tmp"
        tmp.write_text(page)
        os.replace(tmp, folder / "report.html")
    return tables


def report_html(sweep, design, tables, images, errors, notes) -> str:
    imgs = "".join(f'<figure id="plot-{k}"><img alt="{k}" src="data:image/png;base64,'
                   f'{base64.b64encode(v).decode()}"></figure>' for k, v in images.items())
    tabs = "".join(f"<h3>{html.escape(k)}</h3>{_table(t, set(t.select_dtypes('number').columns))}"
                   for k, t in tables.items())
    exp = experiments(design)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>rackline sweep:
{html.escape(sweep.name)}</title><style>{CSS}</style></head><body>
<h1>rackline sweep: {html.escape(sweep.name)}</h1>
<div class="banner"><strong>{html.escape(FOOTER)}.</strong> A sweep shows which assumptions move the answer;
it does not make any of them true.</div>
<div class="headline" id="headline"><p>{design.method} design over {len(design.names)} parameter(s):
{len(design.overrides)} points x {sweep.spec.replications} replications; base scenario {html.escape(sweep.base.scenario.name)}.</p>
{''.join(f'<p>{html.escape(n)}</p>' for n in notes)}</div>
<h2>Plots</h2>{imgs}<h2>Analysis</h2>{tabs}
<h2>Failed tasks</h2>{_table(errors, set()) if len(errors) else '<p>none</p>'}
<h2>Experiments</h2>{_table(exp, set(design.names))}
<p class="small">{html.escape(FOOTER)}</p></body></html>"""
