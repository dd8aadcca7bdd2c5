"""Station plots: time in state with the bottleneck marked, bottleneck shares with
CIs, and the momentary bottleneck over time in one replication."""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from rackline.output.plots.style import (
    HATCH_COLOR,
    STATE_COLORS,
    STATE_HATCHES,
    color_for,
    footer,
    legend_outside,
    new_figure,
    styled,
)
from rackline.states import HALL_STATES, STATES
from rackline.units import WEEK


def station_states_plot(table: pd.DataFrame, scenario: str, ax: Axes | None = None) -> Figure:
    """Stacked bars of time-in-state shares per station, ranked; the bottleneck starred."""
    t = table.iloc[::-1]
    with styled():
        standalone = ax is None
        if ax is None:
            fig, ax = new_figure(height=max(3.0, 0.45 * len(t) + 1.5))
        else:
            fig = ax.get_figure()
        left = np.zeros(len(t))
        for s in STATES:
            if s in HALL_STATES and not (f"share_{s}" in t and t[f"share_{s}"].fillna(0).any()):
                continue            # no station tests in a hall: no legend entry for waiting on its power
            v = t[f"share_{s}"].to_numpy(dtype=float)
            ax.barh(t.station, v, left=left, color=STATE_COLORS[s], label=s.replace("_", " "),
                    edgecolor="white", lw=0.5, hatch=STATE_HATCHES.get(s), hatchcolor=HATCH_COLOR)
            left += v
        labels = [("★ " if r == 1 else "") + st for r, st in zip(t["rank"], t.station)]
        ax.set_yticks(range(len(t)), labels)
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
        ax.set(title="Where station time goes (★ = bottleneck)", xlabel="share of server time")
        legend_outside(ax, "below", ncols=4)
        return fig if standalone is False else footer(fig, scenario)


def bottleneck_share_plot(table: pd.DataFrame, scenario: str) -> Figure:
    """Sole and shifting bottleneck shares per station with 95% CIs (active-period
    method); error bars stop at 0% and 100%, the legend sits under the axes."""
    t = table[(table.bottleneck_sole + table.bottleneck_shifting) > 0.001].iloc[::-1]
    with styled():
        fig, ax = new_figure(height=max(2.6, 0.5 * len(t) + 1.9))
        y = np.arange(len(t))
        sole, shift = t.bottleneck_sole.to_numpy(dtype=float), t.bottleneck_shifting.to_numpy(dtype=float)
        ax.barh(y, sole, 0.6, color="#d62728", label="sole bottleneck",
                xerr=_within_share(sole, t.bottleneck_sole_hw.to_numpy(dtype=float)), capsize=3)
        ax.barh(y, shift, 0.6, left=sole, color="#ff9896", label="shifting bottleneck",
                xerr=_within_share(sole + shift, t.bottleneck_shifting_hw.to_numpy(dtype=float)), capsize=3)
        ax.set_yticks(y, t.station)
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
        ax.set(title="Bottleneck share (active-period method, 95% CI)", xlabel="share of measured time")
        legend_outside(ax, "below")
        return footer(fig, scenario)


def _within_share(end: np.ndarray, hw: np.ndarray) -> np.ndarray:
    """Asymmetric error bars (2, n) around `end` that stay inside [0, 1]."""
    hw = np.nan_to_num(hw)
    return np.vstack([np.minimum(hw, np.clip(end, 0, 1)), np.minimum(hw, np.clip(1 - end, 0, 1))])


def bottleneck_timeline_plot(segments: pd.DataFrame, scenario: str) -> Figure:
    """Which station is the momentary bottleneck, week by week, in one replication."""
    stations = sorted(segments.station.unique()) if len(segments) else []
    with styled():
        fig, ax = new_figure(height=max(2.5, 0.4 * len(stations) + 1.5))
        for i, st in enumerate(stations):
            s = segments[segments.station == st]
            ax.broken_barh(list(zip(s.start_h / WEEK, (s.end_h - s.start_h) / WEEK)), (i - 0.4, 0.8),
                           color=color_for(st))
        ax.set_yticks(range(len(stations)), stations)
        ax.set(title="Momentary bottleneck over time (replication 0)", xlabel="week")
        return footer(fig, scenario)
