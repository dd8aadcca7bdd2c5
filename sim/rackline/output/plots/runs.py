"""Plots over time from a run's tables: throughput, cumulative output, inventory,
backlog, lead times and the Welch warm-up plot."""
from __future__ import annotations

import numpy as np
import pandas as pd

from rackline.analysis.stats import t_half_width
from rackline.output.plots.style import color_for, footer, new_figure, styled


def _band(ts: pd.DataFrame, metric: str, subject: str) -> pd.DataFrame:
    d = ts[(ts.metric == metric) & (ts.subject == subject)]
    g = d.groupby("week").value
    out = pd.DataFrame({"mean": g.mean()})
    out["hw"] = g.apply(lambda v: t_half_width(v.to_numpy()))
    return out.fillna({"hw": 0.0})


def throughput_plot(ts: pd.DataFrame, scenario: str, demand_of: dict[str, list[str]] | None = None,
                    warmup_weeks: float = 0.0):
    """Weekly output per product, mean with a 95% CI band across replications, and demand."""
    with styled():
        fig, ax = new_figure()
        for product in sorted(ts[ts.metric == "output"].subject.unique()):
            b = _band(ts, "output", product)
            c = color_for(product)
            ax.plot(b.index, b["mean"], color=c, lw=2, label=f"{product} made")
            ax.fill_between(b.index, b["mean"] - b.hw, b["mean"] + b.hw, color=c, alpha=0.2, lw=0)
            for name in (demand_of or {}).get(product, []):
                d = _band(ts, "ordered", name)
                if len(d):
                    ax.plot(d.index, d["mean"], color=c, ls="--", lw=1.2, label=f"{name} ordered")
        if warmup_weeks > 0:
            ax.axvspan(0, warmup_weeks, color="#999999", alpha=0.12, lw=0, label="warm-up (not in KPIs)")
        ax.set(title="Weekly throughput (mean and 95% CI across replications)", xlabel="week",
               ylabel="units per week")
        ax.set_ylim(bottom=0)
        ax.legend(loc="best")
        return footer(fig, scenario)


def cumulative_plot(ts: pd.DataFrame, scenario: str, demand_of: dict[str, list[str]] | None = None):
    """Cumulative output against cumulative orders: the gap is the backlog."""
    with styled():
        fig, ax = new_figure()
        for product in sorted(ts[ts.metric == "output"].subject.unique()):
            c = color_for(product)
            made = ts[(ts.metric == "output") & (ts.subject == product)].pivot(index="week", columns="replication",
                                                                               values="value")
            cum = made.cumsum().mean(axis=1)
            ax.plot(cum.index, cum.to_numpy(), color=c, lw=2, label=f"{product} made")
            for name in (demand_of or {}).get(product, []):
                o = ts[(ts.metric == "ordered") & (ts.subject == name)].pivot(index="week", columns="replication",
                                                                              values="value")
                if len(o):
                    ax.plot(o.index, o.cumsum().mean(axis=1).to_numpy(), color=c, ls="--", lw=1.2,
                            label=f"{name} ordered")
        ax.set(title="Cumulative output vs demand", xlabel="week", ylabel="units (cumulative)")
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper left")
        return footer(fig, scenario)


def inventory_plot(ts: pd.DataFrame, scenario: str, keys: list[str] | None = None, top: int = 8):
    """Inventory levels at the end of each week (mean across replications), key items."""
    inv = ts[ts.metric == "inventory"]
    if keys is None:
        spread = inv.groupby("subject").value.agg(lambda v: v.max() - v.min())
        keys = list(spread.sort_values(ascending=False).index[:top])
    with styled():
        fig, ax = new_figure()
        for key in sorted(keys):
            b = _band(ts, "inventory", key)
            ax.plot(b.index, b["mean"], color=color_for(key), lw=1.6, label=key)
        ax.set(title="Inventory at week end (mean across replications)", xlabel="week", ylabel="units on hand")
        ax.set_yscale("symlog", linthresh=10)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return footer(fig, scenario)


def backlog_plot(ts: pd.DataFrame, scenario: str):
    """Units on backorder at each week end, per demand stream."""
    with styled():
        fig, ax = new_figure(height=4)
        for name in sorted(ts[ts.metric == "backlog"].subject.unique()):
            b = _band(ts, "backlog", name)
            c = color_for(name)
            ax.plot(b.index, b["mean"], color=c, lw=2, label=name)
            ax.fill_between(b.index, b["mean"] - b.hw, b["mean"] + b.hw, color=c, alpha=0.2, lw=0)
        ax.set(title="Backlog (units ordered, not yet shipped)", xlabel="week", ylabel="units")
        ax.set_ylim(bottom=0)
        ax.legend(loc="upper left")
        return footer(fig, scenario)


def lead_time_plot(lead: pd.DataFrame, scenario: str, due: dict[str, float] | None = None):
    """Distribution of order lead times (hours), per demand stream, with the promise."""
    with styled():
        fig, ax = new_figure(height=4)
        for name in sorted(lead.demand.unique()):
            v = lead[lead.demand == name].lead_h.to_numpy() / 24
            if len(v) == 0:
                continue
            bins = np.histogram_bin_edges(v, bins=min(40, max(5, len(v) // 10)))
            c = color_for(name)
            ax.hist(v, bins=bins, color=c, alpha=0.55, label=f"{name} (mean {v.mean():.1f} d, p90 "
                                                             f"{np.quantile(v, 0.9):.1f} d)")
            if due and due.get(name):
                ax.axvline(due[name] / 24, color=c, ls="--", lw=1.2, label=f"{name} due")
        ax.set(title="Order lead time", xlabel="days from order to last unit shipped", ylabel="orders")
        ax.legend(loc="upper right")
        return footer(fig, scenario)


def welch_plot(welch: pd.DataFrame, scenario: str, warmup_weeks: float = 0.0):
    """Welch's plot: weekly output averaged over replications and its moving averages."""
    with styled():
        fig, ax = new_figure(height=4)
        ax.plot(welch.week, welch["mean"], color="#bbbbbb", lw=1, label="mean over replications")
        for col in [c for c in welch.columns if c.startswith("moving_avg_")]:
            ax.plot(welch.week, welch[col], lw=2, label=col.replace("moving_avg_", "moving average, window "))
        if warmup_weeks > 0:
            ax.axvline(warmup_weeks, color="#d62728", ls="--", label=f"warm-up {warmup_weeks:g} w")
        ax.set(title="Welch plot: where output settles", xlabel="week", ylabel="units per week (all products)")
        ax.set_ylim(bottom=0)
        ax.legend(loc="lower right")
        return footer(fig, scenario)
