"""Sweep plots: one-at-a-time lines with CI bands, tornado, 2-D heatmap, and
Sobol or Morris sensitivity bars."""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from rackline.kpi_names import Range, range_of_unit
from rackline.output.plots.style import color_for, footer, legend_outside, new_figure, styled
from rackline.quantities import param_text, value_text


def _wrapped(path: str, width: int = 44) -> str:
    """A dotted parameter path over lines of about `width` characters, broken after dots,
    so a panel title keeps every part (`costs.labour.` as well as `technicians.rate`)."""
    lines = [""]
    for part in path.split("."):
        piece = part if not lines[-1] else "." + part
        if lines[-1] and len(lines[-1]) + len(piece) > width:
            lines[-1] += "."
            lines.append(part)
        else:
            lines[-1] += piece
    return "\n".join(lines)


def _data_limits(low: float, high: float, bounds: tuple[float | None, float | None]) -> tuple[float, float]:
    """Axis limits around the data with a margin (a KPI that moves 3% must not look flat
    against an axis from 0), never more than a sliver past the KPI's range."""
    span = high - low
    pad = 0.08 * span if span > 0 else max(abs(high) * 0.05, 1e-9)
    bottom, top = low - pad, high + pad
    lo, hi = bounds
    if lo is not None:
        bottom = max(bottom, lo - 0.02 * max(span, pad))
    if hi is not None:
        top = min(top, hi + 0.02 * max(span, pad))
    return bottom, top


def oat_plot(table: pd.DataFrame, kpi_label: str, title: str, kpi_unit: str = "", order: list[str] | None = None) -> Figure:
    """One panel per parameter: the KPI (mean and 95% CI) against the parameter's
    values, the base scenario marked; panels in `order` (the tornado's: largest swing
    first). The shared y axis spans the data with a margin, inside the KPI's range
    (`kpi_unit`: shares within 0-100%, counts and times from 0), ticks read in the
    KPI's unit ($k/$M, %) and the parameters' (few x ticks, whole numbers stay whole)."""
    params = list(dict.fromkeys(table.parameter))
    params = [p for p in (order or []) if p in params] + [p for p in params if p not in (order or [])]
    kind = range_of_unit(kpi_unit) if kpi_unit else Range.UNBOUNDED
    lo, hi = {Range.SHARE: (0.0, 1.0), Range.NONNEGATIVE: (0.0, None)}.get(kind, (None, None))
    with styled():
        n = len(params)
        ncols = min(3, n)
        nrows = int(np.ceil(n / ncols))
        fig, axes = new_figure(max(7.0, 4.2 * ncols), 1.2 + 3.1 * nrows, nrows, ncols, squeeze=False, sharey=True)
        ys: list[float] = []
        for ax, p in zip(axes.flat, params):
            g = table[table.parameter == p].sort_values("value")
            c = color_for(p)
            ax.plot(g.value, g["mean"], "o-", color=c, lw=2)
            band_low = g.ci_low.fillna(g["mean"]).clip(lower=lo, upper=hi)
            band_high = g.ci_high.fillna(g["mean"]).clip(lower=lo, upper=hi)
            ax.fill_between(g.value, band_low, band_high, color=c, alpha=0.2)
            ys += [*g["mean"].dropna(), *band_low.dropna(), *band_high.dropna()]
            b = g[g.base]
            ax.plot(b.value, b["mean"], "s", color="black", ms=7)
            ax.set_title(_wrapped(p), fontsize=9)
            unit = str(g.unit.iloc[0]) if "unit" in g and isinstance(g.unit.iloc[0], str) else ""
            ax.set_xlabel(f"value ({unit})" if unit else "value")
            values = g.value.to_numpy(dtype=float)
            whole = bool(len(values)) and bool(np.allclose(values, np.round(values)))
            ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=whole))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _, u=unit: param_text(x, u)))
        first = axes.flat[0]
        first.set_ylabel(kpi_label)
        if ys:
            first.set_ylim(*_data_limits(min(ys), max(ys), (lo, hi)))
        first.yaxis.set_major_formatter(FuncFormatter(lambda x, _: value_text(x, kpi_unit)))
        for ax in list(axes.flat)[n:]:
            ax.set_visible(False)
        fig.suptitle(f"One at a time: {kpi_label}\n(mean and 95% CI; ■ = base scenario)", fontweight="bold")
        return footer(fig, title)


def tornado_plot(t: pd.DataFrame, kpi_label: str, title: str) -> Figure:
    t = t.iloc[::-1]
    with styled():
        lines = max((_wrapped(p, 36).count("\n") + 2 for p in t.parameter), default=2)
        fig, ax = new_figure(10, max(2.8, 0.22 * lines * len(t) + 1.6))
        base = t.base.iloc[0] if len(t) else 0
        for y, (_, r) in enumerate(t.iterrows()):
            ax.barh(y, r.at_low - base, left=base, color="#1f77b4", alpha=0.8, label="at low value" if y == 0 else None)
            ax.barh(y, r.at_high - base, left=base, color="#d62728", alpha=0.8,
                    label="at high value" if y == 0 else None)
        ax.axvline(base, color="black", lw=1)
        ax.set_yticks(range(len(t)), [f"{_wrapped(r.parameter, 36)}\n{param_text(r.low_value, r.get('unit', ''))} → "
                                      f"{param_text(r.high_value, r.get('unit', ''))}" for _, r in t.iterrows()])
        ax.set(xlabel=kpi_label)
        fig.suptitle(f"Tornado: {kpi_label} around the base scenario", fontweight="bold")   # centred on the figure
        unit = str(t.kpi_unit.iloc[0]) if "kpi_unit" in t and len(t) else ""
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: value_text(x, unit)))
        legend_outside(ax, "below")
        return footer(fig, title)


def digits_to_tell_apart(values: np.ndarray) -> int:
    """Significant digits that tell the smallest and largest of `values` apart by about
    ten steps: 3 for a wide range, 4 for 92.4%-92.7%, at most 6."""
    v = values[np.isfinite(values)]
    span = float(v.max() - v.min()) if len(v) else 0.0
    if span <= 0:
        return 3
    return int(np.clip(np.ceil(np.log10(float(np.abs(v).max()) / span)) + 1, 3, 6))


def heatmap_plot(grid: pd.DataFrame, x: str, y: str, kpi_label: str, title: str, unit: str = "",
                 axis_units: tuple[str, str] = ("", "")) -> Figure:
    """grid: columns x, y, mean (one row per grid point); axes labelled with their units.
    Cell labels and colour bar ticks carry as many digits as the colour range needs, so
    cells that differ in colour differ in their numbers too."""
    piv = grid.pivot_table(index=y, columns=x, values="mean")
    values = piv.to_numpy(dtype=float)
    digits = digits_to_tell_apart(values)
    with styled():
        fig, ax = new_figure(8, 5.5)
        im = ax.imshow(values, origin="lower", aspect="auto", cmap="viridis")
        xu, yu = axis_units
        ax.set_xticks(range(len(piv.columns)), [param_text(v, xu) for v in piv.columns])
        ax.set_yticks(range(len(piv.index)), [param_text(v, yu) for v in piv.index])
        for (i, j), v in np.ndenumerate(values):
            ax.text(j, i, value_text(v, unit, digits), ha="center", va="center",
                    color="white" if v < np.nanmean(values) else "black", fontsize=8)
        ax.set(xlabel=_wrapped(x, 60) + (f" ({xu})" if xu else ""), ylabel=_wrapped(y, 36) + (f" ({yu})" if yu else ""),
               title=f"{kpi_label} over a 2-D grid")
        ax.grid(False)
        bar = fig.colorbar(im, ax=ax, label=kpi_label, format=FuncFormatter(lambda v, _: value_text(v, unit, digits)))
        bar.locator = MaxNLocator(nbins=6)
        bar.update_ticks()
        return footer(fig, title)


def indices_plot(ix: pd.DataFrame, kpi_label: str, title: str) -> Figure:
    with styled():
        fig, ax = new_figure(9, max(2.8, 0.5 * len(ix) + 1.6))
        y = np.arange(len(ix))
        if "ST" in ix:
            ax.barh(y + 0.2, ix.S1, 0.4, xerr=ix.S1_conf, color="#1f77b4", label="first order S1", capsize=3)
            ax.barh(y - 0.2, ix.ST, 0.4, xerr=ix.ST_conf, color="#ff7f0e", label="total order ST", capsize=3)
            ax.set(title=f"Sobol indices for {kpi_label} (95% CI)", xlabel="share of output variance")
        else:
            ax.barh(y + 0.2, ix.mu_star, 0.4, xerr=ix.mu_star_conf, color="#1f77b4", label="mu* (mean |effect|)",
                    capsize=3)
            ax.barh(y - 0.2, ix.sigma, 0.4, color="#9467bd", label="sigma (interactions, non-linearity)")
            ax.set(title=f"Morris screening for {kpi_label}", xlabel=kpi_label)
        ax.set_yticks(y, [_wrapped(p, 36) for p in ix.parameter])
        legend_outside(ax, "below")
        return footer(fig, title)
