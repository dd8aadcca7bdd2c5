"""Confidence intervals stay inside their KPI's range (issue 15 items 8 and 9).

Closed-form intervals for small samples, coverage by simulation (2000 seeded
samples of n = 5), random small scenarios (hypothesis) and the shipped scenarios:
no interval may leave its KPI's range."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import SCENARIOS
from rackline.analysis.intervals import (
    EVERY_REP_0,
    EVERY_REP_1,
    RUN_MORE,
    Method,
    Range,
    declared_signed,
    interval,
    log_interval,
    range_of_station_metric,
    range_of_unit,
    share_interval,
    t_interval,
    wilson_bound,
)
from rackline.analysis.stats import summarize

T2 = 4.302652729911275      # Student t, 97.5%, 2 degrees of freedom
T4 = 2.7764451051977987     # 4 degrees of freedom
Z = 1.959963984540054


# --- ranges from units ----------------------------------------------------------

@pytest.mark.parametrize("unit, expected", [
    ("share of orders", Range.SHARE), ("share of time", Range.SHARE), ("share of purchased units", Range.SHARE),
    ("share of people-hours", Range.SHARE), ("units/week", Range.NONNEGATIVE), ("h", Range.NONNEGATIVE),
    ("units", Range.NONNEGATIVE), ("orders", Range.NONNEGATIVE), ("units (mixed items)", Range.NONNEGATIVE),
    ("racks/week", Range.NONNEGATIVE), ("units/week difference", Range.NONNEGATIVE), ("%pt", Range.UNBOUNDED),
])
def test_range_of_unit(unit, expected):
    assert range_of_unit(unit) is expected


@pytest.mark.parametrize("metric, expected", [
    ("share_busy", Range.SHARE), ("share_off_shift", Range.SHARE), ("bottleneck_sole", Range.SHARE),
    ("starved_on:optics", Range.SHARE), ("throughput_per_week", Range.NONNEGATIVE), ("wip", Range.NONNEGATIVE),
    ("time_in_station_h", Range.NONNEGATIVE), ("little_gap", Range.UNBOUNDED),
])
def test_range_of_station_metric(metric, expected):
    assert range_of_station_metric(metric) is expected


# --- closed forms -----------------------------------------------------------------

def test_t_interval_is_mean_plus_minus_t_s_over_root_n():
    iv = t_interval([1.0, 2.0, 3.0])
    assert (iv.low, iv.high) == pytest.approx((2 - T2 / math.sqrt(3), 2 + T2 / math.sqrt(3)))
    assert iv.method is Method.T and iv.half_width == pytest.approx(T2 / math.sqrt(3))


def test_log_interval_closed_form_and_too_wide():
    iv = log_interval([1.0, 2.0, 3.0])          # m = 2, s = 1: h = t s / (sqrt(n) m)
    h = T2 / math.sqrt(3) / 2
    assert (iv.low, iv.high) == pytest.approx((2 * math.exp(-h), 2 * math.exp(h)))
    assert iv.method is Method.LOG_T and iv.low > 0
    assert iv.note == RUN_MORE                  # t half-width 2.48 > mean 2
    narrow = log_interval([10.0, 11.0, 12.0])
    assert narrow.note == "" and narrow.low < 11 < narrow.high


def test_log_interval_keeps_a_single_zero_and_all_zeros():
    iv = log_interval([0.0, 0.0, 0.0, 0.0, 1.0])
    assert 0 < iv.low < 0.2 < iv.high and iv.method is Method.LOG_T
    zero = log_interval([0.0] * 5)
    assert (zero.low, zero.high, zero.method, zero.note) == (0.0, 0.0, Method.ZERO, EVERY_REP_0)


def test_share_interval_closed_form():
    iv = share_interval([0.2, 0.3, 0.4])        # m = 0.3, s = 0.1
    h = T2 * 0.1 / math.sqrt(3) / (0.3 * 0.7)
    expit = lambda x: 1 / (1 + math.exp(-x))     # noqa: E731
    assert (iv.low, iv.high) == pytest.approx((expit(math.log(3 / 7) - h), expit(math.log(3 / 7) + h)))
    assert iv.method is Method.LOGIT_T and iv.note == ""


def test_share_interval_at_the_bounds_is_the_wilson_bound():
    zero = share_interval([0.0] * 5)
    assert (zero.low, zero.high) == pytest.approx((0.0, Z * Z / (5 + Z * Z)))
    assert zero.method is Method.WILSON_BOUND and zero.note == EVERY_REP_0
    one = share_interval([1.0] * 5)
    assert (one.low, one.high) == pytest.approx((5 / (5 + Z * Z), 1.0))
    assert one.note == EVERY_REP_1
    assert wilson_bound(3, 10) == pytest.approx((0.10779, 0.60322), abs=1e-5)   # textbook value


def test_fill_rate_of_minimal_yaml_no_longer_passes_one():
    # today's `84% ± 69%`: replication fill rates like these gave a t-interval up to 1.53
    iv = interval([0.52, 0.996, 1.0], Range.SHARE)
    assert t_interval([0.52, 0.996, 1.0]).high > 1.3
    assert 0 < iv.low < iv.mean < iv.high < 1 and iv.note == RUN_MORE


def test_fewer_than_two_replications_give_no_interval():
    iv = interval([0.7], Range.SHARE)
    assert math.isnan(iv.low) and math.isnan(iv.high) and iv.method is Method.NONE and iv.note == RUN_MORE


def test_value_outside_its_range_is_truncated_and_marked():
    iv = interval([0.9, 1.0, 1.2], Range.SHARE)
    assert iv.method is Method.T_TRUNCATED and iv.high == 1.0
    iv = interval([-1.0, 1.0, 3.0], Range.NONNEGATIVE)
    assert iv.method is Method.T_TRUNCATED and iv.low == 0.0


# --- coverage by simulation -------------------------------------------------------

def _coverage(samples: np.ndarray, truth: float, rng: Range) -> tuple[float, list]:
    ivs = [interval(s, rng) for s in samples]
    return float(np.mean([iv.low <= truth <= iv.high for iv in ivs])), ivs


@pytest.mark.parametrize("a, b", [(2, 2), (1, 9), (0.5, 5), (9, 1)])
def test_share_interval_covers_beta_means_at_nominal_rate(a, b):
    samples = np.random.default_rng(11).beta(a, b, size=(2000, 5))
    cov, ivs = _coverage(samples, a / (a + b), Range.SHARE)
    t_cov = np.mean([t_interval(s).low <= a / (a + b) <= t_interval(s).high for s in samples])
    assert 0.91 <= cov <= 0.98
    assert cov >= t_cov - 0.01                    # never worse than t; much better when skewed
    assert all(0 <= iv.low <= iv.mean <= iv.high <= 1 for iv in ivs)


@pytest.mark.parametrize("p", [0.5, 0.3, 0.05, 0.95])
def test_share_interval_on_bernoulli_replications_stays_in_range(p):
    samples = np.random.default_rng(12).binomial(1, p, size=(2000, 5)).astype(float)
    cov, ivs = _coverage(samples, p, Range.SHARE)
    assert cov >= 0.93                            # the t-interval covers p = 0.05 only ~25% of the time
    assert all(0 <= iv.low <= iv.high <= 1 for iv in ivs)


def test_share_interval_on_binomial_proportions():
    samples = np.random.default_rng(13).binomial(50, 0.9, size=(2000, 5)) / 50
    cov, _ = _coverage(samples, 0.9, Range.SHARE)
    assert 0.92 <= cov <= 0.98


@pytest.mark.parametrize("sigma", [0.1, 0.5])
def test_log_interval_covers_lognormal_means(sigma):
    samples = np.random.default_rng(14).lognormal(0.0, sigma, size=(2000, 5))
    truth = math.exp(sigma * sigma / 2)
    cov, ivs = _coverage(samples, truth, Range.NONNEGATIVE)
    t_cov = np.mean([t_interval(s).low <= truth <= t_interval(s).high for s in samples])
    assert 0.91 <= cov <= 0.98 and cov >= t_cov - 0.005
    assert all(0 < iv.low <= iv.mean <= iv.high for iv in ivs)


def test_log_interval_on_exponential_with_zeros_never_goes_below_zero():
    rng = np.random.default_rng(15)
    samples = rng.exponential(1.0, size=(2000, 5)) * (rng.random((2000, 5)) < 0.7)   # ~30% zeros
    cov, ivs = _coverage(samples, 0.7, Range.NONNEGATIVE)
    assert cov >= 0.9 and all(iv.low >= 0 for iv in ivs)


# --- summarize: the method per KPI ------------------------------------------------

def test_summarize_chooses_the_interval_from_the_unit():
    df = pd.DataFrame({
        "kpi": ["fill_rate"] * 3 + ["backlog"] * 3 + ["diff"] * 3,
        "subject": ["x"] * 9,
        "unit": ["share of orders"] * 3 + ["units"] * 3 + ["%pt"] * 3,
        "value": [0.5, 0.99, 1.0, 0.0, 0.1, 2.0, -1.0, 0.5, 2.0],
    })
    out = summarize(df, ["kpi", "subject", "unit"]).set_index("kpi")
    assert list(out.ci_method) == ["logit-t", "log-t", "t"]
    assert out.loc["fill_rate", "ci_high"] < 1 and out.loc["backlog", "ci_low"] > 0
    assert out.loc["diff", "ci_low"] < 0
    assert out.loc["fill_rate", "ci_note"] == RUN_MORE and out.loc["diff", "ci_note"] == ""
    assert out.loc["backlog", "half_width"] == pytest.approx((out.loc["backlog", "ci_high"]
                                                              - out.loc["backlog", "ci_low"]) / 2)


def test_summarize_station_metrics_by_metric_name():
    df = pd.DataFrame({"station": ["s"] * 6, "metric": ["bottleneck_sole"] * 3 + ["little_gap"] * 3,
                       "value": [1.0, 1.0, 0.7, -0.01, 0.0, 0.02]})
    out = summarize(df, ["station", "metric"]).set_index("metric")
    assert out.loc["bottleneck_sole", "ci_high"] <= 1 and out.loc["bottleneck_sole", "ci_method"] == "logit-t"
    assert out.loc["little_gap", "ci_method"] == "t"


# --- whole runs: no interval outside its range ------------------------------------

def _outside(kpis: pd.DataFrame, stations: pd.DataFrame) -> list[str]:
    bad = [f"{r.kpi} {r.subject} [{r.ci_low}, {r.ci_high}] ({r.unit})" for r in kpis.itertuples()
           if not range_of_unit(r.unit).contains(r.ci_low, r.ci_high) or r.ci_method == "t-truncated"]
    bad += [f"{r.station} {r.metric} [{r.ci_low}, {r.ci_high}]" for r in stations.itertuples()
            if not range_of_station_metric(r.metric).contains(r.ci_low, r.ci_high) or r.ci_method == "t-truncated"]
    both = pd.concat([kpis, stations]).dropna(subset=["ci_low"])
    bad += [f"mean outside its interval: {r}" for r in both.itertuples()
            if not r.ci_low - 1e-9 <= r.mean <= r.ci_high + 1e-9]
    return bad


def _line(sizes: list[int], times: list[float], cvs: list[float], rate: float, buffer: int, initial: int,
          lead: float, seed: int) -> str:
    """A 1-2 station line: a purchased part -> station(s) -> rack, Poisson demand."""
    n = len(times)
    outs = ["mid", "rack"] if n == 2 else ["rack"]
    ins = ["part", "mid"]
    stations = "\n".join(
        f"      st{k}: {{output: {outs[k]}, inputs: {{{ins[k]}: 1}}, servers: {sizes[k]}, "
        f"process_time: {{dist: lognormal, mean: {times[k]} h, cv: {cvs[k]}}}}}" for k in range(n))
    mid = f"\n      mid: {{capacity: {buffer}}}" if n == 2 else ""
    return f"""name: prop
run: {{horizon: 4 w, warmup: 1 w, replications: 3, seed: {seed}}}
items: {{part: {{}}, mid: {{}}, rack: {{}}}}
sites:
  s:
    inventories:
      part:
        initial: {initial}
        policy: {{type: sS, s: {initial // 2}, S: {initial * 2}}}
        suppliers: {{sup: 1.0}}{mid}
    stations:
{stations}
suppliers:
  sup: {{item: part, region: domestic, lead_time: {{dist: exponential, mean: {lead} h}}}}
demand:
  d: {{item: rack, site: s, rate: {rate} per week, due: 24 h}}
"""


@settings(max_examples=8, deadline=None, derandomize=True, database=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow])       # no shrinking: each example is a whole run
@given(n=st.integers(1, 2), sizes=st.lists(st.integers(1, 3), min_size=2, max_size=2),
       times=st.lists(st.floats(0.5, 20), min_size=2, max_size=2),
       cvs=st.lists(st.sampled_from([0.1, 0.5, 1.0]), min_size=2, max_size=2),
       rate=st.floats(1, 60), buffer=st.integers(1, 5), initial=st.integers(2, 40),
       lead=st.floats(1, 200), seed=st.integers(0, 1000))
def test_random_small_lines_keep_every_interval_in_range(n, sizes, times, cvs, rate, buffer, initial, lead, seed):
    from rackline.experiments.replications import run_replications
    from rackline.scenario import load_scenario_text
    text = _line(sizes[:n], [round(t, 2) for t in times[:n]], cvs[:n], round(rate, 2), buffer, initial,
                 round(lead, 1), seed)
    res = run_replications(load_scenario_text(text, "prop.yaml"))
    assert res.kpis.n.le(3).all() and res.kpis.n.eq(3).any()    # a KPI with no orders may miss a replication
    assert not _outside(res.kpis, res.stations), text


def _shipped_check(name: str, tmp_path) -> list[str]:
    from rackline.cli import main
    out = tmp_path / name
    assert main(["run", str(SCENARIOS / f"{name}.yaml"), "--reps", "5", "--no-plots", "--out", str(out)]) == 0
    kpis = pd.read_csv(out / "kpis.csv", keep_default_na=False, na_values=[""])
    stations = pd.read_csv(out / "station_metrics.csv", keep_default_na=False, na_values=[""])
    assert set(kpis.ci_method) <= {m.value for m in Method}
    unknown = sorted({u for u in kpis.unit if range_of_unit(u) is Range.UNBOUNDED and not declared_signed(u)})
    assert not unknown, f"KPI units with no known range: {unknown} (add them to analysis/intervals.py)"
    return _outside(kpis, stations)


@pytest.mark.parametrize("name", ["minimal", "gen2_ramp"])
def test_shipped_scenarios_intervals_in_range(name, tmp_path):
    assert not _shipped_check(name, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(p.stem for p in SCENARIOS.glob("*.yaml")
                                        if p.stem not in ("minimal", "gen2_ramp")))
def test_every_shipped_scenario_intervals_in_range(name, tmp_path):
    assert not _shipped_check(name, tmp_path)


# --- --precision starts where the README says (item 9) ----------------------------

STEADY = """name: steady
run: {horizon: 3 w, warmup: 0 h, replications: 5, seed: 1}
items: {rack: {}}
sites:
  s:
    stations:
      make: {output: rack, process_time: {dist: fixed, value: 2 h}}
demand:
  d: {item: rack, site: s, capacity: true}
"""


def test_precision_starts_from_the_scenarios_replications_and_never_below_three(load_text):
    from rackline.experiments.replications import run_replications
    loaded = load_text(STEADY)          # deterministic: one replication already meets any precision
    assert len(run_replications(loaded, precision=0.05).reps) == 5
    assert len(run_replications(loaded, reps=1, precision=0.05).reps) == 3
    assert len(run_replications(loaded, reps=4, precision=0.05).reps) == 4


@pytest.mark.parametrize("confidence", [0.5, 0.8, 0.9, 0.95, 0.99, 2 * (1 - 0.05 / 3) - 1])
def test_quantiles_are_scipy_stats_own_bit_for_bit(confidence):
    """t_quantile and z_quantile skip importing scipy.stats (0.5 s) but must give its numbers exactly:
    every interval and golden table depends on them."""
    from scipy import stats

    from rackline.analysis.intervals import t_quantile, z_quantile
    for dof in [*range(1, 60), 99, 100, 1000, 10**6]:
        assert t_quantile(confidence, dof) == float(stats.t.ppf(0.5 + confidence / 2, dof)), dof
    assert z_quantile(confidence) == float(stats.norm.ppf(0.5 + confidence / 2))


def test_weekly_bands_are_the_interval_of_each_weeks_replications():
    """Each band row is `interval` (never below 0) of that series' values in that week, one
    per replication in replication order, and output_total sums the products first; shuffled
    rows and a series missing from one replication change nothing of the kind."""
    from rackline.analysis.run_tables import weekly_bands
    from rackline.kpi_names import Range
    rng = np.random.default_rng(5)
    rows = [(r, w, m, s, float(rng.gamma(2.0, 3.0)))
            for r in range(4) for w in (1.0, 2.0, 3.0)
            for m, s in [("output", "a"), ("output", "b"), ("backlog", "d"), ("utilization", "x")]
            if not (r == 3 and s == "b")]
    ts = pd.DataFrame(rows, columns=["replication", "week", "metric", "subject", "value"]).sample(frac=1, random_state=1)
    bands = weekly_bands(ts)
    assert set(bands.metric) == {"output", "backlog", "output_total"}      # utilisation has no band
    for b in bands.itertuples():
        if b.metric == "output_total":
            g = ts[(ts.metric == "output") & (ts.week == b.week)].groupby("replication").value.sum()
        else:
            g = ts[(ts.metric == b.metric) & (ts.subject == b.subject) & (ts.week == b.week)].set_index("replication").value
        v = g.to_numpy(dtype=float)     # in the order of ts: the band takes them as they come
        iv = interval(v, Range.NONNEGATIVE)
        assert (b.mean, b.low, b.high, b.min, b.max) == (iv.mean, iv.low, iv.high, v.min(), v.max())
    assert len(bands[(bands.subject == "b")]) == 3 and len(bands) == 3 * 4
