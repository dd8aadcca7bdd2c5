"""Statistics over replications: t-based confidence intervals, paired differences,
and how many replications a target precision needs (the warm-up rule is in
`rackline.analysis.warmup`)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

CONFIDENCE = 0.95


def t_half_width(values: np.ndarray, confidence: float = CONFIDENCE) -> float:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) < 2:
        return math.nan
    sd = v.std(ddof=1)
    return float(t_quantile(confidence, len(v) - 1) * sd / math.sqrt(len(v)))


def t_quantile(confidence: float, dof: int) -> float:
    """Two-sided Student-t quantile (scipy is imported on first use: it is slow to load)."""
    from scipy import stats
    return float(stats.t.ppf(0.5 + confidence / 2, dof))


def summarize(df: pd.DataFrame, by: list[str], value: str = "value", confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Mean, t-CI and n of `value` for each group in `by` (one row per replication in `df`)."""
    rows = []
    for key, g in df.groupby(by, sort=False, dropna=False):
        v = g[value].to_numpy(dtype=float)
        finite = v[np.isfinite(v)]
        mean = float(finite.mean()) if len(finite) else math.nan
        hw = t_half_width(finite, confidence)
        rows.append(dict(zip(by, key if isinstance(key, tuple) else (key,)),
                         mean=mean, ci_low=mean - hw, ci_high=mean + hw, half_width=hw, n=len(finite)))
    return pd.DataFrame(rows, columns=by + ["mean", "ci_low", "ci_high", "half_width", "n"])


def paired_difference(a: np.ndarray, b: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Mean of b - a over paired replications and its t half-width."""
    d = np.asarray(b, float) - np.asarray(a, float)
    return float(d.mean()), t_half_width(d, confidence)


def replications_needed(values: np.ndarray, rel_precision: float, confidence: float = CONFIDENCE) -> int:
    """Replications for a half-width of rel_precision x |mean| (normal approximation)."""
    v = np.asarray(values, float)
    if len(v) < 2 or v.mean() == 0:
        return len(v)
    sd = v.std(ddof=1)
    z = t_quantile(confidence, len(v) - 1)
    return max(len(v), int(math.ceil((z * sd / (rel_precision * abs(v.mean()))) ** 2)))


def welch(ts: pd.DataFrame, metric: str = "output", windows: tuple[int, ...] = (3, 7)) -> pd.DataFrame:
    """Welch's plot data: a weekly series averaged over replications, and centred
    moving averages of it; where the curves flatten, the warm-up is over."""
    d = ts[ts.metric == metric].groupby(["replication", "week"]).value.sum().groupby("week").mean()
    out = pd.DataFrame({"week": d.index.to_numpy(), "mean": d.to_numpy()})
    for w in windows:
        out[f"moving_avg_{w}"] = out["mean"].rolling(w, center=True, min_periods=1).mean()
    return out
