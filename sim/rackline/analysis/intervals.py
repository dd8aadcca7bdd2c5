"""Confidence intervals that stay inside their KPI's range.

A plain t-interval over a handful of replications happily says a backlog of
-0.08 units or a fill rate of 105%. Each KPI has a range, known from its unit in
one place here (`range_of_unit`, `range_of_station_metric`), and its interval for
the mean over replications is built on a scale where that range cannot be left:

- share, [0, 1]: units "share of ..." (fill rate, on-time, stock-out, region share,
  crew and station shares) -> `logit-t`, a t-interval for logit(mean) by the delta
  method, back-transformed; `wilson-bound` when every replication is exactly 0 (or 1).
- non-negative: units, units/week, h, orders (throughput, backlog, lead times,
  inventory, WIP, ...) -> `log-t`, a t-interval for log(mean) by the delta method,
  back-transformed; `zero` when every replication is 0.
- unbounded: anything else (differences, the Little's-law gap) -> `t`, Student t.

Both transforms act on the mean, not on each replication: log of each value would
give an interval for the geometric mean (not the mean reported) and fails on a
single zero. With s the standard deviation over n replications, m the mean and t
the Student quantile, the log interval is m·exp(±t·s/(√n·m)) and the logit interval
is logit⁻¹(logit m ± t·s/(√n·m(1−m))); both reduce to m ± t·s/√n when the interval
is narrow, and both cover at least as often as the t-interval for skewed data
(tests/test_intervals.py simulates it).

When every replication of a share is exactly 0 (or 1), the spread over replications
says nothing (the share is pinned at its bound unless a rare event happens), so the
interval is the Wilson score bound for 0 of n (or n of n): [0, z²/(n+z²)]. That is
the worst case for any quantity in [0, 1], hence honest without assumptions, but
wide with few replications even where the value is 0 by construction (no setups,
one region); `ci_note` then says "0 in every replication" (or 1), which is what a
printer should say instead of the bound. A non-negative KPI that is 0 in every
replication gets [0, 0] and the same note (no bound exists without a range).

A replication value outside its range (a KPI defined wrongly) is not hidden: the
interval is then the t-interval cut to the range, `t-truncated`.

An interval too wide to mean anything carries `ci_note` = RUN_MORE: a share interval
spanning more than half of [0, 1], a non-negative quantity whose t half-width
exceeds its mean (high/low > e²), or fewer than 2 replications (no interval at all).
"""
from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np

from rackline.kpi_names import RUN_MORE, Range, declared_signed, range_of_station_metric, range_of_unit

__all__ = ["CONFIDENCE", "RUN_MORE", "EVERY_REP_0", "EVERY_REP_1", "Range", "Method", "Interval", "range_of_unit",
           "declared_signed", "range_of_station_metric", "range_of_group", "interval", "t_interval", "log_interval",
           "share_interval", "quantile_interval", "t_half_width", "t_quantile", "z_quantile", "wilson_bound"]

CONFIDENCE = 0.95
EVERY_REP_0 = "0 in every replication"
EVERY_REP_1 = "1 in every replication"
WIDE_SHARE = 0.5        # a share interval wider than this says little
class Method(Enum):
    """How an interval was computed (written to `ci_method`)."""

    T = "t"
    T_TRUNCATED = "t-truncated"
    LOGIT_T = "logit-t"
    WILSON_BOUND = "wilson-bound"
    LOG_T = "log-t"
    ZERO = "zero"
    ORDER = "order-statistic"
    NONE = "none"


@dataclass(frozen=True)
class Interval:
    """Mean over replications with its confidence interval."""

    mean: float
    low: float
    high: float
    n: int
    method: Method
    note: str = ""

    @property
    def half_width(self) -> float:
        """Half the interval's length (the intervals need not be symmetric about the mean)."""
        return (self.high - self.low) / 2


def range_of_group(key: Mapping[str, Any]) -> Range:
    """The range of a summarized group from its key columns: its `unit` (KPI tables,
    sweeps) or else its station `metric`; unbounded if it has neither."""
    if "unit" in key:
        return range_of_unit(str(key["unit"]))
    if "metric" in key:
        return range_of_station_metric(str(key["metric"]))
    return Range.UNBOUNDED


@functools.lru_cache(maxsize=256)
def t_quantile(confidence: float, dof: int) -> float:
    """Two-sided Student-t quantile. It is `scipy.stats.t.ppf`'s own routine (stdtrit),
    bit for bit, from `scipy.special`: importing scipy.stats cost 0.5 s of CPU, a third of
    a run's serial part, for this one number. Cached: a run asks for the same one for
    every KPI and station metric."""
    from scipy.special import stdtrit
    return float(stdtrit(dof, 0.5 + confidence / 2))


@functools.lru_cache(maxsize=16)
def z_quantile(confidence: float) -> float:
    """Two-sided normal quantile (`scipy.stats.norm.ppf`'s routine, ndtri)."""
    from scipy.special import ndtri
    return float(ndtri(0.5 + confidence / 2))


def _finite(values: Any) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    finite: np.ndarray = v[np.isfinite(v)]
    return finite


def t_half_width(values: Any, confidence: float = CONFIDENCE) -> float:
    """t · s / √n: the Student-t half-width for the mean of the finite values (NaN for fewer than 2)."""
    v = _finite(values)
    if len(v) < 2:
        return math.nan
    return float(t_quantile(confidence, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v)))


def _none(v: np.ndarray) -> Interval:
    mean = float(v.mean()) if len(v) else math.nan
    return Interval(mean, math.nan, math.nan, len(v), Method.NONE, RUN_MORE)


def t_interval(values: Any, confidence: float = CONFIDENCE) -> Interval:
    """Student-t interval for the mean (no range)."""
    v = _finite(values)
    if len(v) < 2:
        return _none(v)
    m, hw = float(v.mean()), t_half_width(v, confidence)
    return Interval(m, m - hw, m + hw, len(v), Method.T)


def log_interval(values: Any, confidence: float = CONFIDENCE) -> Interval:
    """Interval for the mean of a non-negative quantity: t on the log scale of the
    mean (delta method), m·exp(±h) with h = t·s/(√n·m); [0, 0] if every value is 0."""
    v = _finite(values)
    if len(v) < 2:
        return _none(v)
    if (v < 0).any():
        raise ValueError(f"log_interval: expected non-negative values, got min {v.min()}")
    m = float(v.mean())
    if m == 0:
        return Interval(0.0, 0.0, 0.0, len(v), Method.ZERO, EVERY_REP_0)
    h = t_half_width(v, confidence) / m
    note = RUN_MORE if h > 1 else ""
    return Interval(m, m * math.exp(-h), m * math.exp(h), len(v), Method.LOG_T, note)


def wilson_bound(successes: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval for `successes` of `n` Bernoulli trials."""
    z = z_quantile(confidence)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    hw = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - hw), min(1.0, centre + hw)


def share_interval(values: Any, confidence: float = CONFIDENCE) -> Interval:
    """Interval for the mean of a share in [0, 1]: t on the logit scale of the mean
    (delta method), logit⁻¹(logit m ± t·s/(√n·m(1−m))); when every value is 0 (or 1)
    the Wilson score bound for 0 (or n) of n."""
    v = _finite(values)
    if len(v) < 2:
        return _none(v)
    if (v < -1e-12).any() or (v > 1 + 1e-12).any():
        raise ValueError(f"share_interval: expected values in [0, 1], got {v.min()} to {v.max()}")
    v = np.clip(v, 0.0, 1.0)
    m, n = float(v.mean()), len(v)
    if m <= 0 or m >= 1:
        low, high = wilson_bound(0 if m <= 0 else n, n, confidence)
        low, high = (0.0, high) if m <= 0 else (low, 1.0)
        return Interval(m, low, high, n, Method.WILSON_BOUND, EVERY_REP_0 if m <= 0 else EVERY_REP_1)
    h = t_half_width(v, confidence) / (m * (1 - m))
    centre = math.log(m / (1 - m))
    low, high = _expit(centre - h), _expit(centre + h)
    return Interval(m, low, high, n, Method.LOGIT_T, RUN_MORE if high - low > WIDE_SHARE else "")


def quantile_interval(values: Any, q: float, confidence: float = CONFIDENCE) -> Interval:
    """The q-quantile of the values (numpy's linear interpolation) with a distribution-free
    interval between two order statistics: x_(r) and x_(s) with r, s the binomial(n, q)
    quantiles at (1 - confidence)/2 and (1 + confidence)/2 (1-based, s one above), which
    cover the true quantile with at least about `confidence`. An end the sample is too
    small to bound (r < 1 or s > n) is NaN, noted RUN_MORE. `mean` holds the quantile."""
    from scipy import stats
    v = np.sort(_finite(values))
    n = len(v)
    if n == 0:
        return _none(v)
    point = float(np.quantile(v, q))
    a = (1 - confidence) / 2
    r = int(stats.binom.ppf(a, n, q))
    s = int(stats.binom.ppf(1 - a, n, q)) + 1
    low = float(v[r - 1]) if r >= 1 else math.nan
    high = float(v[s - 1]) if s <= n else math.nan
    note = RUN_MORE if math.isnan(low) or math.isnan(high) else ""
    return Interval(point, low, high, n, Method.ORDER, note)


def _expit(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def interval(values: Any, rng: Range, confidence: float = CONFIDENCE) -> Interval:
    """The interval for the mean of `values` that respects `rng` (see the module docstring).

    A replication value outside the range (a KPI that should not have one) falls
    back to the t-interval truncated to the range, marked `t-truncated`."""
    v = _finite(values)
    if rng is Range.UNBOUNDED:
        return t_interval(v, confidence)
    top = 1.0 if rng is Range.SHARE else math.inf
    if (v < -1e-12).any() or (v > top + 1e-12).any():
        iv = t_interval(v, confidence)
        return Interval(iv.mean, max(iv.low, 0.0), min(iv.high, top), iv.n, Method.T_TRUNCATED, iv.note)
    return share_interval(v, confidence) if rng is Range.SHARE else log_interval(v, confidence)
