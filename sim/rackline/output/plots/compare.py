"""Compare plots: KPI bars with CIs side by side, paired differences with CIs around
zero, weekly throughput overlaid, and station states per scenario."""
from __future__ import annotations

import numpy as np
import pandas as pd

from rackline.output.plots.stations import station_states_plot
from rackline.output.plots.style import color_for, footer, new_figure, styled

HEADLINE_KPIS = ["throughput", "fill_rate", "order_lead_time", "backlog", "wip"]


def _label(kpi, subject, unit):
    return f"{kpi} {subject}\n({unit})"


def kpi_bars(kpis: pd.DataFrame, names: list[str], title: str, kpi_names=HEADLINE_KPIS):
    sel = kpis[kpis.kpi.isin(kpi_names)]
    groups = list(dict.fromkeys(zip(sel.kpi, sel.subject, sel.unit)))
    with styled():
        ncols = min(3, max(1, len(groups)))
        nrows = int(np.ceil(len(groups) / ncols)) or 1
        fig, axes = new_figure(4 * ncols, 3.2 * nrows, nrows, ncols, squeeze=False)
        for ax, (kpi, subject, unit) in zip(axes.flat, groups):
            g = sel[(sel.kpi == kpi) & (sel.subject == subject)].set_index("scenario").reindex(names)
            ax.bar(range(len(names)), g["mean"], yerr=np.nan_to_num(g.half_width), capsize=4,
                   color=[color_for(n) for n in names])
            ax.set_xticks(range(len(names)), names, rotation=20, ha="right")
            ax.set_title(f"{kpi}: {subject}", fontsize=10)
            ax.set_ylabel(unit)
        for ax in list(axes.flat)[len(groups):]:
            ax.set_visible(False)
        fig.suptitle("KPIs by scenario (mean and 95% CI)", fontweight="bold")
        return footer(fig, title)


def difference_plot(diffs: pd.DataFrame, title: str, kpi_names=HEADLINE_KPIS):
    """Paired differences from the first scenario, one panel per KPI (its own unit and
    zero line); filled markers are statistically clear."""
    d = diffs[diffs.kpi.isin(kpi_names)]
    groups = list(dict.fromkeys(zip(d.kpi, d.subject, d.unit)))
    scen = list(dict.fromkeys(d.scenario))
    with styled():
        ncols = min(3, max(1, len(groups)))
        nrows = int(np.ceil(len(groups) / ncols)) or 1
        fig, axes = new_figure(4 * ncols, 1.2 + 0.5 * len(scen) * nrows + 1.2 * nrows, nrows, ncols, squeeze=False)
        for ax, (kpi, subject, unit) in zip(axes.flat, groups):
            g = d[(d.kpi == kpi) & (d.subject == subject)].set_index("scenario").reindex(scen)
            for y, (name, r) in enumerate(g.iterrows()):
                c = color_for(name)
                ax.errorbar(r["diff"], y, xerr=0 if np.isnan(r.half_width) else r.half_width, fmt="o", color=c,
                            mfc=c if r.clear else "white", capsize=4, ms=7)
            ax.axvline(0, color="#333333", lw=1)
            ax.set_yticks(range(len(scen)), scen)
            ax.set_ylim(-0.7, len(scen) - 0.3)
            ax.set_title(f"{kpi}: {subject}", fontsize=10)
            ax.set_xlabel(f"difference ({unit})")
        for ax in list(axes.flat)[len(groups):]:
            ax.set_visible(False)
        fig.suptitle("Paired difference from the first scenario (CI; filled = clear)", fontweight="bold")
        return footer(fig, title)


def throughput_overlay(series: dict[str, pd.DataFrame], title: str):
    with styled():
        fig, ax = new_figure()
        for name, ts in series.items():
            out = ts[ts.metric == "output"].groupby(["replication", "week"]).value.sum().groupby("week").mean()
            ax.plot(out.index, out.to_numpy(), lw=2, color=color_for(name), label=name)
        ax.set(title="Weekly output, all products (mean across replications)", xlabel="week",
               ylabel="units per week")
        ax.set_ylim(bottom=0)
        ax.legend()
        return footer(fig, title)


def states_side_by_side(tables: dict[str, pd.DataFrame], title: str):
    with styled():
        n = len(tables)
        first = next(iter(tables.values()))
        fig, axes = new_figure(5.5 * n, max(3.5, 0.45 * len(first) + 2), 1, n, squeeze=False, sharey=False)
        for ax, (name, table) in zip(axes.flat, tables.items()):
            station_states_plot(table, title, ax=ax)
            ax.set_title(f"{name}", fontsize=11)
            if ax is not axes.flat[-1] and ax.get_legend():
                ax.get_legend().remove()
        fig.suptitle("Where station time goes (★ = each scenario's bottleneck)", fontweight="bold")
        return footer(fig, title)
