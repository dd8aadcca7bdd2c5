"""Money plots, drawn from the KPI tables a run saved (kpis.csv, replications.csv):
cost per rack by category and by family, cumulative cash with its band and the
payback week, value received by region, and the NPV across replications."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from rackline.kpi_names import CATEGORIES, OCCASIONAL_CATEGORIES
from rackline.output.plots.style import PALETTE, REGION_COLORS, ci_errors, footer, legend_outside, new_figure, styled
from rackline.quantities import money_text

CATEGORY_COLORS = dict(zip((*CATEGORIES, *OCCASIONAL_CATEGORIES), PALETTE))   # one fixed, distinct colour per cost category


def _currency(kpis: pd.DataFrame) -> str:
    row = kpis[kpis.kpi == "cost_per_rack"]
    return str(row.unit.iloc[0]).split("/")[0] if len(row) else "money"


def has_costs(kpis: pd.DataFrame) -> bool:
    return bool((kpis.kpi == "cost_per_rack").any() or (kpis.kpi == "npv").any())


def cost_per_rack_plot(kpis: pd.DataFrame, scenario: str) -> Figure:
    """Cost per good rack: the whole stack by category (left), then every category
    beyond materials (middle) and every component family (right) on their own
    scales with 95% CIs, so that the small costs a planner can move are readable
    beside the bill of materials that dwarfs them."""
    cur = _currency(kpis)
    cats = kpis[(kpis.kpi == "cost_per_rack") & (kpis.subject != "total") & (kpis["mean"] > 0)]
    fams = kpis[(kpis.kpi == "cost_per_rack_family") & (kpis["mean"] > 0)]
    total = kpis[(kpis.kpi == "cost_per_rack") & (kpis.subject == "total")]
    family_colors = dict(zip(sorted(fams.subject), PALETTE[len(CATEGORIES):] + PALETTE))   # distinct in a panel
    money = FuncFormatter(lambda x, _: money_text(x))
    with styled():
        fig, (stack, rest, fam) = new_figure(12, 5, 1, 3, gridspec_kw={"width_ratios": [1, 2.2, 2.2]})
        bottom = 0.0
        for _, r in cats.sort_values("mean", ascending=False).iterrows():
            stack.bar(0, r["mean"], bottom=bottom, color=CATEGORY_COLORS.get(r.subject, "#7f7f7f"), width=0.6,
                      edgecolor="white")
            if r["mean"] > 0.05 * max(cats["mean"].sum(), 1e-12):
                stack.text(0, bottom + r["mean"] / 2, f"{r.subject}\n{money_text(r['mean'])}", ha="center",
                           va="center", fontsize=8, color="white")
            bottom += r["mean"]
        if len(total):
            t = total.iloc[0]
            stack.errorbar(0, t["mean"], yerr=ci_errors(total.iloc[:1], "mean"), color="black", capsize=5)
            stack.set_title(f"total {money_text(t['mean'])}", fontsize=10)
        stack.set_xticks([])
        stack.set_ylabel(f"{cur} per good rack (mean over replications)")
        stack.yaxis.set_major_formatter(money)
        _bars(rest, cats[cats.subject != "materials"], CATEGORY_COLORS, "beyond materials, by category")
        _bars(fam, fams, family_colors, "materials, tariffs and inbound freight by family")
        for ax in (rest, fam):
            ax.xaxis.set_major_formatter(money)
        fig.suptitle("Cost per good rack (bars: mean; whiskers: 95% CI across replications)", fontweight="bold")
        return footer(fig, scenario)


def _bars(ax: Axes, rows: pd.DataFrame, colors: dict[str, str], title: str) -> None:
    """Horizontal bars, largest on top, each labelled with its amount."""
    rows = rows.sort_values("mean")
    y = np.arange(len(rows))
    err = ci_errors(rows, "mean")
    hi = err[1]
    ax.barh(y, rows["mean"], color=[colors.get(s, "#7f7f7f") for s in rows.subject], height=0.6,
            xerr=err if len(rows) else None, error_kw={"capsize": 3, "lw": 1})
    for k, (_, r) in enumerate(rows.iterrows()):
        ax.text(r["mean"] + hi[k], k, f"  {money_text(r['mean'])}", va="center", fontsize=8)
    ax.set_yticks(y, list(rows.subject))
    ax.set_title(title, fontsize=10)
    ax.set_xlim(0, max(float((rows["mean"] + hi).max()) * 1.3, 1.0) if len(rows) else 1.0)


def _week(subject: str) -> float:
    return float(subject.split()[-1])


def cash_plot(kpis: pd.DataFrame, scenario: str) -> Figure:
    """Cumulative cash from time 0 with its 95% band; the payback week marked."""
    cur = _currency(kpis)
    c = kpis[kpis.kpi == "cumulative_cash"].copy()
    c["week"] = c.subject.map(_week)
    c = c.sort_values("week")
    with styled():
        fig, ax = new_figure(9, 4.5)
        ax.plot(c.week, c["mean"] / 1e6, color="#1f77b4", lw=2, label="mean over replications")
        ax.fill_between(c.week, c.ci_low / 1e6, c.ci_high / 1e6, color="#1f77b4", alpha=0.2, label="95% CI")
        ax.axhline(0, color="black", lw=0.8)
        pay = kpis[kpis.kpi == "payback_week"]
        if len(pay) and math.isfinite(pay.iloc[0]["mean"]):
            w = pay.iloc[0]["mean"]
            ax.axvline(w, color="#2ca02c", ls="--", label=f"payback week {w:.3g} (mean where paid back)")
        ax.set(title="Cumulative cash (capital paid at week 0)", xlabel="week", ylabel=f"million {cur}")
        legend_outside(ax, "below", ncols=3)      # under the axes: the curve keeps the figure's width
        return footer(fig, scenario)


def value_share_plot(kpis: pd.DataFrame, scenario: str) -> Figure:
    """Share of purchased value received from each region, with 95% CIs."""
    v = kpis[kpis.kpi == "value_share"]
    with styled():
        fig, ax = new_figure(7, 4)
        ax.bar(v.subject, v["mean"], color=[REGION_COLORS.get(s, "#7f7f7f") for s in v.subject],
               yerr=ci_errors(v, "mean"), capsize=4)
        for x, m in enumerate(v["mean"]):
            ax.text(x, m, f"{m:.1%}", ha="center", va="bottom")
        ax.set(title="Purchased value by supplier region", ylabel="share of value received", ylim=(0, 1.05))
        return footer(fig, scenario)


def npv_plot(replications: pd.DataFrame, scenario: str) -> Figure:
    """NPV of each replication: a histogram with the mean and the 10th percentile."""
    v = replications[replications.kpi == "npv"]
    cur = str(v.unit.iloc[0]).replace(" (net)", "") if len(v) else "money"
    x = v.value.to_numpy(dtype=float) / 1e6
    with styled():
        fig, ax = new_figure(8, 4)
        ax.hist(x, bins=max(5, min(30, len(x) // 2 or 1)), color="#9467bd", alpha=0.8)
        if len(x):
            ax.axvline(x.mean(), color="black", lw=2, label=f"mean {money_text(x.mean() * 1e6)}")
            p10 = float(np.quantile(x, 0.1))
            ax.axvline(p10, color="#d62728", ls="--", label=f"10th percentile {money_text(p10 * 1e6)}")
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
        ax.set(title=f"NPV across {len(x)} replications", xlabel=f"million {cur}", ylabel="replications")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))       # counts: 0, 1, 2, never 0.2
        return footer(fig, scenario)


def cost_figures(kpis: pd.DataFrame, replications: pd.DataFrame, scenario: str) -> dict[str, Figure]:
    """name -> Figure for the money plots a run supports (none without costs)."""
    if not has_costs(kpis):
        return {}
    figs = {}
    if (kpis.kpi == "cost_per_rack").any():
        figs["cost_per_rack"] = cost_per_rack_plot(kpis, scenario)
    if (kpis.kpi == "cumulative_cash").any():
        figs["cash"] = cash_plot(kpis, scenario)
    if (kpis.kpi == "value_share").any():
        figs["value_share"] = value_share_plot(kpis, scenario)
    if (replications.kpi == "npv").any():
        figs["npv"] = npv_plot(replications, scenario)
    return figs


CAPTIONS = {
    "cost_per_rack": "Cost per good rack by category and, for purchased content, by component family.",
    "cash": "Cumulative cash with a 95% band across replications; the dashed line is the payback week.",
    "value_share": "Share of purchased value received from each supplier region (not units).",
    "npv": "NPV over the horizon in each replication, with its mean and 10th percentile.",
}
