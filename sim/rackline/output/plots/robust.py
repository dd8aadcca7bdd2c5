"""Robustness plots: satisficing share per plan with its interval, regret per plan
across the futures, a regret heatmap (plans x futures, futures ordered by the
uncertainty PRIM restricts first), and each plan's distribution of the regret KPI."""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from rackline.output.plots.style import axis_format, color_for, footer, new_figure, styled


def satisficing_plot(plans: pd.DataFrame, recommended: str, title: str) -> Figure:
    """plans: plan, satisficing, satisficing_low, satisficing_high (ranked)."""
    with styled():
        fig, ax = new_figure(8, max(2.6, 0.5 * len(plans) + 1.5))
        y = np.arange(len(plans))[::-1]
        s = plans.satisficing.to_numpy(dtype=float)
        err = np.nan_to_num(np.clip(np.vstack([s - plans.satisficing_low, plans.satisficing_high - s]), 0, None))
        colors = ["#2ca02c" if p == recommended else "#9e9e9e" for p in plans.plan]
        ax.barh(y, s, xerr=err, color=colors, capsize=4, height=0.6)
        ax.set_yticks(y, plans.plan)
        ax.set(xlim=(0, 1.05), xlabel="share of futures meeting every target (95% Wilson interval)",
               title="Satisficing share per plan (green: recommended)")
        return footer(fig, title)


def regret_plot(regret: pd.DataFrame, order: list[str], kpi: str, unit: str, title: str) -> Figure:
    """regret: plan, future, regret; one row of points per plan (each a future) with its P90 marked."""
    with styled():
        fig, ax = new_figure(8, max(2.6, 0.5 * len(order) + 1.5))
        for i, plan in enumerate(order):
            r = regret[regret.plan == plan].regret.to_numpy(dtype=float)
            r = r[np.isfinite(r)]
            yi = len(order) - 1 - i
            jitter = np.linspace(-0.18, 0.18, len(r)) if len(r) > 1 else np.zeros(len(r))
            ax.scatter(r, yi + jitter, s=10, alpha=0.6, color=color_for(plan))
            if len(r):
                ax.plot([np.quantile(r, 0.9)] * 2, [yi - 0.3, yi + 0.3], color="black", lw=2)
        ax.set_yticks(np.arange(len(order))[::-1], order)
        axis_format(ax.xaxis, unit)
        ax.set(xlabel=f"regret on {kpi} ({unit}; per future, the best plan's value minus this plan's)".replace(
            " ()", ""), title="Regret per plan across the futures (bar: 90th percentile)")
        return footer(fig, title)


def heatmap_plot(regret: pd.DataFrame, order: list[str], futures: list[str], kpi: str, title: str) -> Figure:
    """Plans (rows, ranked) x futures (columns, in the given order), coloured by regret."""
    with styled():
        w = regret.pivot(index="plan", columns="future", values="regret").reindex(index=order, columns=futures)
        fig, ax = new_figure(9, max(2.6, 0.45 * len(order) + 1.8))
        im = ax.imshow(w.to_numpy(dtype=float), aspect="auto", cmap="Reds", interpolation="nearest")
        ax.grid(False)
        ax.set_yticks(range(len(order)), order)
        ax.set(xlabel="futures (ordered by the uncertainty that matters most)", title=f"Regret on {kpi}")
        if len(futures) <= 30:
            ax.set_xticks(range(len(futures)), futures, rotation=90, fontsize=7)
        else:
            ax.set_xticks([])
        fig.colorbar(im, ax=ax, label="regret")
        return footer(fig, title)


def cdf_plot(values: pd.DataFrame, order: list[str], kpi: str, unit: str, title: str) -> Figure:
    """values: plan, value (one per future); the empirical CDF of each plan."""
    with styled():
        fig, ax = new_figure(8, 4.8)
        for plan in order:
            v = np.sort(values[values.plan == plan].value.dropna().to_numpy(dtype=float))
            if len(v):
                ax.step(v, np.arange(1, len(v) + 1) / len(v), where="post", label=plan, color=color_for(plan))
        axis_format(ax.xaxis, unit)
        ax.set(xlabel=f"{kpi} ({unit})".replace(" ()", ""), ylabel="share of futures at or below",
               title=f"Distribution of {kpi} across the futures")
        ax.legend(loc="lower right")
        return footer(fig, title)
