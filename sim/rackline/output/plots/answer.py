"""The plot on a report's first screen: is the plan feasible, and since when not?

Each product's weekly output (mean, 95% band across replications) against the weekly
orders for it, over the product's own window, exactly the series the printed answer
averages (`ProductAnswer.weekly`); the answer's mean over the window is drawn as a
level line with its value, so the number printed and the line drawn are one. The
stretches the answer calls short are shaded between that stretch's output and its
schedule; below, the backlog that gap builds.
"""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from rackline.analysis.answer import Answer
from rackline.output.plots.style import color_for, footer, new_figure, styled


def demand_output_plot(answer: Answer, scenario: str, warmup_weeks: float = 0.0, width: float = 8.0,
                       height: float = 4.0) -> Figure:
    """Weekly output vs weekly orders per product, the shortfall shaded, and the backlog below."""
    has_backlog = any(p.weekly.backlog for p in answer.products)
    with styled():
        if has_backlog:
            fig, (ax, bx) = new_figure(width, height, nrows=2, sharex=True, height_ratios=[2.2, 1])
        else:
            fig, ax = new_figure(width, height * 0.7)
            bx = None
        for p in answer.products:
            w, c = p.weekly, color_for(p.product)
            if not w.weeks:
                continue
            weeks, made = np.asarray(w.weeks), np.asarray(w.made)
            ax.plot(weeks, made, color=c, lw=2, label=f"{p.product} made")
            ax.fill_between(weeks, w.made_low, w.made_high, color=c, alpha=0.2, lw=0)
            ax.hlines(p.output.mean, p.window_start_week, p.window_end_week, color=c, ls=":", lw=1.3,
                      label=f"{p.product} mean over weeks {p.window_start_week:.3g}–{p.window_end_week:.3g}: "
                            f"{p.output.mean:.3g}/week")
            if w.ordered:
                ax.plot(weeks, w.ordered, color=c, ls="--", lw=1.4, label=f"{p.product} ordered")
            short = [x for x in p.periods if x.scheduled > x.output.mean + 1e-9] if p.verdict != "meets" else []
            for k, x in enumerate(short):          # the stretches the printed answer calls short, as it says them
                ax.fill_between([x.start_week, x.end_week], x.output.mean, x.scheduled, color="#d62728", alpha=0.18,
                                lw=0, label=f"{p.product}: schedule above output" if k == 0 else None)
            if bx is not None and w.backlog:
                bx.plot(weeks, w.backlog, color=c, lw=1.8, label=f"{p.product} backlog")
        if not answer.products:
            ax.text(0.5, 0.5, "no product is ordered in this scenario", transform=ax.transAxes, ha="center",
                    va="center", color="#555555")
        if warmup_weeks > 0:
            for a in (ax, bx) if bx is not None else (ax,):
                a.axvspan(0, warmup_weeks, color="#999999", alpha=0.12, lw=0)
            ax.text(warmup_weeks / 2, 0.02, "warm-up", transform=ax.get_xaxis_transform(), ha="center",
                    va="bottom", fontsize=8, color="#555555")
        ax.set(title="Output vs orders per week (mean, 95% CI)",
               ylabel="units per week", xlim=(0, answer.horizon_weeks))
        # the lines set the scale; a band that spikes above them (few replications, a ramp week) is clipped
        tops = [max([*p.weekly.made, *p.weekly.ordered, p.output.mean], default=0.0) for p in answer.products]
        ax.set_ylim(bottom=0, top=max([*tops, 1.0]) * 1.35)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)  # beside the data
        if bx is not None:
            bx.set(xlabel="week", ylabel="backlog (units)")
            bx.set_ylim(bottom=0, top=max(1.0, float(np.nanmax(bx.get_ylim()))))
            bx.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        else:
            ax.set_xlabel("week")
        return footer(fig, scenario)
