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
    assert "Bonferroni for 2 comparisons" in three.notes[0]


def test_compare_command_writes_folder_and_report(tmp_path, capsys):
    from rackline.cli import main
    out = tmp_path / "cmp"
    code = main(["compare", str(SCENARIOS / "minimal.yaml"), "--variant", "more:sites.wisconsin.stations.l11_test"
                 ".servers=5", "--variant", "fewer:sites.wisconsin.stations.l11_test.servers=2", "--reps", "3",
                 "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[0].split()[:5] == ["KPI", "unit", "minimal", "more", "fewer"]
    assert "pairing removed" not in printed         # the paired-variance figure is in the details
    for name in ("kpis.csv", "differences.csv", "assumptions_diff.csv", "report.html", "plots/differences.png",
                 "runs/minimal/kpis.csv", "runs/more/kpis.csv"):
        assert (out / name).exists(), name
    assert json.loads((out / "manifest.json").read_text())["scenarios"] == ["minimal", "more", "fewer"]
    html = (out / "report.html").read_text()
    assert "Differences from minimal" in html and "pairing removed" in html
    assert html.index("Side by side") < html.index('id="headline"')      # the table leads the report


def test_compare_set_must_name_a_scenario(capsys):
    from rackline.cli import main
    code = main(["compare", str(SCENARIOS / "minimal.yaml"), str(SCENARIOS / "baseline.yaml"),
                 "--set", "nosuch:run.seed=3", "--no-plots"])
    assert code == 2
    assert "expected a scenario name among ['minimal', 'baseline'], got ['nosuch']" in capsys.readouterr().err


def test_the_compare_table_holds_the_frames_values_and_says_clear_in_words(doubled):
    t = doubled.table
    assert t.names == ("baseline", "double")
    row = next(r for r in t.rows if (r.kpi, r.subject) == ("throughput", "rack_gen1"))
    k = doubled.kpis.set_index(["kpi", "subject", "scenario"])
    for name, est in zip(t.names, row.values):
        assert est is not None and est.mean == k.loc[("throughput", "rack_gen1", name), "mean"]
    d = doubled.differences.set_index(["kpi", "subject"]).loc[("throughput", "rack_gen1")]
    change = row.changes[0]
    assert change is not None and change.diff == d["diff"] and change.verdict == "clear"
    assert row.values[1].mean - row.values[0].mean == pytest.approx(change.diff)   # paired mean = mean of diffs
    kpis = [r.kpi for r in t.rows]
    for kpi in ("throughput", "fill_rate", "cost_per_rack", "npv", "disruption_loss"):
        assert kpi in kpis, kpi
    wide = t.frame()
    assert list(wide.columns[:5]) == ["kpi", "subject", "unit", "baseline", "baseline low"]
    assert set(wide["double vs baseline"]) <= {"clear", "not clear", "no change"}


def test_a_kpi_that_never_moves_reads_no_change():
    from rackline.experiments.compare_table import Change
    assert Change(0.0, 0.0, 0.0, False, float("nan")).verdict == "no change"
    assert Change(1.0, -1.0, 3.0, False, 0.5).verdict == "not clear"
    assert Change(1.0, 0.5, 1.5, True, 0.5).verdict == "clear"


def test_compare_prints_the_table_first_for_the_disruption_question(tmp_path, capsys):
    import pandas as pd

    from rackline.cli import main
    out = tmp_path / "cmp"
    code = main(["compare", str(SCENARIOS / "baseline.yaml"), str(SCENARIOS / "overseas_disruption.yaml"),
                 "--reps", "3", "--jobs", "2", "--out", str(out), "--no-plots"])
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["KPI", "unit", "baseline", "overseas_disruption", "overseas_disruption", "-",
                                "baseline"]
    labels = [line.split("  ")[0] for line in lines[1:7]]
    assert labels[0] == "racks lost to disruptions: rack_gen1"     # the question's KPI leads
    for label in ("throughput: rack_gen1", "fill rate: openai_gen1", "cost per rack", "NPV"):
        assert label in labels, label
    assert all(line.rstrip().endswith(("clear", "no change")) for line in lines[1:7])
    assert pd.ExcelFile(out / "results.xlsx").sheet_names[0] == "table"


def test_plots_mark_an_interval_they_leave_out():
    import pandas as pd

    from rackline.output.plots.style import ci_errors, interval_left_out
    rows = pd.DataFrame({"mean": [1.0, 2.0, 3.0], "ci_low": [0.5, 0.0, float("nan")], "ci_high": [1.5, 9.0, float("nan")],
                         "ci_note": ["", "run more replications", ""]})
    assert interval_left_out(rows, "mean").tolist() == [False, True, True]
    assert ci_errors(rows, "mean")[:, 1:].tolist() == [[0.0, 0.0], [0.0, 0.0]]
