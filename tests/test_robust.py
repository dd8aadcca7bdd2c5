"""`rackline robust`: regret, satisficing and the recommendation computed by hand on a
line with fixed times; common random numbers; PRIM on the recommended plan's
failures; --jobs and resume give identical tables; bad studies refused with location."""
from __future__ import annotations

import math
import signal
import sqlite3
import textwrap

import numpy as np
import pandas as pd
import pytest

from conftest import SCENARIOS, interrupt
from rackline.api import robust as run_robust
from rackline.cli import main
from rackline.errors import ScenarioError
from rackline.experiments.robust import load_study

PLANTED = (SCENARIOS / "sweeps" / "planted_line.yaml").as_posix()
MINIMAL = (SCENARIOS / "minimal.yaml").as_posix()
TEST_TIME = "sites.s.stations.b.process_time.value"


def study_file(tmp_path, text: str, name: str = "study.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


# planted_line.yaml: station b (fixed test time t, `servers` bays) is fed without limit
# and makes to stock, so it completes servers x 168 h / t racks a week whenever t
# divides the week's schedule evenly: t = 12 h, 21 h, 24 h give 14, 8, 7 racks a week
# a bay (count the completions in weeks 1-12: 154, 88, 77 over 11 weeks).
HAND = f"""
scenario: {PLANTED}
plans:
  one_bay: {{}}
  two_bays: {{sites.s.stations.b.servers: 2}}
  two_bays_again: {{sites.s.stations.b.servers: 2}}
futures:
  samples: 0
  named:
    t12: {{{TEST_TIME}: 12 h}}
    t21: {{{TEST_TIME}: 21 h}}
    t24: {{{TEST_TIME}: 24 h}}
targets: [throughput:rack >= 9]
"""


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hand")
    return run_robust(study_file(tmp, HAND), tmp / "out", jobs=1, plots=False)


def test_values_regret_satisficing_and_recommendation_match_the_hand_computation(hand):
    r = hand.robustness
    per_bay = {"t12": 168 / 12, "t21": 168 / 21, "t24": 168 / 24}          # 14, 8, 7 racks a week
    thr = r.values[r.values.kpi == "throughput"].set_index(["plan", "future"]).value
    for f, x in per_bay.items():
        assert thr["one_bay", f] == pytest.approx(x, abs=1e-9)
        assert thr["two_bays", f] == pytest.approx(2 * x, abs=1e-9)
    # regret on throughput (the first target's KPI): the best plan (two bays) minus this one
    reg = r.regret.set_index(["plan", "future"]).regret
    for f, x in per_bay.items():
        assert reg["one_bay", f] == pytest.approx(2 * x - x, abs=1e-9)
        assert reg["two_bays", f] == 0 and reg["two_bays_again", f] == 0
    plans = r.plans.set_index("plan")
    # >= 9 a week: one bay only at 12 h (14); two bays always (28, 16, 14)
    assert plans.loc["one_bay", "satisficing"] == pytest.approx(1 / 3)
    assert plans.loc["two_bays", "satisficing"] == 1.0
    assert plans.loc["one_bay", "regret_max"] == pytest.approx(14)
    assert plans.loc["one_bay", "regret_p90"] == pytest.approx(8 + 0.8 * (14 - 8))   # numpy's linear P90 of 7, 8, 14
    assert plans.loc["one_bay", "regret_mean"] == pytest.approx((14 + 8 + 7) / 3)
    # Wilson 95% for 1 of 3
    z = 1.959963984540054
    centre, hw = (1 / 3 + z * z / 6) / (1 + z * z / 3), z / (1 + z * z / 3) * np.sqrt(2 / 27 + z * z / 36)
    assert plans.loc["one_bay", "satisficing_low"] == pytest.approx(centre - hw)
    # the tie between two identical plans goes to the first in the study's order
    assert list(r.plans.plan) == ["two_bays", "two_bays_again", "one_bay"]
    assert r.recommended.plan == "two_bays" and r.recommended.criterion == "satisficing"
    assert "tied with two_bays_again" in r.recommended.reason


def test_common_random_numbers_same_future_same_draws_across_plans(tmp_path):
    """On a stochastic scenario (random times, Poisson demand) two plans that set the same
    values get the same numbers in every future and replication, and a plan with more
    test bays sees the same orders (the demand KPI counts arrivals); futures differ."""
    path = study_file(tmp_path, f"""
        scenario: {MINIMAL}
        plans:
          base: {{}}
          same: {{sites.wisconsin.stations.l11_test.servers: 3}}
          more_bays: {{sites.wisconsin.stations.l11_test.servers: 4}}
        futures:
          samples: 3
          uncertainties:
            demand.racks.rate: {{low: 6 per week, high: 12 per week}}
        targets: [fill_rate:racks >= 0.9]
        kpis: [shipped:racks, demand:racks]
        replications: 2
        """)
    study = load_study(path)
    study.base.data["run"]["horizon"] = "6 w"
    out = run_robust(study, tmp_path / "out", jobs=1, plots=False)
    with sqlite3.connect(tmp_path / "out" / "robust.db") as db:
        rows = pd.read_sql_query("SELECT point, replication, kpi, subject, value FROM results", db)
    rows["plan"], rows["future"] = rows.point % 3, rows.point // 3
    wide = rows.pivot_table(index=["future", "replication", "kpi", "subject"], columns="plan", values="value")
    assert len(wide) > 20 and np.array_equal(wide[0].to_numpy(), wide[1].to_numpy(), equal_nan=True)
    demand = wide.xs("demand", level="kpi")
    assert np.array_equal(demand[0].to_numpy(), demand[2].to_numpy())
    assert not np.array_equal(wide[0].to_numpy(), wide[2].to_numpy(), equal_nan=True)    # the plans differ
    shipped = out.robustness.values.query("kpi == 'shipped' and plan == 'base'").value
    assert shipped.nunique() == 3                               # three futures, three answers


def test_prim_finds_where_the_recommended_plan_fails(tmp_path):
    """One bay fails exactly when the test takes more than 168/9 = 18.7 h."""
    path = study_file(tmp_path, f"""
        scenario: {PLANTED}
        plans:
          one_bay: {{}}
          one_bay_bigger_feed: {{sites.s.stations.a.servers: 8}}
        futures:
          samples: 40
          uncertainties:
            {TEST_TIME}: {{low: 8 h, high: 30 h}}
        targets: [throughput:rack >= 9]
        seed: 3
        """)
    out = run_robust(path, tmp_path / "out", jobs=1, plots=False)
    fail = out.robustness.failure
    assert fail.plan == "one_bay"
    t = out.robustness.futures.set_index("future")[TEST_TIME]
    assert fail.failing == int((t > 168 / 9).sum()) > 0
    assert len(fail.limits) == 1 and fail.limits[0].startswith(f"{TEST_TIME} > ")
    cut = float(fail.limits[0].split("> ")[1].split()[0])
    between = int(((t > min(cut, 168 / 9)) & (t < max(cut, 168 / 9))).sum())
    assert between <= 1                                  # within one sampling step of 18.7 h
    assert fail.coverage > 0.8 and fail.density > 0.8


def test_the_shipped_check_study_end_to_end_with_jobs_1_and_2_and_resume(tmp_path, capsys):
    src = SCENARIOS / "robust" / "planted_plans.yaml"
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["robust", str(src), "--jobs", "1", "--out", str(a), "--no-plots"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1].startswith("Recommended plan: two_bays (highest share")
    assert "Where two_bays fails: it meets every target in all 40 sampled futures" in out
    assert main(["robust", str(src), "--jobs", "2", "--out", str(b)]) == 0
    for name in ("plans.csv", "values.csv", "regret.csv", "kpis.csv", "targets.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(a / name), pd.read_csv(b / name))
    assert (b / "plots" / "regret_heatmap.png").exists()
    # SIGKILL part-way, then resume: the same tables as the uninterrupted run
    c = tmp_path / "c"
    args = ["robust", str(src), "--jobs", "1", "--out", str(c), "--no-plots"]
    code, _ = interrupt(args, tmp_path, signal.SIGKILL, ready=lambda: _tasks(c / "robust.db") >= 8)
    kept = _tasks(c / "robust.db")
    assert code == -signal.SIGKILL and 8 <= kept < 84 and not (c / "manifest.json").exists()
    assert main(args) == 2                                            # refuses to start over by accident
    assert main([*args, "--resume"]) == 0
    assert f"Done: {84 - kept} runs now" in capsys.readouterr().out
    for name in ("plans.csv", "values.csv", "regret.csv", "kpis.csv", "targets.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(a / name), pd.read_csv(c / name))


def _tasks(db) -> int:
    try:
        with sqlite3.connect(db) as con:
            return con.execute("SELECT count(*) FROM tasks").fetchone()[0]
    except sqlite3.Error:
        return 0


BAD = f"""\
scenario: {PLANTED}
plans:
  one_bay: {{}}
  typo: {{sites.s.stations.b.servrs: 2}}
  zero: {{sites.s.stations.b.servers: 0}}
futures:
  samples: 4
  uncertainties:
    {TEST_TIME}: {{low: 30 h, high: 8 h}}
targets: [thruput:rack >= 9]
"""


def test_bad_study_is_refused_with_file_line_and_path(tmp_path, capsys):
    path = study_file(tmp_path, BAD)
    with pytest.raises(ScenarioError) as exc:
        load_study(path)
    got = {(p.line, p.path) for p in exc.value.problems}
    assert got == {(4, "plans.typo.sites.s.stations.b.servrs"), (5, "plans.zero.sites.s.stations.b.servers"),
                   (9, f"futures.uncertainties.{TEST_TIME}"), (10, "targets.0")}
    text = str(exc.value)
    assert "did you mean 'servers'?" in text and "expected low <= high" in text
    assert "expected a whole number >= 1, got 0" in text and "did you mean 'throughput'?" in text
    assert main(["robust", str(path), "--out", str(tmp_path / "never")]) == 2
    err = capsys.readouterr().err
    assert f"{path}:4: at plans.typo.sites.s.stations.b.servrs:" in err and "Traceback" not in err
    assert not (tmp_path / "never").exists()


def test_a_large_study_needs_yes(tmp_path, capsys):
    path = study_file(tmp_path, f"""
        scenario: {PLANTED}
        plans: {{one: {{}}, two: {{sites.s.stations.b.servers: 2}}}}
        futures:
          samples: 1024
          uncertainties: {{{TEST_TIME}: {{low: 8 h, high: 30 h}}}}
        targets: [throughput:rack >= 9]
        """)
    assert main(["robust", str(path), "--out", str(tmp_path / "never")]) == 2
    assert "2048 runs" in capsys.readouterr().err and not (tmp_path / "never").exists()


def test_value_of_flexibility_compares_a_plan_with_rules_to_the_best_fixed_plan(tmp_path):
    """One bay that adds a second when the backlog passes 5 (t = 24 h makes 7 racks a week
    against 10 ordered) against fixed one- and two-bay plans, on the same futures."""
    path = study_file(tmp_path, HAND.replace("  two_bays_again: {sites.s.stations.b.servers: 2}", """\
  one_bay_expand:
    rules:
      grow: {when: {backlog: orders, above: 5, for: 1 w}, add_servers: {station: s.b}, capex: $1M}""") +
                      "kpis: [rule_firings:grow]\n")
    out = run_robust(path, tmp_path / "out", jobs=1, plots=False)
    r = out.robustness
    assert list(r.flexibility.against) == ["two_bays", "one_bay"]      # every fixed plan, best ranked first
    flex = r.flexibility.set_index("flexible").iloc[[0]]
    v = r.values.set_index(["plan", "future", "kpi"]).value
    assert v["one_bay_expand", "t24", "rule_firings"] == 1
    assert v["one_bay_expand", "t24", "throughput"] > v["one_bay", "t24", "throughput"]
    w = r.values[r.values.kpi == "throughput"].pivot(index="future", columns="plan", values="value")
    assert flex.loc["one_bay_expand", "mean_diff"] == pytest.approx((w.one_bay_expand - w.two_bays).mean())
    sat = r.plans.set_index("plan").satisficing
    assert flex.loc["one_bay_expand", "satisficing_diff"] == pytest.approx(sat["one_bay_expand"] - sat["two_bays"])


def test_grid_plans_sobol_futures_and_a_sobol_count_that_is_not_a_power_of_two(tmp_path):
    text = f"""
        scenario: {PLANTED}
        plans: {{base: {{}}}}
        grid:
          sites.s.stations.b.servers: [1, 2]
          sites.s.stations.a.servers: [4, 8]
        futures:
          method: sobol
          samples: 8
          uncertainties:
            {TEST_TIME}: {{low: 8 h, high: 30 h}}
            demand.orders.rate: {{low: 5 per week, high: 15 per week}}
        targets: [throughput:rack >= 9]
        """
    study = load_study(study_file(tmp_path, text))
    assert [p.name for p in study.plans] == ["base", "b.servers=1, a.servers=4", "b.servers=1, a.servers=8",
                                             "b.servers=2, a.servers=4", "b.servers=2, a.servers=8"]
    x = np.array([f.values for f in study.futures])
    assert x.shape == (8, 2) and (x[:, 0] >= 8).all() and (x[:, 0] <= 30).all()
    assert len({round(v, 3) for v in x[:, 1]}) == 8                    # scrambled Sobol: no repeats
    bad = study_file(tmp_path, text.replace("samples: 8", "samples: 10"), "bad.yaml")
    with pytest.raises(ScenarioError) as exc:
        load_study(bad)
    assert "futures.samples: expected a power of 2 for sobol sampling (e.g. 8 or 16), got 10" in str(exc.value)


def test_the_regret_criterion_ranks_by_p90_regret_first():
    from rackline.experiments.robust.measures import rank
    plans = pd.DataFrame({"plan": ["a", "b", "c"], "satisficing": [0.9, 0.5, 0.5], "regret_p90": [30.0, 10.0, 10.0]})
    assert list(rank(plans, "satisficing").plan) == ["a", "b", "c"]
    assert list(rank(plans, "regret").plan) == ["b", "c", "a"]       # ties keep the study's order


def test_the_finalists_of_an_optimize_folder_become_plans(tmp_path):
    import json
    opt = tmp_path / "opt"
    opt.mkdir()
    pd.DataFrame({"trial": [7, 3], "chosen": [True, False], "sites.s.stations.b.servers": [2, 3],
                  f"{TEST_TIME}": ["12 h", "20 h"], "replications": [10, 10], "capital": [2.0, 3.0]}).to_csv(
        opt / "finalists.csv", index=False)
    (opt / "manifest.json").write_text(json.dumps({"kind": "optimize", "complete": True}))
    text = f"""
        scenario: {PLANTED}
        finalists: opt
        futures: {{samples: 0, named: {{t24: {{sites.s.stations.a.servers: 5}}}}}}
        targets: [throughput:rack >= 9]
        """
    study = load_study(study_file(tmp_path, text))
    assert [(p.name, p.overrides) for p in study.plans] == [
        ("trial_7_chosen", {"sites.s.stations.b.servers": 2, TEST_TIME: "12 h"}),
        ("trial_3", {"sites.s.stations.b.servers": 3, TEST_TIME: "20 h"})]
    (opt / "manifest.json").write_text(json.dumps({"kind": "sweep", "complete": True}))
    with pytest.raises(ScenarioError) as exc:
        load_study(study_file(tmp_path, text))
    assert "at finalists: expected a complete `rackline optimize` folder" in str(exc.value)


def test_a_bad_rule_in_a_plan_is_located_in_the_study(tmp_path):
    path = study_file(tmp_path, HAND.replace("  two_bays_again: {sites.s.stations.b.servers: 2}", """\
  grows:
    rules:
      grow:
        when: {backlog: orders, above: 5, for: 1 w}
        add_servers: {station: s.bb}"""))
    with pytest.raises(ScenarioError) as exc:
        load_study(path)
    line = next(i for i, x in enumerate(path.read_text().splitlines(), 1) if "s.bb" in x)
    assert [(p.line, p.path) for p in exc.value.problems] == [(line, "plans.grows.rules.grow.add_servers.station")]
    assert "did you mean 's.b'?" in str(exc.value)


# A priced line: orders every 11 h, one bay testing in 24 h (or 12 h), each bay $5M of
# capital paid at time 0, each rack shipped earns $1M, nothing else costs anything,
# no discounting. Over 12 weeks (2016 h) a bay that takes its first part at 2 h
# finishes floor((2016 - 2) / t) racks; orders number floor(2016 / 11) = 183; every
# rack made ships while orders wait, and no more than ordered ships.
PRICED = """
name: npv_line
run: {horizon: 12 w, warmup: 1 w, replications: 1, seed: 1}
items: {part: {family: rack, unit: part}, rack: {family: rack, unit: rack}}
sites:
  s:
    stations:
      a: {output: part, servers: 4, process_time: 2 h}
      b: {output: rack, inputs: {part: 1}, servers: 1, process_time: 24 h}
demand:
  orders: {item: rack, site: s, interarrival: {dist: fixed, value: 11 h}}
costs:
  currency: USD
  discount_rate: 0%
  stations: {s.b: {capital_per_server: $5M}}
  revenue: {rack: {price: $1M}}
"""


def test_npv_regret_and_satisficing_by_hand_on_a_priced_line(tmp_path):
    (tmp_path / "line.yaml").write_text(PRICED)
    path = study_file(tmp_path, """
        scenario: line.yaml
        plans: {one_bay: {}, two_bays: {sites.s.stations.b.servers: 2}}
        futures:
          samples: 0
          named: {t24: {}, t12: {sites.s.stations.b.process_time: 12 h}}
        targets: [npv:all >= 100000000]
        """)
    out = run_robust(path, tmp_path / "out", jobs=1, plots=False)
    r = out.robustness

    def npv(bays: int, t: float) -> float:
        shipped = min(bays * math.floor((2016 - 2) / t), math.floor(2016 / 11))
        return shipped * 1e6 - bays * 5e6

    hand = {(p, f): npv(b, t) for p, b in (("one_bay", 1), ("two_bays", 2)) for f, t in (("t24", 24), ("t12", 12))}
    assert hand == {("one_bay", "t24"): 78e6, ("one_bay", "t12"): 162e6, ("two_bays", "t24"): 156e6,
                    ("two_bays", "t12"): 173e6}
    got = r.values[r.values.kpi == "npv"].set_index(["plan", "future"]).value
    for key, x in hand.items():
        assert got[key] == pytest.approx(x, abs=1e-3)
    reg = r.regret.set_index(["plan", "future"]).regret
    assert reg["one_bay", "t24"] == pytest.approx(78e6) and reg["one_bay", "t12"] == pytest.approx(11e6)
    plans = r.plans.set_index("plan")
    assert plans.loc["one_bay", "satisficing"] == 0.5 and plans.loc["two_bays", "satisficing"] == 1.0
    assert plans.loc["one_bay", "regret_p90"] == pytest.approx(11e6 + 0.9 * (78e6 - 11e6))
    assert r.recommended.plan == "two_bays" and r.recommended.reason.startswith("highest satisficing share")


def test_a_register_workbook_edits_the_base_of_every_plan_and_future(tmp_path, capsys):
    """`robust --assumptions` applies the edited cells to the base scenario, as run and
    sweep do: with a test time of 30 h written into the planted line's register, one bay
    makes 168/30 = 5.6 racks a week in every future that leaves the test time alone, so
    it misses 9 in the named future that keeps the base, where it met it before."""
    study = study_file(tmp_path, f"""\
        scenario: {PLANTED}
        plans:
          one_bay: {{}}
          two_bays: {{sites.s.stations.b.servers: 2}}
        futures:
          samples: 2
          uncertainties:
            {TEST_TIME}: {{low: 8 h, high: 12 h}}
          named:
            as_written: {{}}
        targets: [throughput:rack >= 9]
        replications: 1
        seed: 5
        """)
    book = tmp_path / "reg.xlsx"
    assert main(["assumptions", PLANTED, "--xlsx", str(book)]) == 0
    import openpyxl
    wb = openpyxl.load_workbook(book)
    row = next(r for r in wb["assumptions"].iter_rows(min_row=2) if r[0].value == TEST_TIME)
    before = row[1].value
    row[1].value = "30 h"
    wb.save(book)
    capsys.readouterr()
    common = ["robust", str(study), "--jobs", "1", "--no-plots"]
    assert main([*common, "--out", str(tmp_path / "plain")]) == 0
    assert main([*common, "--out", str(tmp_path / "edited"), "--assumptions", str(book)]) == 0
    out = capsys.readouterr().out
    assert f"Set {TEST_TIME} = 30 h (was {before}) from reg.xlsx, sheet assumptions, cell {row[1].coordinate}" in out
    plain, edited = (pd.read_csv(tmp_path / d / "values.csv") for d in ("plain", "edited"))

    def made(df, plan):
        rows = df[(df.plan == plan) & (df.future == "as_written") & (df.kpi == "throughput")]
        return float(rows["value"].iloc[0])
    assert made(plain, "one_bay") >= 9 > made(edited, "one_bay")
    # the sampled futures set the test time themselves: the edit does not reach them
    sampled = plain.future.str.startswith("future_")
    assert (plain[sampled].value.to_numpy() == edited[sampled].value.to_numpy()).all()
    assert made(edited, "one_bay") == pytest.approx(168 / 30, rel=0.05)
    # resuming the edited study without its workbook is another study: refused, the finished one untouched
    from rackline.output.folder import is_complete
    assert main([*common, "--out", str(tmp_path / "edited"), "--resume"]) == 2
    assert "holds a different study" in capsys.readouterr().err and is_complete(tmp_path / "edited")
    # a bad cell is refused before any run, located in the workbook
    row[1].value = 30
    wb.save(book)
    assert main([*common, "--out", str(tmp_path / "never"), "--assumptions", str(book)]) == 2
    assert f"cell {row[1].coordinate}" in capsys.readouterr().err and not (tmp_path / "never").exists()
