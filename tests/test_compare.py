"""Compare: common random numbers, paired differences, what changed, the folder."""
from __future__ import annotations

import json

import pytest

from conftest import SCENARIOS
from rackline.experiments.compare import compare, paired
from rackline.scenario import load_scenario


def _pair(path, overrides, name="variant"):
    base = load_scenario(path)
    return [(base.scenario.name, base), (name, load_scenario(path, overrides))]


@pytest.fixture(scope="module")
def doubled():
    return compare(_pair(SCENARIOS / "baseline.yaml", {"sites.wisconsin.stations.integrate.servers": 6}, "double"),
                   reps=4, jobs=2)


def test_doubling_the_bottleneck_raises_throughput_clearly_and_moves_the_bottleneck(doubled):
    d = doubled.differences.set_index(["kpi", "subject"]).loc[("throughput", "rack_gen1")]
    assert d["diff"] > 0 and d.ci_low > 0 and bool(d.clear)
    tops = [r.ranking.station.iloc[0] for r in doubled.runs]
    assert tops[0] == "wisconsin.integrate" and tops[1] != tops[0]


def test_assumption_diff_names_what_changed(doubled):
    diff = doubled.assumptions
    assert diff.path.tolist() == ["sites.wisconsin.stations.integrate.servers"]
    assert diff.iloc[0][["baseline", "double"]].tolist() == ["3", "6"]


def test_a_scenario_compared_with_itself_differs_by_exactly_zero():
    path = SCENARIOS / "minimal.yaml"
    a = load_scenario(path)
    cmp = compare([("a", a), ("b", load_scenario(path))], reps=3)
    assert (cmp.differences["diff"] == 0).all()
    assert (cmp.differences.half_width.fillna(0) == 0).all()
    assert not cmp.differences.clear.any()


def test_pairing_narrows_the_difference_ci_against_independent_seeds():
    from rackline.experiments.replications import run_replications
    path = SCENARIOS / "minimal.yaml"
    over = {"sites.wisconsin.stations.l11_test.servers": 4}
    cmp = compare(_pair(path, over), reps=8)
    crn = cmp.differences.set_index(["kpi", "subject"]).loc[("order_lead_time", "racks"), "half_width"]
    a = cmp.runs[0].replications
    b_indep = run_replications(load_scenario(path, over), 8, seed=12345).replications
    sel = lambda df: df[(df.kpi == "order_lead_time") & (df.subject == "racks")].value.to_numpy()
    _, indep, _ = paired(sel(a), sel(b_indep), 0.95)
    assert crn < 0.6 * indep


def test_bonferroni_widens_intervals_with_more_scenarios():
    path = SCENARIOS / "minimal.yaml"
    base = load_scenario(path)
    two = compare([("a", base), ("b", load_scenario(path, {"sites.wisconsin.stations.l11_test.servers": 4}))],
                  reps=4)
    three = compare([("a", base), ("b", load_scenario(path, {"sites.wisconsin.stations.l11_test.servers": 4})),
                     ("c", load_scenario(path, {"sites.wisconsin.stations.l11_test.servers": 5}))], reps=4)
    hw = lambda c: c.differences.set_index(["scenario", "kpi", "subject"]).loc[("b", "throughput", "rack"),
                                                                              "half_width"]
    assert hw(three) > hw(two)
    assert "Bonferroni for 2 comparison(s)" in three.notes[0]


def test_compare_command_writes_folder_and_report(tmp_path, capsys):
    from rackline.cli import main
    out = tmp_path / "cmp"
    code = main(["compare", str(SCENARIOS / "minimal.yaml"), "--variant", "more:sites.wisconsin.stations.l11_test"
                 ".servers=5", "--variant", "fewer:sites.wisconsin.stations.l11_test.servers=2", "--reps", "3",
                 "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "more vs minimal: throughput rack" in printed
    for name in ("kpis.csv", "differences.csv", "assumptions_diff.csv", "report.html", "plots/differences.png",
                 "runs/minimal/kpis.csv", "runs/more/kpis.csv"):
        assert (out / name).exists(), name
    assert json.loads((out / "manifest.json").read_text())["scenarios"] == ["minimal", "more", "fewer"]
    assert "Differences from minimal" in (out / "report.html").read_text()


def test_compare_set_must_name_a_scenario(capsys):
    from rackline.cli import main
    code = main(["compare", str(SCENARIOS / "minimal.yaml"), str(SCENARIOS / "baseline.yaml"),
                 "--set", "nosuch:run.seed=3", "--no-plots"])
    assert code == 2
    assert "expected a scenario name among ['minimal', 'baseline'], got ['nosuch']" in capsys.readouterr().err
