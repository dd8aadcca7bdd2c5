"""The engine against queueing theory: each model is a scenario YAML under
tests/analytic/, run through the same loader and engine users use. Tolerances are
the larger of the 95% CI half-width and a small relative margin."""
from __future__ import annotations

import math

import pytest

import rackline
from conftest import ANALYTIC


def within(res_row, theory, rel=0.05):
    return abs(res_row["mean"] - theory) <= max(rel * abs(theory), res_row["half_width"])


@pytest.fixture(scope="module")
def mm1():
    return rackline.run(ANALYTIC / "mm1.yaml", jobs=2)


def test_mm1_order_lead_time_is_one_over_mu_minus_lambda(mm1):
    lam, mu = 0.8, 1.0
    row = mm1.kpi("order_lead_time", "orders")
    assert abs(row["mean"] - 1 / (mu - lam)) <= 0.05 * 1 / (mu - lam)


def test_mm1_littles_law_on_orders(mm1):
    """Backlog (orders waiting, here 1 unit each) = arrival rate x lead time."""
    lam = 0.8
    backlog = mm1.kpi("backlog", "orders")["mean"]
    lead = mm1.kpi("order_lead_time", "orders")["mean"]
    assert backlog == pytest.approx(lam * lead, rel=0.03)


def test_mm1_station_littles_law_and_utilization(mm1):
    st = mm1.stations.set_index(["station", "metric"])["mean"]
    assert abs(st[("s.server", "little_gap")]) < 0.01
    assert st[("s.server", "share_busy")] == pytest.approx(0.8, abs=0.01)
    assert st[("s.server", "share_idle")] == pytest.approx(0.2, abs=0.01)


def erlang_c_wait(c: int, lam: float, mu: float) -> float:
    a = lam / mu
    rho = a / c
    top = a ** c / math.factorial(c) / (1 - rho)
    p_wait = top / (sum(a ** k / math.factorial(k) for k in range(c)) + top)
    return p_wait / (c * mu - lam)


def test_mmc_lead_time_matches_erlang_c():
    res = rackline.run(ANALYTIC / "mmc.yaml", jobs=2)
    theory = erlang_c_wait(3, 2.4, 1.0) + 1.0
    assert within(res.kpi("order_lead_time", "orders"), theory)


def test_jackson_tandem_sojourn_and_throughput():
    res = rackline.run(ANALYTIC / "jackson.yaml", jobs=2)
    assert within(res.kpi("order_lead_time", "orders"), 1 / (1.25 - 1) + 1 / (1.5 - 1))
    # every station has slack: the line's throughput is the arrival rate
    assert within(res.kpi("throughput", "product"), 168.0, rel=0.02)


def mva_throughput(means: list[float], n: int) -> float:
    """Exact mean value analysis of a closed loop of single-server FCFS stations."""
    q = [0.0] * len(means)
    x = 0.0
    for k in range(1, n + 1):
        r = [m * (1 + qi) for m, qi in zip(means, q)]
        x = k / sum(r)
        q = [x * ri for ri in r]
    return x


def test_conwip_loop_throughput_matches_mva():
    res = rackline.run(ANALYTIC / "conwip.yaml", jobs=2)
    theory = mva_throughput([1.0, 1.5, 0.5], 4) * 168
    assert within(res.kpi("throughput", "x3"), theory, rel=0.02)


def test_tandem_capacity_mode_runs_at_slowest_station(load_text):
    text = """
name: tandem
run: {horizon: 2000 h, replications: 1}
items: {a: {}, b: {}, c: {}}
sites:
  s:
    inventories:            # finite buffers: a fast station upstream gets blocked
      a: {capacity: 5}
      b: {capacity: 5}
    stations:
      s1: {output: a, process_time: 1 h}
      s2: {output: b, inputs: {a: 1}, process_time: 2 h}
      s3: {output: c, inputs: {b: 1}, process_time: 30 min}
demand:
  all: {item: c, site: s, capacity: true}
"""
    res = rackline.run(load_text(text))
    assert res.kpi("throughput", "c")["mean"] == pytest.approx(168 / 2, rel=0.01)
    table = res.stations.set_index(["station", "metric"])["mean"]
    assert table[("s.s2", "bottleneck_sole")] > 0.8
    assert table[("s.s2", "share_busy")] == pytest.approx(1.0, abs=0.01)
