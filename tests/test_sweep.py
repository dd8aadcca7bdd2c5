"""Sweeps: designs, the store, resume after SIGINT and SIGKILL, Dask, SALib analysis."""
from __future__ import annotations

import signal
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from conftest import SCENARIOS, interrupt
from rackline.api import sweep as run_sweep
from rackline.cli import main
from rackline.experiments.sweep import sweep_from_args
from rackline.experiments.sweep.analysis import indices

MINIMAL = str(SCENARIOS / "minimal.yaml")


def test_oat_over_three_baseline_parameters_end_to_end(tmp_path, capsys):
    out = tmp_path / "oat"
    code = main(["sweep", str(SCENARIOS / "baseline.yaml"), "--method", "oat", "--reps", "1", "--jobs", "2",
                 "--vary", "sites.wisconsin.stations.integrate.servers=2:4:3",
                 "--vary", "suppliers.optics_asia.lead_time.mean=8 w:16 w:3",
                 "--vary", "sites.wisconsin.stations.l11_test.servers=6:10:3", "--out", str(out)])
    assert code == 0
    assert "oat design, 7 points x 1 replication = 7 runs" in capsys.readouterr().out
    tor = pd.read_csv(out / "tornado_throughput.csv")
    assert len(tor) == 3 and (tor.swing.diff().dropna() <= 0).all()
    assert tor.set_index("parameter").loc["sites.wisconsin.stations.integrate.servers", "swing"] > 0
    for name in ("oat_throughput.png", "tornado_throughput.png"):
        assert (out / "plots" / name).stat().st_size > 10_000
    exp = pd.read_csv(out / "experiments.csv")
    assert exp.overrides.iloc[0] == "(base scenario)"
    assert "suppliers.optics_asia.lead_time.mean=16 w" in exp.overrides.tolist()


def test_two_dimensional_grid_draws_a_heatmap(tmp_path):
    sw = sweep_from_args(MINIMAL, ["sites.wisconsin.stations.l11_test.servers=1:4:4",
                                   "sites.wisconsin.stations.integrate.servers=1:3:3"], "grid", 1, 1, None,
                         ["throughput"])
    run_sweep(sw, tmp_path / "grid", jobs=2)
    grid = pd.read_csv(tmp_path / "grid" / "grid_throughput.csv")
    assert len(grid) == 12
    assert (tmp_path / "grid" / "plots" / "heatmap_throughput.png").exists()
    # one server of each is slower than more servers of both
    lo = grid[(grid.iloc[:, 0] == 1) & (grid.iloc[:, 1] == 1)]["mean"].iloc[0]
    hi = grid[(grid.iloc[:, 0] == 4) & (grid.iloc[:, 1] == 3)]["mean"].iloc[0]
    assert hi > lo


def test_a_failing_point_is_recorded_and_the_sweep_goes_on(tmp_path):
    # each end is valid with the other parameter at its base (refused up front otherwise);
    # only the combination of a 10-week horizon with a 12-week warm-up is not
    sw = sweep_from_args(MINIMAL, ["run.horizon=10 w:30 w:2", "run.warmup=1 w:12 w:2"], "grid", 1, 1, None,
                         ["throughput"])
    outcome = run_sweep(sw, tmp_path / "s", jobs=1, plots=False)
    errors = pd.read_csv(tmp_path / "s" / "errors.csv")
    assert outcome.failed == 1 and len(errors) == 1
    assert "expected a warm-up shorter than the horizon" in errors.error.iloc[0]
    assert pd.read_csv(tmp_path / "s" / "results.csv").point.nunique() == 3   # the other three points


SWEEP_ARGS = ["sweep", MINIMAL, "--method", "lhs", "--samples", "30", "--reps", "2", "--jobs", "1", "--no-plots",
              "--vary", "sites.wisconsin.stations.l11_test.servers=1:4",
              "--vary", "suppliers.tray_maker.lead_time.mean=1 w:4 w"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "sweep"
    assert main(SWEEP_ARGS + ["--out", str(out)]) == 0
    return pd.read_csv(out / "results.csv")


def _tasks(db: Path) -> int:
    try:
        with sqlite3.connect(db) as c:
            return c.execute("SELECT count(*) FROM tasks").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_killed_sweep_resumes_to_identical_results(tmp_path, reference, sig):
    out = tmp_path / "sweep"
    code, err = interrupt([*SWEEP_ARGS, "--out", str(out)], tmp_path, sig,
                          ready=lambda: _tasks(out / "sweep.db") >= 8)
    kept = _tasks(out / "sweep.db")
    assert 8 <= kept < 60
    assert not (out / "manifest.json").exists()          # nothing looks complete
    if sig == signal.SIGINT:
        assert code == 130
        assert "rerun with --resume" in err and "Traceback" not in err
    assert main(["plot", str(out)]) == 2                  # not mistaken for a finished folder
    assert main(SWEEP_ARGS + ["--out", str(out)]) == 2    # refuses to start over by accident
    assert main(SWEEP_ARGS + ["--out", str(out), "--resume"]) == 0
    assert (out / "manifest.json").exists()
    pd.testing.assert_frame_equal(pd.read_csv(out / "results.csv"), reference)


def test_resume_refuses_a_different_design_and_names_a_new_folder(tmp_path, capsys):
    out = tmp_path / "s"
    args = ["sweep", MINIMAL, "--reps", "1", "--no-plots", "--jobs", "1",
            "--vary", "sites.wisconsin.stations.l11_test.servers=1:2:2"]
    assert main(args + ["--out", str(out)]) == 0
    capsys.readouterr()
    assert main(args[:-1] + ["sites.wisconsin.stations.l11_test.servers=1:4:4", "--out", str(out), "--resume"]) == 2
    err = capsys.readouterr().err
    assert "holds a different sweep" in err and "--out results/sweeps/minimal/" in err and "without --resume" in err
    assert main(args + ["--out", str(out)]) == 2        # a finished folder is not overwritten either
    assert "start this one in a new folder: --out results/sweeps/minimal/" in capsys.readouterr().err


def test_sweeps_default_to_a_new_timestamped_folder_and_resume_the_latest(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = ["sweep", MINIMAL, "--reps", "1", "--no-plots", "--jobs", "1",
            "--vary", "sites.wisconsin.stations.l11_test.servers=1:2:2"]
    assert main(args) == 0
    assert main(args) == 0                       # a second ad-hoc sweep needs no --out and no --resume
    folders = sorted((tmp_path / "results" / "sweeps" / "minimal").iterdir())
    assert len(folders) == 2 and all((f / "sweep.db").exists() for f in folders)
    capsys.readouterr()
    assert main(args + ["--resume"]) == 0        # finishes (here: re-analyses) the latest of that name
    assert f"results in results/sweeps/minimal/{folders[-1].name}" in capsys.readouterr().out


def test_intervals_too_wide_for_the_replications_are_warned_about():
    from rackline.experiments.sweep.analysis import width_note
    def summary(means, low, high, notes=None):
        return pd.DataFrame({"point": range(len(means)), "kpi": "throughput", "subject": "rack", "unit": "units/week",
                             "mean": means, "ci_low": low, "ci_high": high,
                             "ci_note": notes or [None] * len(means)})
    narrow = summary([20.0, 25.0, 30.0], [19.5, 24.5, 29.5], [20.5, 25.5, 30.5])
    assert width_note(narrow, "throughput", 5) is None
    wide = summary([22.0, 23.0, 24.0], [19.0, 8.0, 10.0], [48.0, 38.0, 40.0])    # 19-48 racks/week at 2 reps
    note = width_note(wide, "throughput", 2)
    assert note is not None and "too wide" in note and "--reps" in note
    assert "1 replication per point gives no interval" in str(width_note(narrow, "throughput", 1))
    noted = summary([20.0, 25.0], [19.5, float("nan")], [20.5, float("nan")], [None, "run more replications"])
    assert "1 interval(s) too wide to print" in str(width_note(noted, "throughput", 3))
    constant = summary([0.0, 5.0], [0.0, 4.9], [0.0, 5.1], ["0 in every replication", None])
    assert width_note(constant, "throughput", 3) is None       # a constant value is not a wide interval


def test_tornado_labels_keep_the_whole_path_with_the_site():
    from rackline.output.plots.sweep import tornado_plot
    t = pd.DataFrame({"parameter": ["sites.wisconsin.stations.integrate.servers", "sites.ohio.stations.cooling.servers"],
                      "unit": ["", ""], "low_value": [2, 1], "high_value": [4, 3], "at_low": [15.0, 22.0],
                      "at_high": [28.0, 22.5], "base": [22.5, 22.5], "swing": [13.0, 0.5]})
    fig = tornado_plot(t, "throughput (units/week)", "test")
    labels = [tick.get_text().split("\n") for tick in fig.axes[0].get_yticklabels()]
    paths = {"".join(line for line in lab[:-1]) for lab in labels}
    assert paths == set(t.parameter)


def test_local_dask_cluster_gives_the_same_results_as_the_process_pool(tmp_path):
    pytest.importorskip("distributed")
    sw = sweep_from_args(MINIMAL, ["sites.wisconsin.stations.l11_test.servers=1:3:3"], "oat", 2, 1, None,
                         ["throughput"])
    run_sweep(sw, tmp_path / "pool", jobs=2, plots=False)
    run_sweep(sw, tmp_path / "dask", jobs=2, scheduler="local-dask", plots=False)
    a, b = (pd.read_csv(tmp_path / n / "results.csv") for n in ("pool", "dask"))
    assert len(a) > 0
    pd.testing.assert_frame_equal(a, b)


NULL_PARAM = """
name: sobol_check
run: {horizon: 4 w, seed: 2}
items: {unit: {}, spare: {}, widget: {}}
suppliers:
  unused: {item: spare, region: overseas, lead_time: 6 w}
sites:
  s:
    inventories:
      spare: {policy: {type: base_stock, S: 5}, suppliers: {unused: 1}}
    stations:
      m: {output: unit, process_time: 1 h}
      w: {output: widget, inputs: {spare: 1}, process_time: 1 h}
demand:
  all: {item: unit, site: s, capacity: true}
  widgets: {item: widget, site: s, capacity: true}
"""


def test_sobol_ranks_a_parameter_that_cannot_matter_last(tmp_path):
    f = tmp_path / "sobol_check.yaml"
    f.write_text(NULL_PARAM)
    sw = sweep_from_args(f, ["sites.s.stations.m.process_time=1 h:3 h", "suppliers.unused.lead_time=1 w:10 w"],
                         "sobol", 1, 32, None, ["throughput:unit"])
    run_sweep(sw, tmp_path / "out", jobs=2)
    ix = pd.read_csv(tmp_path / "out" / "sobol_throughput_unit.csv").set_index("parameter")
    assert ix.loc["sites.s.stations.m.process_time", "ST"] > 0.9
    assert abs(ix.loc["suppliers.unused.lead_time", "ST"]) < 1e-9
    assert (tmp_path / "out" / "plots" / "sobol_throughput_unit.png").exists()


def test_sobol_analysis_of_an_additive_function():
    class D:  # a design stand-in: two uniform parameters on [0, 1]
        method, names = "sobol", ["a", "b"]
        problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0, 1], [0, 1]]}
    from SALib.sample import sobol
    X = sobol.sample(D.problem, 1024, calc_second_order=False, seed=3)
    y = 2 * X[:, 0] + X[:, 1]                  # Var = 4/12 + 1/12: S_a = 0.8, S_b = 0.2
    ix = indices(D, y, seed=3).set_index("parameter")
    assert ix.loc["a", "S1"] == pytest.approx(0.8, abs=0.05)
    assert ix.loc["b", "ST"] == pytest.approx(0.2, abs=0.05)


def test_morris_screening_runs_end_to_end(tmp_path):
    sw = sweep_from_args(MINIMAL, ["sites.wisconsin.stations.l11_test.servers=1:4",
                                   "suppliers.tray_maker.lead_time.mean=1 w:4 w"], "morris", 1, 4, None,
                         ["throughput"])
    run_sweep(sw, tmp_path / "m", jobs=2)
    ix = pd.read_csv(tmp_path / "m" / "morris_throughput.csv")
    assert set(ix.columns) >= {"parameter", "mu_star", "sigma"} and len(ix) == 2


def test_large_designs_need_yes_without_a_terminal(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("rackline.cli_planning.CONFIRM_ABOVE", 5)   # where confirm_large reads it
    code = main(["sweep", MINIMAL, "--reps", "2", "--out", str(tmp_path / "x"),
                 "--vary", "sites.wisconsin.stations.l11_test.servers=1:5:5"])
    assert code == 2 and "add --yes" in capsys.readouterr().err


def test_sweep_file_errors_are_located(tmp_path, capsys):
    f = tmp_path / "bad_sweep.yaml"
    f.write_text(f"scenario: {MINIMAL}\nmethod: grdi\nparameters:\n  sites.wisconsin.stations.l11_tset.servers:"
                 " {low: 1, high: 3}\n")
    assert main(["sweep", str(f)]) == 2
    err = capsys.readouterr().err
    assert f"{f}:2: at method: expected one of 'grid', 'oat', 'lhs', 'sobol' or 'morris', got 'grdi'" in err


def test_a_sweep_point_with_auto_warmup_measures_as_rackline_run(tmp_path):
    """`warmup: auto` is one rule: MSER-5 on the mean weekly output over the point's
    replications, so a sweep point's KPIs equal a run of the same scenario."""
    from rackline.analysis.warmup import auto_warmup
    from rackline.api import run
    from rackline.engine.network import run_replication
    f = tmp_path / "auto.yaml"
    f.write_text((SCENARIOS / "minimal.yaml").read_text().replace(
        'warmup: {value: 2 w,', 'warmup: {value: auto,'))
    path = "sites.wisconsin.stations.l11_test.servers"
    sw = sweep_from_args(f, [f"{path}=1:3:3"], "oat", 3, 1, 5, ["throughput"])
    run_sweep(sw, tmp_path / "s", jobs=2, plots=False)
    results = pd.read_csv(tmp_path / "s" / "results.csv")
    exp = pd.read_csv(tmp_path / "s" / "experiments.csv")
    point = exp.point[exp.overrides == f"{path}=2"].iloc[0]
    res = run(f, reps=3, seed=5, overrides={path: 2})
    assert res.warmup_method == "MSER-5"
    # the rule is about the point, not one replication: a single replication would cut differently
    assert any(auto_warmup([run_replication(res.scenario, r, 5)]) != res.warmup for r in range(3))
    got = results[results.point == point].set_index(["replication", "kpi", "subject"]).value
    want = res.replications.set_index(["replication", "kpi", "subject"]).value
    assert len(want) > 20
    pd.testing.assert_series_equal(got.loc[want.index], want, check_names=False)
