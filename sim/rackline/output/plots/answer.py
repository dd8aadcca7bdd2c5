"""The plot on a report's first screen: is the plan feasible, and since when not?

Weekly output per product (mean, 95% CI band across replications) against the
weekly demand for it, with the weeks where demand exceeds output shaded; below,
the backlog that gap builds up. One glance answers "do we make what is ordered".
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from rackline.output.plots.runs import week_band
from rackline.output.plots.style import color_for, footer, new_figure, styled


def _weekly(ts: pd.DataFrame, metric: str, subjects: list[str]) -> pd.DataFrame:
    """Mean and 95% CI (`low`, `high`, never below 0) per week of `metric` summed over
    `subjects` within each replication."""
    d = ts[(ts.metric == metric) & ts.subject.isin(subjects)]
    return week_band(d.groupby(["week", "replication"]).value.sum().unstack("replication"))


def demand_output_plot(ts: pd.DataFrame, scenario: str, demand_of: dict[str, list[str]] | None = None,
                       warmup_weeks: float = 0.0, width: float = 8.0, height: float = 4.0) -> Figure:
    """Weekly output vs weekly demand per product, the shortfall shaded, and the backlog below."""
    demand_of = demand_of or {}
    products = sorted(ts[ts.metric == "output"].subject.unique())
    has_backlog = bool((ts.metric == "backlog").any())
    with styled():
        if has_backlog:
            fig, (ax, bx) = new_figure(width, height, nrows=2, sharex=True, height_ratios=[2.2, 1])
        else:
            fig, ax = new_figure(width, height * 0.7)
            bx = None
        for product in products:
            c = color_for(product)
            made = _weekly(ts, "output", [product])
            ax.plot(made.index, made["mean"], color=c, lw=2, label=f"{product} made")
            ax.fill_between(made.index, made.low, made.high, color=c, alpha=0.2, lw=0)
            names = demand_of.get(product, [])
            if not names:
                continue
            asked = _weekly(ts, "ordered", names)
            if asked.empty:
                continue
            ax.plot(asked.index, asked["mean"], color="#222222", ls="--", lw=1.4, label=f"{product} ordered")
            both = made.merge(asked, left_index=True, right_index=True, suffixes=("", "_asked"))
            short = (both["mean_asked"] > both["high"]).to_numpy()
            if short.any():
                ax.fill_between(both.index, both["mean"], both["mean_asked"], where=short, color="#d62728",
                                alpha=0.18, lw=0, label="demand above output")
        if warmup_weeks > 0:
            for a in (ax, bx) if bx is not None else (ax,):
                a.axvspan(0, warmup_weeks, color="#999999", alpha=0.12, lw=0)
            ax.text(warmup_weeks / 2, 0.02, "warm-up", transform=ax.get_xaxis_transform(), ha="center",
                    va="bottom", fontsize=8, color="#555555")
        ax.set(title="Output vs demand per week (mean, 95% CI)", ylabel="units per week")
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)   # beside, never over data
        if bx is not None:
            for name in sorted(ts[ts.metric == "backlog"].subject.unique()):
                b = _weekly(ts, "backlog", [name])
                c = color_for(name)
                bx.plot(b.index, b["mean"], color=c, lw=1.8, label=f"{name} backlog")
                bx.fill_between(b.index, b.low, b.high, color=c, alpha=0.2, lw=0)
            bx.set(xlabel="week", ylabel="backlog (units)")
            bx.set_ylim(bottom=0)
            top = float(np.nanmax(bx.get_ylim()))
            if top <= 1:
                bx.set_ylim(0, 1)
            bx.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        else:
            ax.set_xlabel("week")
        return footer(fig, scenario)
