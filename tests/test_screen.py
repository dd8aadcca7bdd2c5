"""`rackline screen`: a Morris screen ranks the one guess that drives the KPI first,
its effects agree with SALib's where no rounding intervenes, and it resumes."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import SCENARIOS
from rackline.cli import main

# A line of two stations with fixed times, 24/7, demand far above what it can make:
# throughput is what the one test bay b does, 168 h / its test time per week. Among the
# guesses only b's test time binds (a has 4 servers at 2 h: 336/week at base, at least
# 112/week anywhere in its ranges), so it alone drives throughput.
PLANTED = """
name: planted_screen
run:
  horizon: {value: 10 w, note: "fixed by the test"}
  warmup: {value: 1 w, note: "fixed by the test"}
  replications: {value: 1, note: "fixed times: one replication tells all"}
  seed: {value: 5, note: "any root seed"}
items:
  part: {family: rack, unit: part}
  rack: {family: rack, unit: rack}
sites:
  s:
    stations:
      a:
        output: part
        servers: {value: 4, note: "GUESS: ample"}
        process_time: {value: 2 h, note: "GUESS: ample"}
      b:
        output: rack
        inputs:
          part: {value: 1, note: "one part per rack"}
        servers: {value: 1, note: "one bay, fixed by the test"}
        process_time: {dist: fixed, value: {value: 20 h, note: "GUESS: the planted driver", range: [10 h, 30 h]}}
demand:
  orders:
    item: rack
    site: s
    rate: {value: 50 per week, note: "far above capacity, fixed by the test"}
    due: {value: 4 w, note: "GUESS: no effect on throughput"}
"""
DRIVER = "sites.s.stations.b.process_time.value"


def test_the_planted_guess_is_ranked_first_with_the_analytic_effect(tmp_path, capsys):
    f = tmp_path / "planted.yaml"
    f.write_text(PLANTED)
    args = ["screen", str(f), "--trajectories", "4", "--jobs", "1", "--out", str(tmp_path / "s"),
            "--kpi", "throughput:rack", "--no-plots"]
    assert main(args) == 0
    out = capsys.readouterr().out
    ranking = pd.read_csv(tmp_path / "s" / "ranking.csv")
    first, second = ranking.iloc[0], ranking.iloc[1]
    assert first.parameter == DRIVER and (first.low, first.high, first.range) == ("10 h", "30 h", "declared")
    # throughput = 168/t a week over t in 10-30 h on Morris' four levels (10, 16.7, 23.3, 30 h): each
    # effect is a secant of 168/t over two thirds of the range, between 6.72 (16.7 -> 30 h) and 14.4
    # (10 -> 23.3 h) racks/week, always a loss as t grows; the others move it by a rack's rounding at most
    assert 6.0 < first.mu_star < 15.5 and first.mu == pytest.approx(-first.mu_star)
    assert second.mu_star < 0.1 * first.mu_star
    assert "  1. s b process_time value (20 h; 10 h to 30 h): throughput:rack -" in out
    assert set(ranking.parameter) == {DRIVER, "sites.s.stations.a.servers", "sites.s.stations.a.process_time",
                                      "demand.orders.due"}
    # the same command again finds every run in its store: nothing reruns, same ranking
    assert main(args) == 0
    assert "resuming, 20 runs already done" in capsys.readouterr().out
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "s" / "ranking.csv"), ranking)


def test_elementary_effects_agree_with_salib_on_a_continuous_design():
    from SALib.analyze import morris as salib
    from SALib.sample import morris as sample

    from rackline.experiments.screen import morris_table
    from rackline.experiments.sweep.design import Design
    problem = {"num_vars": 3, "names": ["x", "y", "z"], "bounds": [[0, 2], [10, 20], [-1, 1]]}
    X = sample.sample(problem, 10, num_levels=4, seed=3)
    y = 3 * X[:, 0] + X[:, 1] * X[:, 2] + 0.1 * X[:, 2] ** 2
    design = Design("morris", problem["names"], X, [{}] * len(X), problem, [None] * len(X))
    ours = morris_table(design, y).set_index("parameter")
    theirs = salib.analyze(problem, X, y, num_levels=4, seed=3)
    np.testing.assert_allclose(ours.mu_star, theirs["mu_star"], rtol=1e-9)
    np.testing.assert_allclose(ours.mu, theirs["mu"], rtol=1e-9)
    np.testing.assert_allclose(ours.sigma, theirs["sigma"], rtol=1e-9)
    assert ours.loc["x", "mu_star"] == pytest.approx(6.0)     # 3 per unit over a range of 2


def test_a_large_screen_is_refused_without_yes_before_anything_runs(tmp_path, capsys):
    out = tmp_path / "big"
    assert main(["screen", str(SCENARIOS / "baseline.yaml"), "--trajectories", "15", "--out", str(out)]) == 2
    assert "add --yes" in capsys.readouterr().err
    assert not (out / "sweep.db").exists()
