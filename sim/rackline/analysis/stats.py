"""Statistics over replications: KPI means with range-respecting confidence
intervals (analysis/intervals.py), paired differences, and how many replications a
target precision needs (the warm-up rule is in `rackline.analysis.warmup`)."""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from rackline.analysis.intervals import CONFIDENCE, Range, interval, range_of_group, t_half_width, t_quantile
from rackline.kpi_names import SUMMARY_COLUMNS

__all__ = ["CONFIDENCE", "SUMMARY_COLUMNS", "t_half_width", "t_quantile", "summarize", "paired_difference",
           "replications_needed", "welch"]


def summarize(df: pd.DataFrame, by: list[str], value: str = "value", confidence: float = CONFIDENCE,
              range_of: Callable[[Mapping[str, Any]], Range] = range_of_group) -> pd.DataFrame:
    """Mean and CI of `value` for each group in `by` (one row per replication in `df`).

    The interval respects the group's range (`range_of` its key columns; by default
    from its `unit` or station `metric`, see analysis/intervals.py): `ci_method`
    says how it was made, `ci_note` says "run more replications" when it is too
    wide to mean anything, and `half_width` is half its length."""
    rows = []
    for key, g in df.groupby(by, sort=False, dropna=False):
        k = dict(zip(by, key if isinstance(key, tuple) else (key,)))
        iv = interval(g[value].to_numpy(dtype=float), range_of(k), confidence)
        rows.append(dict(k, mean=iv.mean, ci_low=iv.low, ci_high=iv.high, half_width=iv.half_width, n=iv.n,
                         ci_method=iv.method.value, ci_note=iv.note))
    return pd.DataFrame(rows, columns=by + SUMMARY_COLUMNS)


def paired_difference(a: np.ndarray, b: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Mean of b - a over paired replications and its t half-width."""
    d = np.asarray(b, float) - np.asarray(a, float)
    return float(d.mean()), t_half_width(d, confidence)


def replications_needed(values: np.ndarray, rel_precision: float, confidence: float = CONFIDENCE) -> int:
    """Replications for a half-width of rel_precision x |mean| (normal approximation).

    The half-width is that of the log-t interval reported for a positive KPI,
    m·sinh(h) with h = t·s/(√n·m), so h must reach asinh(rel_precision)."""
    v = np.asarray(values, float)
    if len(v) < 2 or v.mean() == 0:
        return len(v)
    sd = v.std(ddof=1)
    z = t_quantile(confidence, len(v) - 1)
    return max(len(v), int(math.ceil((z * sd / (math.asinh(rel_precision) * abs(v.mean()))) ** 2)))


def welch(ts: pd.DataFrame, metric: str = "output", windows: tuple[int, ...] = (3, 7)) -> pd.DataFrame:
    """Welch's plot data: a weekly series averaged over replications, and centred
    moving averages of it; where the curves flatten, the warm-up is over."""
    d = ts[ts.metric == metric].groupby(["replication", "week"]).value.sum().groupby("week").mean()
    out = pd.DataFrame({"week": d.index.to_numpy(), "mean": d.to_numpy()})
    for w in windows:
        out[f"moving_avg_{w}"] = out["mean"].rolling(w, center=True, min_periods=1).mean()
    return out
