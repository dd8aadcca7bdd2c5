"""Statistics over replications: t-based confidence intervals, paired differences,
MSER-5 warm-up, and how many replications a target precision needs."""
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


def mser5(series: np.ndarray, max_fraction: float = 0.5) -> int:
    """Batches of 5 to cut from the front of `series` (MSER-5, White 1997): the cut
    that minimises the squared standard error of the remaining batch means."""
    y = np.asarray(series, dtype=float)
    n_batches = len(y) // 5
    if n_batches < 4:
        return 0
    z = y[: n_batches * 5].reshape(n_batches, 5).mean(axis=1)
    best, best_d = math.inf, 0
    for d in range(int(n_batches * max_fraction) + 1):
        rest = z[d:]
        m = len(rest)
        if m < 2:
            break
        val = ((rest - rest.mean()) ** 2).sum() / m ** 2
        if val < best - 1e-12:
            best, best_d = val, d
    return best_d


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
