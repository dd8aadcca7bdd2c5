"""The sweep folder: the tables a finished sweep gives, its plots, a self-contained
report.html and the manifest (last); and the printed ranking of influences."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rackline.errors import RacklineError
from rackline.experiments.sweep import SweepOutcome, analysis
from rackline.experiments.sweep.analysis import experiments
from rackline.experiments.sweep.store import STORE, stored_design
from rackline.output.folder import (
    check_destination,
    default_out,
    manifest,
    remove_manifest,
    scenario_hash,
    write_file,
    write_manifest,
)
from rackline.output.html import Section, esc, figure, figure_png, page, table
from rackline.quantities import pair_text, param_text, value_text


def _csv(df: pd.DataFrame, path: Path) -> None:
    write_file(path, df.to_csv(index=False))


def sweep_folder(name: str, out: str | Path | None, resume: bool, root: str | Path = "results") -> Path:
    """Where a sweep goes: `--out`, else a new timestamped folder results/sweeps/<name>/<stamp>
    (like runs), or with --resume the latest of them that holds a sweep."""
    if out:
        return Path(out)
    parent = Path(root) / "sweeps" / name
    if resume:
        held = sorted(p for p in parent.glob("*") if (p / STORE).exists()) if parent.is_dir() else []
        if not held:
            raise RacklineError(f"--resume: expected a sweep of {name} under {parent} to finish, got none; "
                                "name its folder with --out")
        return held[-1]
    return default_out(name, Path(root) / "sweeps")


def check_sweep_folder(folder: str | Path, resume: bool, design: str | None = None, name: str = "sweep",
                       root: str | Path = "results") -> Path:
    """Before anything runs: `folder` must be new or empty, or hold this sweep (`design`, its
    hash) when resuming, and be writable. A refusal names a new folder to use instead."""
    folder = Path(folder)
    db = folder / STORE
    fresh = default_out(name, Path(root) / "sweeps")
    if db.exists() and not resume:
        raise RacklineError(f"--out {folder}: already holds a sweep; rerun with --resume to finish it, "
                            f"or start this one in a new folder: --out {fresh}")
    if resume and not db.exists():
        raise RacklineError(f"--out {folder}: expected a sweep to resume ({STORE}), got none")
    if resume and design is not None:
        stored = stored_design(db)
        if stored is not None and stored != design:
            raise RacklineError(f"--out {folder}: holds a different sweep (its design differs: other parameters, "
                                f"ranges, replications or seed), so --resume cannot finish it; run this one in a "
                                f"new folder: --out {fresh} (without --resume)")
    path = check_destination(folder, may_exist=resume)
    remove_manifest(path)                        # it is being (re)completed
    return path


def write_sweep(outcome: SweepOutcome, plots: bool = True, command: list[str] | None = None) -> Path:
    """Write a finished sweep's tables, plots and report.html into its folder, the manifest last."""
    sweep, design, tables, folder = outcome.sweep, outcome.design, outcome.tables, outcome.folder
    _csv(tables.experiments, folder / "experiments.csv")
    _csv(tables.results, folder / "results.csv")
    _csv(tables.errors, folder / "errors.csv")
    _csv(tables.summary, folder / "summary.csv")
    for name, t in tables.analysis.items():
        _csv(t, folder / f"{name}.csv")
    if plots:
        images = draw(outcome)
        (folder / "plots").mkdir(exist_ok=True)
        for name, data in images.items():
            write_file(folder / "plots" / f"{name}.png", data)
        write_file(folder / "report.html", report_html(sweep, design, tables.analysis, images, tables.errors,
                                                       tables.notes))
    write_manifest(folder, manifest(
        "sweep", scenario_hash=scenario_hash(sweep.base.data), seed=sweep.spec.seed,
        replications=sweep.spec.replications, warmup_h=sweep.base.scenario.run.warmup,
        wall_time_s=outcome.wall, command=command, name=sweep.name, method=design.method, tasks=outcome.tasks,
        points=len(design.overrides), scheduler=outcome.scheduler, source=sweep.source, parameters=design.names,
        kpis=sweep.spec.kpis, design_hash=outcome.design_hash))
    return folder


def draw(outcome: SweepOutcome) -> dict[str, bytes]:
    """PNG bytes of each analysis table's plot: OAT lines and tornado, heatmap, index bars."""
    from rackline.output.plots import sweep as sp
    design, summary = outcome.design, outcome.tables.summary
    title = f"sweep {outcome.sweep.name}"
    images: dict[str, bytes] = {}
    for kpi in outcome.sweep.spec.kpis:
        tag = kpi.replace(":", "_")
        sel = analysis.select(summary, kpi)
        if sel.empty:
            continue
        unit = str(sel.unit.iloc[0])
        label = f"{kpi} ({unit})"
        t = outcome.analysis.get(f"oat_{tag}")
        if t is not None and len(t):
            tor = outcome.analysis[f"tornado_{tag}"]
            images[f"oat_{tag}"] = figure_png(sp.oat_plot(t, label, title, unit, list(tor.parameter)))
            images[f"tornado_{tag}"] = figure_png(sp.tornado_plot(tor, label, title))
        grid = outcome.analysis.get(f"grid_{tag}")
        if grid is not None:
            units = design.units or ["", ""]
            images[f"heatmap_{tag}"] = figure_png(sp.heatmap_plot(grid, design.names[0], design.names[1], label,
                                                                  title, unit, (units[0], units[1])))
        ix = outcome.analysis.get(f"{design.method}_{tag}")
        if ix is not None and design.method in ("sobol", "morris"):
            images[f"{design.method}_{tag}"] = figure_png(sp.indices_plot(ix, label, title))
    return images


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
