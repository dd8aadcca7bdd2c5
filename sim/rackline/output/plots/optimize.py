"""The optimizer's convergence: every trial's objective and the best feasible so far."""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from rackline.output.plots.style import footer, new_figure, styled


def convergence_plot(trials: pd.DataFrame, objective: str, direction: str, scenario: str) -> Figure:
    """`trials` has columns number, feasible and the objective's column."""
    with styled():
        fig, ax = new_figure(8, 4.5)
        d = trials.dropna(subset=[objective]).sort_values("number")
        feas = d[d.feasible.astype(bool)]
        ax.scatter(d[~d.feasible.astype(bool)].number, d[~d.feasible.astype(bool)][objective], marker="x",
                   color="#999999", label="fails a constraint (at its confidence bound)")
        ax.scatter(feas.number, feas[objective], color="#1f77b4", label="meets every constraint")
        if len(feas):
            best = feas[objective].cummin() if direction == "minimize" else feas[objective].cummax()
            ax.step(np.r_[feas.number.to_numpy(), d.number.max()], np.r_[best.to_numpy(), best.iloc[-1]],
                    where="post", color="#d62728", label="best feasible so far")
        ax.set_xlabel("trial")
        ax.set_ylabel(f"{objective} ({direction})")
        ax.set_title(f"Search convergence: {objective}")
        ax.legend(loc="best")
        return footer(fig, scenario)
