"""The screen folder and the printed top ten: which guesses move the question's KPIs.

Writes ranking.csv (one row per assumption, its largest relative influence), morris_<kpi>.csv,
skipped.csv (assumptions left out and why), experiments.csv, results.csv, errors.csv,
plots (a mu*-sigma plot and a tornado of mu* per KPI), report.html and the manifest last.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from rackline.experiments.screen import ScreenOutcome, label
from rackline.experiments.sweep.analysis import experiments
from rackline.experiments.sweep.store import STORE, Store
from rackline.output.folder import manifest, scenario_hash, write_file, write_manifest
from rackline.output.html import Section, figure, figure_png, page, table
from rackline.output.plots.style import footer, new_figure, styled
from rackline.quantities import value_text

TOP = 10


def _effect(mu: float, mu_star: float, unit: str) -> str:
    """'+6.1', '-2.3' when the effect always has the same sign, else '±4.0'."""
    sign = "+" if mu > 0 else "-"
    text = value_text(mu_star, unit)
    return f"{sign}{text}" if np.isfinite(mu) and abs(abs(mu) - mu_star) <= 0.05 * mu_star else f"±{text}"


def summary_lines(out: ScreenOutcome, top: int = TOP) -> list[str]:
    """The top assumptions in plain words: what each moves, by how much, across which range."""
    lines = [f"Which guesses matter (Morris, {len(out.screen.ranges)} assumptions, "
             f"{out.screen.sweep.spec.samples} trajectories; effect = change across the whole range):"]
    for r in out.ranking.head(top).itertuples():
        unit = "" if str(r.unit).startswith("share") else f" {r.unit}"    # a share reads as a percentage
        lines.append(f"{r.rank:>3}. {r.label} ({r.value}; {r.low} to {r.high}): {r.kpi} "
                     f"{_effect(r.mu, r.mu_star, r.unit)}{unit} (σ {value_text(r.sigma, r.unit)})")
    for kpi, t in out.per_kpi.items():
        lead = t.iloc[0] if len(t) else None
        if lead is not None:
            lines.append(f"Most influential on {kpi}: {label(lead.parameter)} "
                         f"(μ* {value_text(lead.mu_star, t.attrs.get('unit', ''))})")
    if len(out.skipped):
        lines.append(f"{len(out.skipped)} assumptions not varied (skipped.csv says why).")
    return lines + out.notes


def mu_sigma_plot(t: pd.DataFrame, kpi: str, unit: str, title: str, top: int = TOP) -> Figure:
    """Each assumption at (mu*, sigma); the top ones named. Far right: influential; high:
    its effect depends on the other assumptions (or is not linear)."""
    with styled():
        fig, ax = new_figure(9, 6)
        ax.scatter(t.mu_star, t.sigma, s=18, color="#1f77b4", alpha=0.7)
        for i, r in enumerate(t.head(top).itertuples()):    # alternate above and below: close points stay legible
            ax.annotate(label(r.parameter), (r.mu_star, r.sigma), fontsize=7.5, xytext=(4, 4 if i % 2 else -10),
                        textcoords="offset points")
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(FuncFormatter(lambda x, _: value_text(x, unit)))
        hi = float(np.nanmax([t.mu_star.max(), t.sigma.max(), 0.0])) if len(t) else 1.0
        ax.plot([0, hi], [0, hi], ls="--", color="#999999", lw=1, label="σ = μ*")
        ax.set(xlabel=f"μ*: mean absolute effect on {kpi} ({unit})", ylabel=f"σ ({unit})")
        ax.legend(loc="upper left")
        fig.suptitle(f"Morris screen: {kpi}", fontweight="bold")
        return footer(fig, title)


def tornado_plot(t: pd.DataFrame, kpi: str, unit: str, title: str, top: int = 15) -> Figure:
    """The most influential assumptions as bars of mu* (with its 95% half-width), largest on top."""
    t = t.head(top).iloc[::-1]
    with styled():
        fig, ax = new_figure(9.5, max(3.0, 0.38 * len(t) + 1.6))
        conf = t.mu_star_conf.fillna(0).to_numpy(dtype=float)
        err = np.vstack([np.minimum(conf, t.mu_star.to_numpy(dtype=float)), conf])   # mu* is never below 0
        ax.barh(range(len(t)), t.mu_star, xerr=err, color="#d62728", alpha=0.8, capsize=2)
        ax.set_yticks(range(len(t)), [label(p) for p in t.parameter], fontsize=8)
        ax.set(xlabel=f"μ*: change of {kpi} across the assumption's range ({unit})")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: value_text(x, unit)))
        fig.suptitle(f"Which guesses move {kpi}", fontweight="bold")
        return footer(fig, title)


def write_screen(out: ScreenOutcome, plots: bool = True, command: list[str] | None = None) -> Path:
    """Write a finished screen's tables, plots and report into its folder, the manifest last."""
    folder, screen = out.folder, out.screen
    design = screen.design
    store = Store(folder / STORE)
    try:
        results, errors = store.results(), store.errors()
    finally:
        store.close()
    frames = {"ranking": out.ranking, "skipped": out.skipped, "experiments": experiments(design),
              "results": results, "errors": errors}
    frames |= {f"morris_{kpi.replace(':', '_')}": t for kpi, t in out.per_kpi.items()}
    for name, df in frames.items():
        write_file(folder / f"{name}.csv", df.to_csv(index=False))
    name = screen.loaded.scenario.name
    images: dict[str, bytes] = {}
    if plots:
        for kpi, t in out.per_kpi.items():
            unit, tag = t.attrs.get("unit", ""), kpi.replace(":", "_")
            images[f"mu_sigma_{tag}"] = figure_png(mu_sigma_plot(t, kpi, unit, name))
            images[f"tornado_{tag}"] = figure_png(tornado_plot(t, kpi, unit, name))
        (folder / "plots").mkdir(exist_ok=True)
        for img, data in images.items():
            write_file(folder / "plots" / f"{img}.png", data)
        numeric = ["mu_star", "mu_star_conf", "mu", "sigma", "relative"]
        sections = [Section("Plots", "".join(figure(k, v) for k, v in images.items())),
                    Section("Ranking", table(out.ranking, numeric)),
                    Section("Not varied", table(out.skipped) if len(out.skipped) else "<p>none</p>"),
                    Section("Failed runs", table(errors) if len(errors) else "<p>none</p>")]
        write_file(folder / "report.html", page(
            f"rackline screen: {name}", "A screen shows which guesses move the answer; it does not make any of "
                                        "them true.", summary_lines(out), sections))
    write_manifest(folder, manifest(
        "screen", scenario_hash=scenario_hash(screen.loaded.data), seed=screen.sweep.spec.seed,
        replications=screen.sweep.spec.replications, warmup_h=screen.loaded.scenario.run.warmup,
        wall_time_s=out.wall, command=command, name=screen.sweep.name, method="morris",
        trajectories=screen.sweep.spec.samples, parameters=design.names, points=len(design.overrides),
        kpis=screen.kpis, source=screen.loaded.source))
    return folder
