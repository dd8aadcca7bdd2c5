"""House style for every rackline figure: readable at a glance, units on axes,
stable colors per station/product, and the assumptions footer on every figure.

Figures are built with `matplotlib.figure.Figure` (no pyplot state), inside
`rc_context`, so library code never changes global settings or shows windows.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib
import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.layout_engine import ConstrainedLayoutEngine

matplotlib.use("Agg", force=False)
from matplotlib.axis import Axis  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.transforms import ScaledTranslation  # noqa: E402

from rackline.about import FOOTER  # noqa: E402
from rackline.kpi_names import RUN_MORE  # noqa: E402

RC: dict[str, Any] = {
    "font.size": 10, "axes.titlesize": 12, "axes.titleweight": "bold", "axes.labelsize": 10,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3,
    "legend.frameon": False, "legend.fontsize": 9, "figure.dpi": 100,
    "text.parse_math": False,   # money labels carry '$' signs: never read them as TeX
    # FreeType's auto-hinter at 8x was ~40% of drawing a text-heavy figure (the flow picture);
    # unhinted glyphs look the same at these sizes (compared side by side)
    "text.hinting": "no_hinting",
}

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd"]

STATE_COLORS = {
    "busy": "#2ca02c", "setup": "#98df8a", "starved": "#ff7f0e", "blocked": "#d62728", "idle": "#8c8c8c",
    "waiting_crew": "#9467bd", "down": "#8c564b", "off_shift": "#f4f4f4",
    "waiting_power": "#e377c2",
}
# off shift is near-white and hatched, idle a solid mid grey: a station closed half the
# hours (a bottleneck on two shifts) must not look as free as one waiting for work
STATE_HATCHES = {"off_shift": "///"}
HATCH_COLOR = "#b0b0b0"
REGION_COLORS = {"domestic": "#1f77b4", "nearshore": "#17becf", "overseas": "#d62728"}


def color_for(name: str) -> str:
    """The same color for the same station or product in every plot and every run."""
    h = int(hashlib.md5(name.encode()).hexdigest()[:8], 16)
    return PALETTE[h % len(PALETTE)]


@contextmanager
def styled() -> Iterator[None]:
    with matplotlib.rc_context(RC):  # type: ignore[arg-type]  # the stubs list rc keys as Literals
        yield


def new_figure(width: float = 9, height: float = 4.8, nrows: int = 1, ncols: int = 1, **kw: Any) -> Any:
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, **kw)
    return fig, axes


def legend_outside(ax: Any, where: str = "right", **kw: Any) -> None:
    """A legend beside (`right`) or under (`below`) the axes, never over the data;
    constrained layout makes room for it."""
    if not ax.get_legend_handles_labels()[0]:
        return
    if where == "below":
        handles, labels = ax.get_legend_handles_labels()
        # as many columns as fit across the figure (about 0.075 in a character at 9 pt, plus the handle)
        per_col = 0.6 + 0.075 * max(len(label) for label in labels)
        fit = max(1, int(ax.figure.get_figwidth() * 0.95 // per_col))
        # anchored a fixed distance under the axes (its tick labels and x label are sized in
        # points), so constrained layout keeps it above the footer and clear of the label
        below = (0.55 if ax.get_xlabel() else 0.32) * (ax.xaxis.label.get_fontsize() / 10)
        ax.legend(handles, labels, loc="upper center", ncols=min(kw.pop("ncols", 3), fit, len(labels)),
                  bbox_to_anchor=(0.5, 0.0),
                  bbox_transform=ax.transAxes + ScaledTranslation(0, -below, ax.figure.dpi_scale_trans), **kw)
    else:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), **kw)


def footer(fig: Figure, scenario: str) -> Figure:
    """Every figure says what it is: the scenario, and that all inputs are assumptions."""
    fig.text(0.005, 0.003, f"{FOOTER} · scenario: {scenario}", fontsize=7.5, color="#555555",
             ha="left", va="bottom")
    engine = fig.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine):      # new_figure's: keep the footer's strip free
        engine.set(rect=(0, 0.035, 1, 0.965))
    return fig


def axis_format(axis: Axis, unit: str) -> None:
    """Money as $k/$M; other quantities with three significant digits (no offset)."""
    from matplotlib.ticker import FuncFormatter

    from rackline.quantities import is_money_unit, money_text
    axis.set_major_formatter(FuncFormatter(lambda x, _: money_text(x) if is_money_unit(unit) else f"{x:.3g}"))


TOO_WIDE = f"too wide: {RUN_MORE}"


def interval_left_out(rows: pd.DataFrame, center: str) -> npt.NDArray[np.bool_]:
    """Which rows draw no error bar although they have a value: the interval is missing,
    or the table notes it as too wide to print (the plot then says so beside the value)."""
    c = rows[center].to_numpy(dtype=float)
    if "ci_low" in rows and "ci_high" in rows:
        missing = ~(np.isfinite(rows.ci_low.to_numpy(dtype=float)) & np.isfinite(rows.ci_high.to_numpy(dtype=float)))
    elif "half_width" in rows:
        missing = ~np.isfinite(rows.half_width.to_numpy(dtype=float))
    else:
        missing = np.zeros(len(c), dtype=bool)
    if "ci_note" in rows:
        missing |= (rows.ci_note.fillna("").astype(str) == RUN_MORE).to_numpy()
    left_out: npt.NDArray[np.bool_] = missing & np.isfinite(c)
    return left_out


def ci_errors(rows: pd.DataFrame, center: str) -> npt.NDArray[np.float64]:
    """Error bar lengths (2, n) below and above `center` reaching `ci_low` and `ci_high`:
    KPI intervals are asymmetric and stay inside the KPI's range, so mean ± half-width
    would draw a negative backlog or a share above 100%. Tables without the interval
    columns fall back to the half-width; no interval, or one the table notes as too wide
    to print ('run more replications'), draws no bar."""
    c = rows[center].to_numpy(dtype=float)
    if "ci_low" in rows and "ci_high" in rows:
        low, high = rows.ci_low.to_numpy(dtype=float), rows.ci_high.to_numpy(dtype=float)
    else:
        hw = rows.half_width.to_numpy(dtype=float) if "half_width" in rows else np.zeros(len(c))
        low, high = c - hw, c + hw
    if "ci_note" in rows:
        noted = rows.ci_note.fillna("").astype(str).str.len().to_numpy() > 0
        low, high = np.where(noted, c, low), np.where(noted, c, high)
    bars: npt.NDArray[np.float64] = np.nan_to_num(np.clip(np.vstack([c - low, high - c]), 0, None))
    return bars
