"""Scenario-discovery plots: the PRIM peeling trajectory (coverage against density,
the chosen box marked), the chosen box's limits per parameter on a 0-1 scale, and
the cases over the two most restricted parameters with the box drawn."""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from rackline.output.plots.style import footer, new_figure, styled

INTEREST, OTHER = "#d62728", "#9e9e9e"


def trajectory_plot(traj: pd.DataFrame, chosen: int, where: str, title: str) -> Figure:
    """traj: box, coverage, density, res_dim (one row per box on the trajectory)."""
    with styled():
        fig, ax = new_figure(7.5, 5.2)
        sc = ax.scatter(traj.coverage, traj.density, c=traj.res_dim, cmap="viridis", s=30, zorder=3)
        ax.plot(traj.coverage, traj.density, color="#bbbbbb", lw=1, zorder=2)
        r = traj.iloc[chosen]
        ax.scatter([r.coverage], [r.density], s=180, facecolors="none", edgecolors="black", lw=2, zorder=4,
                   label=f"box {chosen}: coverage {r.coverage:.0%}, density {r.density:.0%}")
        ax.set(xlabel="coverage (share of the cases of interest inside the box)",
               ylabel="density (share of the box's cases that are of interest)",
               title=f"PRIM peeling trajectory: {where}", xlim=(-0.02, 1.05), ylim=(-0.02, 1.05))
        from matplotlib.ticker import MaxNLocator
        fig.colorbar(sc, ax=ax, label="restricted parameters", ticks=MaxNLocator(integer=True))
        ax.legend(loc="lower left")
        return footer(fig, title)


def limits_plot(limits: pd.DataFrame, title: str) -> Figure:
    """limits: parameter, unit, low, high, sampled_low, sampled_high, restricted."""
    with styled():
        fig, ax = new_figure(9, max(2.6, 0.55 * len(limits) + 1.6))
        span = (limits.sampled_high - limits.sampled_low).replace(0, 1.0)
        lo = (limits.low - limits.sampled_low) / span
        hi = (limits.high - limits.sampled_low) / span
        y = np.arange(len(limits))[::-1]
        ax.barh(y, [1.0] * len(limits), color="#eeeeee", height=0.6)
        colors = [INTEREST if r else OTHER for r in limits.restricted]
        ax.barh(y, hi - lo, left=lo, color=colors, height=0.6, alpha=0.85)
        for yi, (_, r), a, b in zip(y, limits.iterrows(), lo, hi):
            unit = f" {r.unit}" if isinstance(r.unit, str) and r.unit else ""
            ax.text(a, yi + 0.36, f"{r.low:.4g}", ha="center", fontsize=8)
            ax.text(b, yi + 0.36, f"{r.high:.4g}{unit}", ha="center", fontsize=8)
        ax.set_yticks(y, list(limits.parameter))
        ax.set(xlim=(-0.05, 1.05), xlabel="position within the sampled range (0 = lowest sampled, 1 = highest)",
               title="Limits of the chosen box (restricted in red) within the sampled range (light grey)")
        return footer(fig, title)


def pairs_plot(cases: pd.DataFrame, x: str, y: str, limits: pd.DataFrame, units: dict[str, str],
               where: str, title: str) -> Figure:
    """Cases over two parameters, cases of interest in red, the chosen box as a rectangle."""
    with styled():
        fig, ax = new_figure(7.5, 5.8)
        hit = cases.of_interest.to_numpy(dtype=bool)
        ax.scatter(cases.loc[~hit, x], cases.loc[~hit, y], s=18, color=OTHER, label="other cases")
        ax.scatter(cases.loc[hit, x], cases.loc[hit, y], s=22, color=INTEREST, label=f"{where}")
        lim = limits.set_index("parameter")
        x0, x1 = lim.loc[x, "low"], lim.loc[x, "high"]
        y0, y1 = lim.loc[y, "low"], lim.loc[y, "high"]
        ax.add_patch(_rect(x0, y0, x1 - x0, y1 - y0))
        ax.set(xlabel=f"{x} ({units[x]})" if units.get(x) else x, ylabel=f"{y} ({units[y]})" if units.get(y) else y,
               title="Cases and the chosen box (two most restricted parameters)")
        ax.legend(loc="best")
        return footer(fig, title)


def _rect(x: float, y: float, w: float, h: float) -> Rectangle:
    return Rectangle((x, y), w, h, fill=False, edgecolor="black", lw=1.8, ls="--", label="box")
