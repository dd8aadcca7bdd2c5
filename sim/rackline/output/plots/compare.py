"""Compare plots: KPI bars with CIs side by side, paired differences with CIs around
zero, weekly throughput overlaid, and station states per scenario."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from rackline.engine.records import Replication
from rackline.kpi_names import select_rows as kpi_rows
from rackline.output.plots.stations import station_states_plot
from rackline.output.plots.style import (
    TOO_WIDE,
    axis_format,
    ci_errors,
    color_for,
    footer,
    interval_left_out,
    legend_outside,
    new_figure,
    styled,
)
from rackline.units import WEEK

HEADLINE_KPIS = ["throughput", "fill_rate", "order_lead_time", "backlog", "wip_family"]
MAX_PANELS = 12


def panel_groups(table: pd.DataFrame, specs: list[str] | None = None) -> list[tuple[str, str, str]]:
    """(kpi, subject, unit) of the panels to draw, in order: the `specs` a compare prints
    first (`kpi` or `kpi:subject`, its scenarios' questions), then the headline KPIs."""
    groups: list[tuple[str, str, str]] = []
    for spec in [*(specs or []), *HEADLINE_KPIS]:
        rows = kpi_rows(table, spec)
        groups += [g for g in dict.fromkeys(zip(rows.kpi, rows.subject, rows.unit)) if g not in groups]
    return groups[:MAX_PANELS]


def kpi_bars(kpis: pd.DataFrame, names: list[str], title: str, specs: list[str] | None = None) -> Figure:
    """One panel per KPI (the compare's question KPIs first): each scenario's mean with its
    95% CI from `ci_low` to `ci_high`."""
    groups = panel_groups(kpis, specs)
    with styled():
        ncols = min(3, max(1, len(groups)))
        nrows = int(np.ceil(len(groups) / ncols)) or 1
        fig, axes = new_figure(4 * ncols, 3.2 * nrows, nrows, ncols, squeeze=False)
        for ax, (kpi, subject, unit) in zip(axes.flat, groups):
            g = kpis[(kpis.kpi == kpi) & (kpis.subject == subject)].set_index("scenario").reindex(names)
            ax.bar(range(len(names)), g["mean"], yerr=ci_errors(g, "mean"), capsize=4,
                   color=[color_for(n) for n in names])
            for x in np.flatnonzero(interval_left_out(g, "mean")):   # no whisker: say why
                ax.text(x, float(g["mean"].iloc[x]) / 2, TOO_WIDE.replace(": ", ":\n"), ha="center", va="center",
                        fontsize=7, color="#8a1c1c", bbox={"facecolor": "white", "edgecolor": "#8a1c1c", "lw": 0.5})
            ax.set_xticks(range(len(names)), names, rotation=20, ha="right")
            ax.set_title(f"{kpi}: {subject}", fontsize=10)
            ax.set_ylabel(unit)
            axis_format(ax.yaxis, unit)
        for ax in list(axes.flat)[len(groups):]:
            ax.set_visible(False)
        fig.suptitle("KPIs by scenario (mean and 95% CI; no whisker where it is too wide: run more replications)",
                     fontweight="bold")
        return footer(fig, title)


def difference_plot(diffs: pd.DataFrame, title: str, specs: list[str] | None = None) -> Figure:
    """Paired differences from the first scenario, one panel per KPI (the compare's
    question KPIs first; its own unit and zero line); filled markers are statistically
    clear. Scenario names label the first column only (every row of panels lists the
    scenarios in the same order)."""
    groups = panel_groups(diffs, specs)
    scen = list(dict.fromkeys(diffs.scenario))
    with styled():
        ncols = min(3, max(1, len(groups)))
        nrows = int(np.ceil(len(groups) / ncols)) or 1
        fig, axes = new_figure(2.0 + 3.6 * ncols, 1.0 + (0.9 + 0.45 * len(scen)) * nrows, nrows, ncols,
                               squeeze=False)
        for k, (ax, (kpi, subject, unit)) in enumerate(zip(axes.flat, groups)):
            g = diffs[(diffs.kpi == kpi) & (diffs.subject == subject)].set_index("scenario").reindex(scen)
            err = ci_errors(g, "diff")
            for y, (name, r) in enumerate(g.iterrows()):
                c = color_for(str(name))
                ax.errorbar(r["diff"], y, xerr=err[:, y:y + 1], fmt="o", color=c,
                            mfc=c if r.clear else "white", capsize=4, ms=7)
            for j in np.flatnonzero(interval_left_out(g, "diff")):
                ax.annotate(TOO_WIDE, (float(g["diff"].iloc[j]), int(j)), xytext=(0, 6), textcoords="offset points",
                            ha="center", va="bottom", fontsize=7, color="#8a1c1c")
            ax.axvline(0, color="#333333", lw=1)
            ax.set_yticks(range(len(scen)), scen if k % ncols == 0 else [])
            ax.set_ylim(-0.7, len(scen) - 0.3)
            ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
            axis_format(ax.xaxis, unit)
            ax.set_title(f"{kpi}: {subject}", fontsize=10)
            ax.set_xlabel(f"difference ({unit})")
        for ax in list(axes.flat)[len(groups):]:
            ax.set_visible(False)
        fig.suptitle("Paired difference from the first scenario (CI; filled = clear)", fontweight="bold")
        return footer(fig, title)


LINESTYLES = ["-", "--", "-.", ":"]


HATCHES = ["//", "\\\\", "xx", "..", "++", "--"]


def throughput_overlay(bands: dict[str, pd.DataFrame], title: str,
                       disruptions: dict[str, list[tuple[str, float, float]]] | None = None) -> Figure:
    """Weekly output of all products per scenario, mean and 95% CI band across
    replications; each scenario has its own colour and line style (identical lines stay
    visible), from each run's weekly bands. Its disruption windows (name, start h, end h) are hatched in its colour with
    its own hatch, never filled, so they read apart from the CI bands and from each other."""
    with styled():
        fig, ax = new_figure()
        for k, (name, b) in enumerate(bands.items()):
            c = color_for(name)
            band = b[b.metric == "output_total"].set_index("week").sort_index()
            ax.plot(band.index, band["mean"].to_numpy(), lw=2.2 - 0.3 * (k % 4), ls=LINESTYLES[k % len(LINESTYLES)],
                    color=c, label=name, zorder=3 + k)
            ax.fill_between(band.index, band.low.to_numpy(), band.high.to_numpy(), color=c, alpha=0.15, lw=0)
            named: set[str] = set()
            for what, start, end in (disruptions or {}).get(name, []):
                ax.axvspan(start / WEEK, end / WEEK, fill=False, edgecolor=c, hatch=HATCHES[k % len(HATCHES)],
                           alpha=0.6, lw=0, zorder=0.5, label=None if what in named else f"{name}: {what} (disruption)")
                named.add(what)
        ax.set(title="Weekly output, all products (mean and 95% CI across replications)", xlabel="week",
               ylabel="units per week")
        ax.set_ylim(bottom=0)
        legend_outside(ax, "below", ncols=3)
        return footer(fig, title)


def disruption_spans(reps: Sequence[Replication]) -> list[tuple[str, float, float]]:
    """(name, start h, end h) of every disruption in some replication, each once."""
    return sorted({(e.name, e.start, e.end) for r in reps for e in r.disruptions})


def states_side_by_side(tables: dict[str, pd.DataFrame], title: str) -> Figure:
    """Station states per scenario, stations in the first scenario's ranking order in
    every panel (so rows line up); each panel stars its own bottleneck."""
    with styled():
        n = len(tables)
        first = next(iter(tables.values()))
        order = list(dict.fromkeys([s for t in tables.values() for s in t.station]))
        order = list(first.station) + [s for s in order if s not in set(first.station)]
        fig, axes = new_figure(5.5 * n, max(3.5, 0.45 * len(order) + 2), 1, n, squeeze=False)
        for k, (ax, (name, table)) in enumerate(zip(axes.flat, tables.items())):
            aligned = table.set_index("station").reindex(order).reset_index()
            shares = [c for c in aligned.columns if c.startswith("share_")]
            aligned[shares] = aligned[shares].fillna(0.0)
            station_states_plot(aligned, title, ax=ax)
            ax.set_title(f"{name}", fontsize=11)
            if k != (n - 1) // 2 and ax.get_legend():     # one legend, under the middle panel
                ax.get_legend().remove()
        fig.suptitle("Where station time goes (★ = each scenario's bottleneck; rows in the first scenario's order)",
                     fontweight="bold")
        return footer(fig, title)
