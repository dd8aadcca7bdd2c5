"""Exports of a finished sweep: experiments and results tables, analysis, plots and
a self-contained report.html."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rackline.experiments.sweep import analysis
from rackline.kpi_names import SUMMARY_COLUMNS
from rackline.output.folder import write_file
from rackline.output.html import Section, esc, figure, figure_png, page, table
from rackline.quantities import pair_text, param_text, value_text


def _csv(df: pd.DataFrame, path: Path) -> None:
    write_file(path, df.to_csv(index=False))


def experiments(design) -> pd.DataFrame:
    rows = []
    for i, (x, ov) in enumerate(zip(design.X, design.overrides)):
        row: dict[str, object] = {"point": i}
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
                images[f"oat_{tag}"] = figure_png(sp.oat_plot(t, label, title, sel.unit.iloc[0], list(tor.parameter)))
                images[f"tornado_{tag}"] = figure_png(sp.tornado_plot(tor, label, title))
        elif design.method == "grid" and len(design.names) == 2:
            g = pd.DataFrame(design.X, columns=["x", "y"]).assign(point=range(len(design.X)))
            g = g.merge(sel[["point", "mean"]], on="point")
            tables[f"grid_{tag}"] = g.rename(columns={"x": design.names[0], "y": design.names[1]})
            tables[f"grid_{tag}"].attrs["unit"] = str(sel.unit.iloc[0])
            tables[f"grid_{tag}"].attrs["units"] = list(design.units or ["", ""])
            if plots:
                units = design.units or ["", ""]
                images[f"heatmap_{tag}"] = figure_png(sp.heatmap_plot(
                    tables[f"grid_{tag}"], design.names[0], design.names[1], label, title, str(sel.unit.iloc[0]),
                    (units[0], units[1])))
        elif design.method in ("sobol", "morris"):
            y = analysis.outcome(design, summary, kpi)
            if np.isnan(y).any():
                notes.append(f"KPI {kpi!r}: {int(np.isnan(y).sum())} point(s) failed; no {design.method} indices")
                continue
            ix = analysis.indices(design, y, sweep.spec.seed)
            tables[f"{design.method}_{tag}"] = ix
            if plots:
                images[f"{design.method}_{tag}"] = figure_png(sp.indices_plot(ix, label, title))
    for name, t in tables.items():
        _csv(t, folder / f"{name}.csv")
    if plots:
        (folder / "plots").mkdir(exist_ok=True)
        for name, data in images.items():
            write_file(folder / "plots" / f"{name}.png", data)
        write_file(folder / "report.html", report_html(sweep, design, tables, images, errors, notes))
    return tables


def report_html(sweep: Any, design: Any, tables: dict[str, pd.DataFrame], images: dict[str, bytes],
                errors: pd.DataFrame, notes: list[str]) -> str:
    analysed = "".join(f"<h3>{esc(k)}</h3>{table(t, t.select_dtypes('number').columns)}" for k, t in tables.items())
    headline = [f"{design.method} design over {len(design.names)} parameter(s): {len(design.overrides)} points x "
                f"{sweep.spec.replications} replications; base scenario {sweep.base.scenario.name}.", *notes]
    sections = [
        Section("Plots", "".join(figure(k, v) for k, v in images.items())),
        Section("Analysis", analysed),
        Section("Failed tasks", table(errors) if len(errors) else "<p>none</p>"),
        Section("Experiments", table(experiments(design), design.names)),
    ]
    return page(f"rackline sweep: {sweep.name}",
                "A sweep shows which assumptions move the answer; it does not make any of them true.",
                headline, sections)


def influence_lines(tables: dict[str, pd.DataFrame], kpis: list[str], top: int = 5) -> list[str]:
    """For each KPI of interest, the parameters ranked by influence, most first: the
    tornado swing (oat), Sobol total order ST, or Morris mu*, whichever the design gave."""
    measures = (("tornado", "swing", "swing"), ("sobol", "ST", "total-order index ST"),
                ("morris", "mu_star", "Morris mu*"))
    lines = []
    for kpi in kpis:
        tag = kpi.replace(":", "_")
        for prefix, col, label in measures:
            t = tables.get(f"{prefix}_{tag}")
            if t is None or t.empty:
                continue
            ranked = t.sort_values(col, ascending=False, key=lambda v: v.fillna(-np.inf)).head(top)
            lines.append(f"Influence on {kpi} ({label}, top {len(ranked)}):")
            for i, r in enumerate(ranked.itertuples(), 1):
                if prefix == "tornado":
                    k = getattr(r, "kpi_unit", "")
                    low, high = pair_text(r.at_low, r.at_high, k)
                    line = (f"  {i}. {r.parameter}: {value_text(r.swing, k)} ({low} at "
                            f"{param_text(r.low_value, r.unit)} to {high} at {param_text(r.high_value, r.unit)})")
                else:
                    line = f"  {i}. {r.parameter}: {getattr(r, col):.3g}"
                lines.append(line)
            break
        else:
            grid = tables.get(f"grid_{tag}")
            if grid is not None and len(grid):
                lines.append(_grid_line(kpi, grid))
            else:
                lines.append(f"Influence on {kpi}: no ranking from this design (use method oat, sobol or morris)")
    return lines


def _grid_line(kpi: str, grid: pd.DataFrame) -> str:
    """Where a 2-D grid's KPI is lowest and highest (the heatmap says the rest)."""
    params = [c for c in grid.columns if c not in ("point", "mean")]
    lo, hi = grid.loc[grid["mean"].idxmin()], grid.loc[grid["mean"].idxmax()]

    units = list(grid.attrs.get("units", [""] * len(params)))

    def at(r: pd.Series) -> str:
        return ", ".join(f"{p.rsplit('.', 1)[-1]}={param_text(r[p], u).replace(' ', '')}" for p, u in zip(params, units))

    unit = str(grid.attrs.get("unit", ""))
    return (f"{kpi} over the grid: lowest {value_text(lo['mean'], unit)} at {at(lo)}; highest "
            f"{value_text(hi['mean'], unit)} at {at(hi)} (plots/heatmap_{kpi.replace(':', '_')}.png)")
