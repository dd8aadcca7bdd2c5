"""Limits checked before work starts, and every failure a clean message (issue 31)."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from rackline.cli import main

ROOT = Path(__file__).parents[1]
MINIMAL = ROOT / "scenarios" / "minimal.yaml"


def scenario_file(tmp_path: Path, change, name: str = "case.yaml") -> Path:
    """minimal.yaml as plain data, changed by `change(data)`, written to tmp_path."""
    data = yaml.safe_load(MINIMAL.read_text())
    change(data)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


# ---- budgets before work -------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["minimal", "baseline", "national", "gen2_ramp", "workforce"])
def test_event_estimate_is_within_an_order_of_magnitude_of_the_engine(name):
    from rackline.experiments.task import remember, replicate
    from rackline.scenario import load_scenario
    from rackline.scenario.budget import estimate_events
    loaded = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    remember(loaded.data, loaded.scenario)
    actual = replicate(loaded.data, None, 0, 1).record.events
    est = estimate_events(loaded.scenario).events
    assert actual / 3 <= est <= actual * 10, (est, actual)


def test_capacity_mode_is_estimated_at_the_bottleneck_rate(tmp_path):
    from rackline.experiments.task import remember, replicate
    from rackline.scenario import load_scenario
    from rackline.scenario.budget import estimate_events

    def capacity_mode(d):
        d["demand"]["racks"] = {"item": "rack", "site": "wisconsin", "capacity": True}
        d["sites"]["wisconsin"]["stations"]["l11_test"]["servers"] = 30     # integrate binds: 38.8/week
    loaded = load_scenario(scenario_file(tmp_path, capacity_mode))
    remember(loaded.data, loaded.scenario)
    actual = replicate(loaded.data, None, 0, 1).record.events
    est = estimate_events(loaded.scenario)
    assert est.starts_per_hour == pytest.approx(2 * 38.8 / 168, rel=0.01)   # integrate and test at 38.8/week
    assert actual / 3 <= est.events <= actual * 10, (est.events, actual)


def test_estimate_grows_with_the_horizon(load_text):
    from rackline.scenario.budget import estimate_events
    short = load_text(MINIMAL.read_text(), {"run.horizon": "10 w"}).scenario
    long = load_text(MINIMAL.read_text(), {"run.horizon": "1000 w"}).scenario
    assert estimate_events(long).events == pytest.approx(100 * estimate_events(short).events)


def test_a_two_million_week_horizon_is_refused_at_once_with_the_estimate(tmp_path, capsys):
    path = scenario_file(tmp_path, lambda d: d["run"].update(horizon="2000000 w"))
    t0 = time.perf_counter()
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    assert time.perf_counter() - t0 < 1.5
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:") and ": at run.horizon: expected a run within run.max_events (100M events " \
                                          "a replication), got an estimated " in err
    assert "2000000 w x" in err and "--set run.max_events=" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()
    assert main(["validate", str(path)]) == 2        # validate says the same


def test_a_raised_budget_lets_the_long_run_through(tmp_path, capsys):
    path = scenario_file(tmp_path, lambda d: d["run"].update(horizon="2000000 w"))
    assert main(["validate", str(path), ]) == 2
    err = capsys.readouterr().err
    flag = err.split("(--set ")[1].rstrip(")\n")
    path2 = scenario_file(tmp_path, lambda d: d["run"].update(horizon="2000000 w",
                                                               max_events=int(flag.split("=")[1])), "ok.yaml")
    assert main(["validate", str(path2)]) == 0


def test_a_million_point_sweep_is_refused_before_the_design_is_built(tmp_path, capsys, monkeypatch):
    import rackline.experiments.sweep.design as design
    monkeypatch.setattr(design, "build", lambda sweep: pytest.fail("the design was built"))
    t0 = time.perf_counter()
    code = main(["sweep", str(MINIMAL), "--method", "grid", "--vary", "run.seed=1:100000000:1000000",
                 "--out", str(tmp_path / "sw")])
    assert time.perf_counter() - t0 < 1.5
    assert code == 2
    err = capsys.readouterr().err
    assert "grid design of up to 1,000,000 points x 2 replications = 2,000,000 runs is a large design (about " in err
    assert "add --yes" in err
    assert not (tmp_path / "sw").exists()


@pytest.mark.parametrize("method,samples,expected", [("grid", 16, 3 * 4), ("oat", 16, 1 + 3 + 4), ("lhs", 16, 16),
                                                      ("sobol", 16, 16 * 4), ("morris", 5, 5 * 3)])
def test_design_size_bounds_the_built_design(method, samples, expected):
    from rackline.experiments.sweep import build, sweep_from_args
    from rackline.experiments.sweep.design import design_size
    sw = sweep_from_args(MINIMAL, ["sites.wisconsin.stations.integrate.servers=1:3:3",
                                   "suppliers.tray_maker.lead_time.mean=1 w:4 w:4"], method, 1, samples, 1,
                         ["throughput"])
    assert design_size(sw) == expected
    assert len(build(sw).overrides) <= expected
    if method != "oat":      # oat leaves out a value equal to the base
        assert len(build(sw).overrides) == expected


# ---- resources within reason ---------------------------------------------------------------------
def test_jobs_are_capped_at_the_tasks_and_the_cores():
    from rackline.experiments.executors import CORES_MULTIPLE, cores, usable_jobs
    assert usable_jobs(10000, 2) == (2, "Note: --jobs 10000 capped at 2 (2 tasks to run)")
    assert usable_jobs(2, 10) == (2, None)
    n, note = usable_jobs(10000, None)
    assert n == CORES_MULTIPLE * cores() and note is not None and "cores" in note


def test_ten_thousand_jobs_for_two_replications_start_two_workers(tmp_path, capsys, monkeypatch):
    import rackline.experiments.executors as executors
    sizes = []
    real = executors.Pool.__init__

    def spy(self, max_workers=None, **kw):
        sizes.append(max_workers)
        real(self, max_workers=max_workers, **kw)
    monkeypatch.setattr(executors.Pool, "__init__", spy)
    assert main(["run", str(MINIMAL), "--jobs", "10000", "--reps", "2", "--no-plots", "--out", str(tmp_path / "o")]) == 0
    assert sizes == [2, 1]      # the replications' pool, then the one worker writing the workbook
    assert "Note: --jobs 10000 capped at 2 (2 tasks to run)" in capsys.readouterr().out


def _no_children_left():
    import multiprocessing
    deadline = time.monotonic() + 5
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.1)
    return multiprocessing.active_children() == []


def test_a_failed_fork_ends_the_run_in_seconds_with_exit_1_and_no_orphan(tmp_path, capsys, monkeypatch):
    import multiprocessing.popen_fork as popen_fork
    launch = popen_fork.Popen._launch
    forks = []

    def second_fork_fails(self, process_obj):
        forks.append(1)
        if len(forks) > 1:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        return launch(self, process_obj)
    monkeypatch.setattr(popen_fork.Popen, "_launch", second_fork_fails)
    t0 = time.perf_counter()
    code = main(["run", str(MINIMAL), "--jobs", "3", "--reps", "3", "--no-plots", "--out", str(tmp_path / "o")])
    assert time.perf_counter() - t0 < 10
    assert code == 1
    err = capsys.readouterr().err
    assert err.strip() == ("could not start worker process 2 of 3 (BlockingIOError: Resource temporarily "
                           "unavailable); try fewer --jobs")
    assert _no_children_left()
    assert not (tmp_path / "o").exists()


def _dies(*args, **kwargs):
    import os
    os._exit(9)


def test_a_dead_worker_ends_the_run_with_a_clean_message(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("rackline.experiments.running.replicate", _dies)
    code = main(["run", str(MINIMAL), "--jobs", "2", "--reps", "2", "--no-plots", "--out", str(tmp_path / "o")])
    assert code == 1
    err = capsys.readouterr().err
    assert "a worker process ended abruptly after 0 of 2 replications (killed, or out of memory?); no results " \
           "were written" in err and "Traceback" not in err
    assert _no_children_left()


def test_a_dead_sweep_worker_keeps_what_is_stored(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("rackline.experiments.sweep.execute.replicate", _dies)
    code = main(["sweep", str(MINIMAL), "--vary", "sites.wisconsin.stations.integrate.servers=1:2:2",
                 "--jobs", "2", "--no-plots", "--out", str(tmp_path / "sw")])
    assert code == 1
    err = capsys.readouterr().err
    assert "a worker process ended abruptly (killed, or out of memory?); 0 of " in err and "--resume" in err
    assert _no_children_left()


# ---- degenerate but valid scenarios finish --------------------------------------------------------
def _zero_rate(d):
    d["demand"]["racks"]["rate"] = "0 per week"


def _zero_schedule(d):
    d["demand"]["racks"].pop("rate")
    d["demand"]["racks"]["schedule"] = [{"from": "0 w", "rate": "0 per week"}]


def _demand_after_the_horizon(d):
    d["demand"]["racks"].pop("rate")
    d["demand"]["racks"]["schedule"] = [{"from": "0 w", "rate": "0 per week"}, {"from": "100 w", "rate": "10 per week"}]


def _capacity_mode_with_the_test_down_throughout(d):
    d["demand"]["racks"].pop("rate")
    d["demand"]["racks"].pop("due")
    d["demand"]["racks"]["capacity"] = True
    d["disruptions"] = {"flood": {"station": "wisconsin.l11_test", "at": "0 w", "duration": "100 w", "capacity": 0}}


def _capacity_mode_with_no_stock_and_no_supplier(d):
    d["demand"]["racks"].pop("rate")
    d["demand"]["racks"].pop("due")
    d["demand"]["racks"]["capacity"] = True
    inv = d["sites"]["wisconsin"]["inventories"]["compute_tray"]
    inv["initial"] = 0


def _a_product_nobody_orders(d):
    d["items"]["rack_b"] = {"family": "rack", "unit": "rack"}
    d["sites"]["wisconsin"]["stations"]["test_b"] = {
        "output": "rack_b", "inputs": {"rack_untested": 1}, "servers": 1, "process_time": "30 h"}
    d["demand"]["b_orders"] = {"item": "rack_b", "site": "wisconsin", "rate": "0 per week"}


def _zero_demand_and_auto_warmup(d):
    _zero_rate(d)
    d["run"]["warmup"] = "auto"


PATHOLOGICAL = [_zero_rate, _zero_schedule, _demand_after_the_horizon, _capacity_mode_with_the_test_down_throughout,
                _capacity_mode_with_no_stock_and_no_supplier, _a_product_nobody_orders, _zero_demand_and_auto_warmup]


@pytest.mark.parametrize("change", PATHOLOGICAL, ids=lambda f: f.__name__.strip("_"))
def test_a_degenerate_scenario_finishes_in_every_command(change, tmp_path, capsys):
    def small(d):
        change(d)
        d["run"]["horizon"] = "12 w"
        if d["run"].get("warmup") != "auto":
            d["run"]["warmup"] = "1 w"
    path = scenario_file(tmp_path, small)
    for args in (["run", str(path), "--reps", "2", "--no-plots", "--out", str(tmp_path / "run")],
                 ["capacity", str(path)],
                 ["compare", str(path), "--reps", "2", "--no-plots", "--out", str(tmp_path / "cmp"),
                  "--variant", "more:sites.wisconsin.stations.l11_test.servers=4"],
                 ["sweep", str(path), "--reps", "1", "--jobs", "1", "--no-plots", "--out", str(tmp_path / "sw"),
                  "--vary", "sites.wisconsin.stations.integrate.servers=1:2:2"]):
        code = main(args)
        out, err = capsys.readouterr()
        assert code == 0, (args[0], err)
        assert "failed" not in err and "Traceback" not in err, (args[0], err)
        assert "path to ." not in out and ": ," not in out and " nan" not in out, (args[0], out)
        if args[0] == "sweep":
            assert "none failed" in out, out
        if args[0] == "run" and "capacity_mode" not in change.__name__:
            assert "in the horizon" in out and "weeks 12–12" not in out


def test_no_demand_says_so_instead_of_naming_a_constraint(tmp_path, capsys):
    path = scenario_file(tmp_path, _zero_rate)
    assert main(["run", str(path), "--reps", "2", "--no-plots", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "No demand for rack in the horizon; output 0/week" in out
    assert ("Constraint: none (no demand for rack in the horizon); first to bind if demand came: "
            "station wisconsin.l11_test at 16.8 racks/week of rack") in out      # 3 servers x 168 h / 30 h
    assert "Next constraint" not in out and "WARNING: no rack was made" not in out and "never worked" not in out
    assert "Bottleneck: none (no demand in the horizon" in out
    assert main(["capacity", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("No demand in the horizon (every demand rate is 0 or none is declared); capacities at "
                          "an equal mix of rack\n")
    assert ("No demand in the horizon; if demand came at an equal mix, station wisconsin.l11_test would bind first "
            "at 16.8 rack/week") in out


# ---- disk full and I/O errors ---------------------------------------------------------------------
def _full_disk(*args, **kwargs):
    import errno
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_ends_the_run_with_the_folder_and_the_space(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("pandas.DataFrame.to_csv", _full_disk)
    out = tmp_path / "o"
    assert main(["run", str(MINIMAL), "--reps", "2", "--no-plots", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{out}: could not write (No space left on device); ")
    assert " free on its disk, about " in err and " needed; no results were written" in err
    assert "rackline failed" not in err and len(err.strip().splitlines()) == 1
    assert not out.exists() and list(tmp_path.iterdir()) == []      # no partial folder either


def test_a_full_disk_mid_sweep_leaves_a_closed_store_and_nothing_complete(tmp_path, capsys, monkeypatch):
    import sqlite3

    from rackline.experiments.sweep.store import Store
    real = Store.commit_point
    commits = []

    def fills_up(self, point, tasks):
        commits.append(point)
        if len(commits) > 1:
            self.db.execute("BEGIN")        # a transaction under way when the disk fills
            raise sqlite3.OperationalError("database or disk is full")
        real(self, point, tasks)
    monkeypatch.setattr(Store, "commit_point", fills_up)
    out = tmp_path / "sw"
    code = main(["sweep", str(MINIMAL), "--vary", "sites.wisconsin.stations.integrate.servers=1:3:3", "--reps", "1",
                 "--jobs", "1", "--no-plots", "--out", str(out)])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{out}: could not write (disk is full); ") and "rerun with --resume" in err
    assert sorted(p.name for p in out.iterdir()) == ["sweep.db"]      # no -wal, -shm, -journal, manifest
    st = Store(out / "sweep.db")
    assert len(st.done()) == 1        # the point committed before the disk filled, whole
    st.close()


# ---- one located message per mistake --------------------------------------------------------------
def test_a_latin1_file_is_refused_with_the_byte_position(tmp_path, capsys):
    f = tmp_path / "cafe.yaml"
    f.write_bytes(b"name: x\ndescription: caf\xe9\n")
    assert main(["validate", str(f)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"{f}:2: expected UTF-8 text, got byte 0xe9 at byte 24 (column 17) that is not UTF-8: binary, or another "
        "encoding such as Latin-1; save the file as UTF-8")


def test_a_negative_amount_reads_as_english(load_text):
    from rackline.errors import ScenarioError
    with pytest.raises(ScenarioError) as exc:
        load_text((ROOT / "scenarios" / "baseline.yaml").read_text(), {"costs.revenue.rack_gen1.salvage": -5})
    assert "expected an amount >= 0" in str(exc.value) and "a amount" not in str(exc.value)


def test_a_negative_tariff_gives_one_message(tmp_path, capsys):
    f = tmp_path / "neg.yaml"
    f.write_text(f"extends: {ROOT / 'scenarios' / 'tariff_shock.yaml'}\nname: neg\ncosts:\n  tariffs:\n    overseas:\n"
                 "      - {from: 0 w, rate: -10%}\n      - {from: 20 w, rate: 35%}\n")
    assert main(["validate", str(f)]) == 2
    assert capsys.readouterr().err.strip() == (f"{f}:6: at costs.tariffs.overseas.0.rate: expected a percentage "
                                               ">= 0, got '-10%'")


def test_a_vary_error_names_the_flag_and_the_scenario_file(tmp_path, capsys):
    code = main(["sweep", str(MINIMAL), "--vary", "sites.wisconsin.stations.nope.servers=1:3",
                 "--out", str(tmp_path / "x")])
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        f"--vary sites.wisconsin.stations.nope.servers=1:3 on {MINIMAL}: at sites.wisconsin.stations.nope.servers: "
        f"expected a path in {MINIMAL}, got no 'nope' under sites.wisconsin.stations; valid keys here: integrate, "
        "l11_test")


# ---- refuse what can never work -------------------------------------------------------------------
def test_a_sweep_reaching_servers_0_is_refused_before_any_run(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("rackline.experiments.sweep.execute.replicate", lambda *a, **k: pytest.fail("a run started"))
    code = main(["sweep", str(MINIMAL), "--vary", "sites.wisconsin.stations.integrate.servers=0:3:4",
                 "--out", str(tmp_path / "sw")])
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        f"--vary sites.wisconsin.stations.integrate.servers=0:3:4 on {MINIMAL}: at "
        "sites.wisconsin.stations.integrate.servers: expected values the scenario accepts, got 0 (expected a whole "
        "number >= 1)")
    assert not (tmp_path / "sw").exists()


def test_a_sweep_file_with_a_warmup_past_the_horizon_is_refused_at_its_line(tmp_path, capsys):
    f = tmp_path / "s.yaml"
    f.write_text(f"scenario: {MINIMAL}\nmethod: grid\nparameters:\n  run.seed: {{values: [1, 2]}}\n"
                 "  run.warmup: {values: [1 w, 30 w]}\n")
    assert main(["sweep", str(f), "--out", str(tmp_path / "sw")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"{f}:5: at parameters.run.warmup: expected values the scenario accepts, got '30 w' (expected a warm-up "
        "shorter than the horizon (4368 h))")


def test_an_optimize_range_reaching_servers_0_is_refused(tmp_path, capsys):
    src = (ROOT / "scenarios" / "optimize" / "test_bays_and_technicians.yaml").read_text()
    f = tmp_path / "opt.yaml"
    f.write_text(src.replace("scenario: forty_a_week.yaml", f"scenario: {ROOT / 'scenarios/optimize/forty_a_week.yaml'}")
                 .replace("integrate.servers: {low: 3, high: 10}", "integrate.servers: {low: 0, high: 10}"))
    assert main(["optimize", str(f), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith(": at variables.sites.wisconsin.stations.integrate.servers: expected values the scenario "
                        "accepts, got 0 (expected a whole number >= 1)") and len(err.splitlines()) == 1


def test_an_output_nothing_takes_is_refused(tmp_path, capsys):
    def orphan(d):
        d["items"]["spare"] = {"unit": "kit"}
        d["sites"]["wisconsin"]["stations"]["kits"] = {"output": "spare", "inputs": {"compute_tray": 1},
                                                      "process_time": "1 h"}
    path = scenario_file(tmp_path, orphan)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith(": at sites.wisconsin.stations.kits.output: expected output that a station, lane or demand "
                        "at site 'wisconsin' takes, got 'spare', which nothing consumes and no demand asks for (it "
                        "would pile up for ever); add a demand or a lane for it, or remove the station")
    assert len(err.splitlines()) == 1


def test_failed_units_nothing_takes_are_refused(tmp_path, capsys):
    def orphan(d):
        d["items"]["rack_failed"] = {"unit": "rack"}
        d["sites"]["wisconsin"]["stations"]["l11_test"].update({"yield": 0.9, "fail_to": "rack_failed"})
    path = scenario_file(tmp_path, orphan)
    assert main(["validate", str(path)]) == 2
    assert ": at sites.wisconsin.stations.l11_test.fail_to: expected failed units that a station, lane or demand " \
           "at site 'wisconsin' takes, got 'rack_failed'" in capsys.readouterr().err
