"""Plots over time from a run's tables: throughput, cumulative output, inventory,
backlog, lead times and the Welch warm-up plot."""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from rackline.output.html import num
from rackline.output.plots.style import color_for, footer, legend_outside, new_figure, styled


def _band(bands: pd.DataFrame, metric: str, subject: str) -> pd.DataFrame:
    """One weekly series of the run's bands (mean, low, high, min, max), indexed by week."""
    return bands[(bands.metric == metric) & (bands.subject == subject)].set_index("week").sort_index()


def _subjects(bands: pd.DataFrame, metric: str) -> list[str]:
    return sorted(bands[bands.metric == metric].subject.unique())


def throughput_plot(bands: pd.DataFrame, scenario: str, demand_of: dict[str, list[str]] | None = None,
                    warmup_weeks: float = 0.0) -> Figure:
    """Weekly output per product, mean with a 95% CI band across replications, and demand."""
    with styled():
        fig, ax = new_figure()
        for product in _subjects(bands, "output"):
            b = _band(bands, "output", product)
            c = color_for(product)
            ax.plot(b.index, b["mean"], color=c, lw=2, label=f"{product} made")
            ax.fill_between(b.index, b.low, b.high, color=c, alpha=0.2, lw=0)
            _undisrupted(ax, bands, product, b["mean"], c)
            for name in (demand_of or {}).get(product, []):
                d = _band(bands, "ordered", name)
                if len(d):
                    ax.plot(d.index, d["mean"], color=c, ls="--", lw=1.2, label=f"{name} ordered")
        if warmup_weeks > 0:
            ax.axvspan(0, warmup_weeks, color="#999999", alpha=0.12, lw=0, label="warm-up (not in KPIs)")
        ax.set(title="Weekly throughput (mean and 95% CI across replications)", xlabel="week",
               ylabel="units per week")
        ax.set_ylim(bottom=0)
        legend_outside(ax)
        return footer(fig, scenario)


def _undisrupted(ax: Axes, bands: pd.DataFrame, product: str, made: pd.Series, color: str) -> None:
    """The same replications without the disruptions (dotted), and what they cost between
    the two lines; nothing when the scenario has no disruptions (the lines coincide)."""
    u = _band(bands, "output_undisrupted", product)["mean"]
    m, u = made.align(u, join="inner")
    if not len(u) or np.allclose(m.to_numpy(), u.to_numpy()):
        return
    ax.plot(u.index, u.to_numpy(), color=color, ls=":", lw=1.5, label=f"{product} made without disruptions")
    ax.fill_between(u.index, m.to_numpy(), u.to_numpy(), where=u.to_numpy() > m.to_numpy(), color="#d62728",
                    alpha=0.18, lw=0, label=f"{product} lost to disruptions")


def cumulative_plot(bands: pd.DataFrame, scenario: str, demand_of: dict[str, list[str]] | None = None) -> Figure:
    """Cumulative units ordered, shipped and made (mean across replications): ordered
    minus shipped is the backlog (shaded red), made minus shipped the finished stock
    (shaded green)."""
    with styled():
        fig, ax = new_figure()
        for product in _subjects(bands, "output"):
            c = color_for(product)
            made = _cumulative(bands, "output", product)
            ax.plot(made.index, made.to_numpy(), color=c, lw=2.2, label=f"{product} made")
            for name in (demand_of or {}).get(product, []):
                ordered, shipped = _cumulative(bands, "ordered", name), _cumulative(bands, "shipped", name)
                if len(ordered):
                    ax.plot(ordered.index, ordered.to_numpy(), color="#222222", ls="--", lw=1.2,
                            label=f"{name} ordered")
                if len(shipped):
                    ax.plot(shipped.index, shipped.to_numpy(), color="#777777", lw=1, label=f"{name} shipped")
                    m, sh = made.align(shipped, join="inner")
                    ax.fill_between(m.index, sh.to_numpy(), m.to_numpy(), color="#2ca02c", alpha=0.15, lw=0,
                                    label=f"{product} finished stock (made − shipped)")
                if len(ordered) and len(shipped):
                    o, sh = ordered.align(shipped, join="inner")
                    ax.fill_between(o.index, sh.to_numpy(), o.to_numpy(), where=o.to_numpy() > sh.to_numpy(),
                                    color="#d62728", alpha=0.3, lw=0, label=f"{name} backlog (ordered − shipped)")
        ax.set(title="Cumulative orders, shipments and output (mean across replications)", xlabel="week",
               ylabel="units (cumulative)")
        ax.set_ylim(bottom=0)
        legend_outside(ax, "below")
        return footer(fig, scenario)


def _cumulative(bands: pd.DataFrame, metric: str, subject: str) -> pd.Series:
    """Cumulative weekly sums of a rate series (units per week x weeks); the mean of the
    cumulative sums is the cumulative sum of the weekly means."""
    mean = _band(bands, metric, subject)["mean"]
    if not len(mean):
        return pd.Series(dtype=float)
    span = np.diff(np.concatenate([[0.0], mean.index.to_numpy(dtype=float)]))
    return (mean * span).cumsum()


def plural(unit: str) -> str:
    """'tray' -> 'trays', 'shelf' -> 'shelves' for axis labels (items name one unit)."""
    if unit.endswith("s"):
        return unit
    if unit.endswith("f"):
        return unit[:-1] + "ves"
    if unit.endswith("y") and unit[-2:-1] not in "aeiou":
        return unit[:-1] + "ies"
    return unit + "s"


def inventory_plot(bands: pd.DataFrame, scenario: str, keys: list[str] | None = None, top: int = 8,
                   units: dict[str, str] | None = None, reorder: dict[str, float] | None = None,
                   finished: list[str] | None = None) -> Figure:
    """Stock at week end, one panel per site/item in its own unit (mean, and the range
    across replications), with its reorder point (which the policy compares with the
    inventory position, on hand + on order, not with the stock drawn: the legend says so); `finished` stocks (products ready to ship)
    come first, then the `top` stocks that move most (or the given `keys`)."""
    inv = bands[bands.metric == "inventory"]
    finished = [k for k in (finished or []) if k in set(inv.subject)]
    if keys is None:
        spread = inv.groupby("subject")["max"].max() - inv.groupby("subject")["min"].min()
        keys = [k for k in spread.sort_values(ascending=False).index if k not in finished][:top]
    keys = finished + sorted(k for k in keys if k not in finished)
    with styled():
        ncols = min(3, max(1, len(keys)))
        nrows = max(1, int(np.ceil(len(keys) / ncols)))
        fig, axes = new_figure(4 * ncols, 1.2 + 2.4 * nrows, nrows, ncols, squeeze=False)
        for ax, key in zip(axes.flat, keys):
            g = _band(inv, "inventory", key)
            mean, low, high = g["mean"], g["min"], g["max"]
            c = color_for(key)
            ax.plot(mean.index, mean.to_numpy(), color=c, lw=1.6)
            ax.fill_between(mean.index, low.to_numpy(), high.to_numpy(), color=c, alpha=0.2, lw=0)
            rop = (reorder or {}).get(key)
            if rop is not None:
                ax.axhline(rop, color="#d62728", ls="--", lw=1)
            item = key.split("/", 1)[-1]
            ax.set_title(key + ("  (finished)" if key in finished else "")
                         + (f"\nreorder when position <= {rop:,.0f}" if rop is not None else ""), fontsize=9)
            ax.set_ylabel(f"{plural((units or {}).get(item, 'unit'))} on hand", fontsize=8.5)
            ax.set_ylim(bottom=0, top=max(float(high.max()), rop or 0.0, 1.0) * 1.15)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        for ax in list(axes.flat)[len(keys):]:
            ax.set_visible(False)
        for ax in axes[-1]:
            ax.set_xlabel("week")
        title = "Stock at week end, each in its own unit (mean; band: lowest to highest replication)"
        if reorder and any(k in reorder for k in keys):
            title += ("\nred dashed line: the reorder point, which the policy compares with the inventory position "
                      "(on hand + on order),\nnot with the stock on hand drawn here, so it can sit far above it")
        fig.suptitle(title, fontweight="bold", fontsize=11)
        return footer(fig, scenario)


def backlog_plot(bands: pd.DataFrame, scenario: str) -> Figure:
    """Units on backorder at each week end, per demand stream."""
    with styled():
        fig, ax = new_figure(height=4)
        for name in _subjects(bands, "backlog"):
            b = _band(bands, "backlog", name)
            c = color_for(name)
            ax.plot(b.index, b["mean"], color=c, lw=2, label=name)
            ax.fill_between(b.index, b.low, b.high, color=c, alpha=0.2, lw=0)
        ax.set(title="Backlog (units ordered, not yet shipped)", xlabel="week", ylabel="units")
        ax.set_ylim(bottom=0)
        legend_outside(ax)
        return footer(fig, scenario)


def lead_time_plot(lead: pd.DataFrame, scenario: str, due: dict[str, float] | None = None,
                   kpis: pd.DataFrame | None = None) -> Figure:
    """Share of orders filled within x (all replications' orders after the warm-up,
    pooled), per demand stream, with the promise dashed. The mean and p90 printed are
    the KPI table's (each the mean over replications of one replication's value)."""
    names = [n for n in sorted(lead.demand.unique()) if len(lead[lead.demand == n])]
    longest = max([float(lead.lead_h.max())] if len(lead) else [0.0])
    days = longest > 72
    scale, unit = (24.0, "days") if days else (1.0, "hours")
    reps = lead.replication.nunique() if "replication" in lead else 1
    with styled():
        fig, ax = new_figure(height=4)
        for name in names:
            v = np.sort(lead[lead.demand == name].lead_h.to_numpy(dtype=float))
            c = color_for(name)
            share = np.arange(1, len(v) + 1) / len(v)
            ax.step(np.concatenate([[0.0], v / scale]), np.concatenate([[0.0], share]), where="post", color=c,
                    lw=2, label=lead_time_label(name, kpis, len(v)))
            if due and due.get(name):
                ax.axvline(due[name] / scale, color=c, ls="--", lw=1.2, label=f"{name} due {due[name] / scale:.4g} "
                           f"{'d' if days else 'h'}")
        ax.set_ylim(0, 1.02)
        ax.set_xlim(left=-0.015 * max(ax.get_xlim()[1], 1e-9))   # the jump at 0 (orders filled from stock) shows
        ax.yaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
        ax.set(title=f"Order lead time (orders after warm-up, {reps} replication{'s' * (reps != 1)} pooled)",
               xlabel=f"{unit} from order to last unit shipped", ylabel="share of orders filled within")
        legend_outside(ax, "below")
        return footer(fig, scenario)


def lead_time_label(name: str, kpis: pd.DataFrame | None, n: int) -> str:
    """The legend entry of one demand stream: its order count and the KPI table's mean and p90."""
    text = f"{name}: {n} orders"
    if kpis is None:
        return text
    got = {k: kpis[(kpis.kpi == k) & (kpis.subject == name)]["mean"] for k in ("order_lead_time",
                                                                              "order_lead_time_p90")}
    if all(len(v) for v in got.values()):
        text += (f"; mean {num(got['order_lead_time'].iloc[0])} h, p90 {num(got['order_lead_time_p90'].iloc[0])} h"
                 " (KPI table)")
    return text


def welch_plot(welch: pd.DataFrame, scenario: str, warmup_weeks: float = 0.0) -> Figure:
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
        legend_outside(ax)
        return footer(fig, scenario)
