"""rackline optimize: finds a grid's optimum in fewer evaluations, its constraint CIs
hold on fresh seeds, a killed search resumes to the same plan, bad files exit 2."""
from __future__ import annotations

import itertools
import signal
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import SCENARIOS, interrupt
from rackline.cli import main

# Two stations in series and a crew. Station a makes 28/week per server (6 h, 24/7),
# b 16.8/week per server (10 h) and each b server needs one person of the crew:
# >= 40/week needs a >= 2, b >= 3, crew >= 3, so the fewest resources are (2, 3, 3).
SMALL = """
name: opt_small
run: {horizon: 5 w, warmup: 1 w, seed: 3, replications: 2}
items: {half: {}, unit: {}}
sites:
  s:
    workforce: {crew: {size: 2}}
    stations:
      a: {output: half, servers: 1, process_time: {dist: uniform, low: 5.5 h, high: 6.5 h}}
      b: {output: unit, inputs: {half: 1}, servers: 1, crew: {pool: crew, size: 1},
          process_time: {dist: uniform, low: 9.5 h, high: 10.5 h}}
demand:
  all: {item: unit, site: s, capacity: true}
"""

PATHS = {"a": "sites.s.stations.a.servers", "b": "sites.s.stations.b.servers", "crew": "sites.s.workforce.crew.size"}
RANGES = {"a": (1, 4), "b": (1, 6), "crew": (1, 6)}


def _files(tmp_path: Path, trials: int = 60) -> Path:
    (tmp_path / "small.yaml").write_text(SMALL)
    spec = {
        "scenario": "small.yaml",
        "variables": {PATHS[k]: {"low": lo, "high": hi} for k, (lo, hi) in RANGES.items()},
        "constraints": ["throughput:unit >= 40 per week"],
        "objectives": [{"name": "servers", "minimize": {p: 1 for p in PATHS.values()}, "indifference": 0.5}],
        "trials": trials, "batch": 4, "startup_trials": 8, "replications": 3, "seed": 5,
        "final": {"candidates": 3, "replications": 6},
    }
    f = tmp_path / "opt.yaml"
    f.write_text(yaml.safe_dump(spec, sort_keys=False))
    return f


def _plan(out: Path) -> dict:
    doc = yaml.safe_load((out / "plan.yaml").read_text())
    st = doc["sites"]["s"]
    return {"a": st["stations"]["a"]["servers"]["value"], "b": st["stations"]["b"]["servers"]["value"],
            "crew": st["workforce"]["crew"]["size"]["value"]}


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("opt")
    f = _files(tmp)
    out = tmp / "out"
    assert main(["optimize", str(f), "--jobs", "2", "--out", str(out)]) == 0
    return f, out


def test_optimize_finds_the_grid_optimum_in_fewer_evaluations(searched, capsys):
    from rackline.experiments.optimize import load_optimize
    from rackline.experiments.optimize.evaluate import evaluate, violations
    f, out = searched
    problem = load_optimize(f)
    feasible = []
    grid = list(itertools.product(*(range(lo, hi + 1) for lo, hi in RANGES.values())))
    for a, b, crew in grid:   # the exhaustive grid, judged by the same one-sided bound
        if a + b + crew > 9:
            continue          # cheaper points are the only candidates for the optimum
        ov = {PATHS["a"]: a, PATHS["b"]: b, PATHS["crew"]: crew}
        sc = evaluate(problem, ov, problem.spec.replications, None)
        if all(v <= 0 for v in violations(problem.constraints, sc, problem.spec.confidence)):
            feasible.append((a + b + crew, a, b, crew))
    best = min(feasible)
    assert best[1:] == (2, 3, 3)
    assert _plan(out) == {"a": 2, "b": 3, "crew": 3}
    trials = pd.read_csv(out / "trials.csv")
    assert trials.simulated.sum() < len(grid)
    assert len(trials) == 60
    plan = pd.read_csv(out / "plan.csv")
    row = plan[plan.constraint == "throughput:unit >= 40 per week"].iloc[0]
    assert row.holds and row.one_sided_bound >= 40
    assert (out / "plots" / "convergence.png").stat().st_size > 10_000
    assert "Illustrative model" in (out / "report.html").read_text()


def test_the_plan_is_a_scenario_and_its_constraint_holds_on_fresh_seeds(searched):
    from rackline.experiments.replications import run_replications
    from rackline.scenario import load_scenario
    f, out = searched
    loaded = load_scenario(out / "plan.yaml")
    assert loaded.scenario.sites["s"].stations["b"].servers == 3
    res = run_replications(loaded, reps=8, seed=9_001)
    tp = res.replications.query("kpi == 'throughput' and subject == 'unit'").value.to_numpy()
    plan = pd.read_csv(out / "plan.csv").iloc[0]
    assert tp.mean() >= 40
    hw = plan.ci_high - plan["mean"]
    assert plan.ci_low - 2 * hw <= tp.mean() <= plan.ci_high + 2 * hw


def _finished(db: Path) -> int:
    if not db.exists():      # connecting would create it
        return 0
    try:
        with sqlite3.connect(db) as c:
            return c.execute("SELECT count(*) FROM trials WHERE state='COMPLETE'").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_killed_search_resumes_to_the_same_plan(searched, tmp_path):
    f, ref = searched
    out = tmp_path / "out"
    db = tmp_path / "out.study.db"
    code, err = interrupt(["optimize", str(f), "--jobs", "1", "--out", str(out)], tmp_path, signal.SIGKILL,
                          ready=lambda: _finished(db) >= 10)
    assert code == -signal.SIGKILL, err[-2000:]
    assert 10 <= _finished(db) < 60 and not out.exists()
    assert main(["optimize", str(f), "--out", str(out)]) == 2        # refuses to start over by accident
    assert main(["optimize", str(f), "--jobs", "2", "--out", str(out), "--resume"]) == 0
    assert _plan(out) == _plan(ref)
    a, b = (pd.read_csv(p / "trials.csv") for p in (out, ref))
    pd.testing.assert_frame_equal(a.drop(columns="simulated"), b.drop(columns="simulated"))
    pd.testing.assert_frame_equal(pd.read_csv(out / "plan.csv"), pd.read_csv(ref / "plan.csv"))


def test_bad_optimize_files_exit_2_with_the_line(tmp_path, capsys):
    f = _files(tmp_path)
    text = f.read_text().replace("throughput:unit >= 40 per week", "throughput:unit => 40")
    text = text.replace("sites.s.stations.b.servers", "sites.s.stations.bb.servers")
    f.write_text(text)
    assert main(["optimize", str(f), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    lines = text.splitlines()
    bad_var = next(i for i, s in enumerate(lines) if "stations.bb.servers" in s) + 1
    bad_con = next(i for i, s in enumerate(lines) if "=> 40" in s) + 1
    assert f"{f}:{bad_var}: at variables.sites.s.stations.bb.servers: expected a path in the scenario" in err
    assert f"{f}:{bad_con}: at constraints.0: expected 'kpi[:subject] >= value' or '<= value', got" in err
    assert "Traceback" not in err


def test_shipped_optimize_file_loads():
    from rackline.experiments.optimize import load_optimize
    p = load_optimize(SCENARIOS / "optimize" / "test_bays_and_technicians.yaml")
    assert [c.target for c in p.constraints] == [pytest.approx(40), 0.95]
    assert p.objectives[0].direction == "minimize" and len(p.variables) == 3


def test_capacity_start_is_what_the_capacity_table_says_is_needed(tmp_path):
    """At 40/week and 85% utilisation: a needs ceil(40/28/0.85) = 2 servers, b
    ceil(40/16.8/0.85) = 3 and the crew ceil(40 x 10 h / 168 h / 0.85) = 3 people: the
    grid optimum, found before any simulation."""
    from rackline.experiments.optimize import load_optimize
    from rackline.experiments.optimize.start import start_of
    f = _files(tmp_path)
    (tmp_path / "small.yaml").write_text(SMALL.replace("capacity: true", "rate: 40 per week"))
    start = start_of(load_optimize(f))
    assert start.source == "capacity" and start.uncovered == ()
    assert start.values == {PATHS["a"]: 2, PATHS["b"]: 3, PATHS["crew"]: 3}
    assert "what the capacity table says is needed at 85% utilisation" in start.describe()
    assert [list(c.values()) for c in start.candidates()] == [[2, 3, 3], [3, 3, 3], [2, 4, 3], [2, 3, 4]]
    (tmp_path / "small.yaml").write_text(SMALL.replace("capacity: true", "rate: 200 per week"))
    short = start_of(load_optimize(f))          # a needs 8 > 4 servers: the top of its range, flagged
    assert short.values[PATHS["a"]] == 4 and short.uncovered == (PATHS["a"], PATHS["b"], PATHS["crew"])
    (tmp_path / "small.yaml").write_text(SMALL)   # capacity mode: no load, no start
    assert start_of(load_optimize(f)).values == {}


def test_shipped_problem_starts_from_the_capacity_tables_needed_column(capsys):
    """One sizing rule: the start is `rackline capacity`'s `needed` for the base scenario,
    on each variable's grid (technicians move in steps of 6 from 24)."""
    import math

    from rackline.analysis.capacity import capacity_table
    from rackline.experiments.optimize import load_optimize
    from rackline.experiments.optimize.start import start_of
    from rackline.scenario import load_scenario
    p = load_optimize(SCENARIOS / "optimize" / "test_bays_and_technicians.yaml")
    start = start_of(p).values
    ct = capacity_table(load_scenario(SCENARIOS / "optimize" / "forty_a_week.yaml").scenario)
    need = {k: ct.needed_for(k) for k in start}
    cells, bays, people = (need[k] for k in start)
    assert list(start.values()) == [cells, bays, 24 + 6 * math.ceil((people - 24) / 6)]
    assert main(["capacity", str(SCENARIOS / "optimize" / "forty_a_week.yaml")]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[2:] if line.strip()}
    assert f" {cells:.0f} servers " in rows["wisconsin.integrate"] and f" {bays:.0f} servers " in rows["wisconsin.l11_test"]


def test_two_objectives_give_a_pareto_front_and_say_how_the_plan_was_chosen(tmp_path):
    """Fewest resources against most output: pareto.csv holds no dominated plan, every
    other feasible finalist is dominated by one on it, and the plan is its cheapest end."""
    f = _files(tmp_path, trials=16)
    spec = yaml.safe_load(f.read_text())
    spec["objectives"] = [{"name": "resources", "minimize": {p: 1 for p in PATHS.values()}},
                          {"name": "output", "maximize": "throughput:unit"}]
    spec.update(replications=2, start={PATHS["a"]: 2, PATHS["b"]: 3, PATHS["crew"]: 3},
                final={"candidates": 4, "replications": 4})
    f.write_text(yaml.safe_dump(spec, sort_keys=False))
    out = tmp_path / "out"
    assert main(["optimize", str(f), "--jobs", "1", "--out", str(out), "--no-plots"]) == 0
    trials = pd.read_csv(out / "trials.csv")
    assert tuple(trials.loc[trials.number == 0, list(PATHS.values())].iloc[0]) == (2, 3, 3)   # the file's start
    front = pd.read_csv(out / "pareto.csv")
    assert len(front) >= 1

    def dominates(x, y):
        return (x.resources <= y.resources and x.output >= y.output
                and (x.resources < y.resources or x.output > y.output))
    rows = list(front.itertuples())
    assert not any(dominates(x, y) for x in rows for y in rows)
    fin = pd.read_csv(out / "finalists.csv")
    on_front = set(front.trial)
    for r in fin[fin.feasible & ~fin.trial.isin(on_front)].itertuples():
        assert any(dominates(x, r) for x in rows)
    plan = _plan(out)
    chosen = fin[fin.chosen].iloc[0]
    assert chosen.trial in on_front
    assert {k: int(chosen[PATHS[k]]) for k in PATHS} == plan
    assert chosen.resources == front.resources.min()
    text = (out / "summary.txt").read_text()
    assert "chosen from the Pareto front" in text and "best resources (ties: output)" in text
    assert "no indifference-zone guarantee" in text and "Start: the file's plan" in text


@pytest.mark.parametrize("sig, jobs, code", [pytest.param(signal.SIGINT, "1", 130, marks=pytest.mark.slow),
                                             (signal.SIGTERM, "2", 143)])
def test_interrupted_search_says_how_to_resume_and_resumes_to_the_same_plan(searched, tmp_path, sig, jobs, code):
    f, ref = searched
    out = tmp_path / "out"
    db = tmp_path / "out.study.db"
    got, err = interrupt(["optimize", str(f), "--jobs", jobs, "--out", str(out)], tmp_path, sig,
                         ready=lambda: _finished(db) >= 8)
    assert got == code, err[-2000:]
    assert "rerun with --resume to finish" in err and "Traceback" not in err
    assert not out.exists() and 8 <= _finished(db) < 60
    assert main(["optimize", str(f), "--jobs", "2", "--out", str(out), "--resume"]) == 0
    assert _plan(out) == _plan(ref)
    pd.testing.assert_frame_equal(pd.read_csv(out / "plan.csv"), pd.read_csv(ref / "plan.csv"))


def test_validate_recognises_an_optimize_file(capsys):
    from conftest import SCENARIOS
    from rackline.cli import main
    assert main(["validate", str(SCENARIOS / "optimize" / "test_bays_and_technicians.yaml")]) == 0
    out = capsys.readouterr().out
    assert "ok (optimize test_bays_and_technicians: 3 variables, 2 constraints, 1 objective on" in out


def test_a_trial_cut_short_while_being_asked_is_completed_on_resume(searched, tmp_path):
    """The moment a kill can leave a trial half-stored: its proposal is enqueued, the
    ask has marked it running, not all its parameters are written. The resumed search
    must finish that trial with its proposal and end where an uninterrupted one does."""
    from rackline.experiments.optimize import load_optimize, study_db
    from rackline.experiments.optimize.search import distributions, open_study, propose, search
    f, ref = searched
    out = tmp_path / "out"
    problem = load_optimize(f)
    study = open_study(problem, study_db(out), resume=False)
    search(problem, study, 8, None)                        # two batches of four
    dists = distributions(problem)
    study.enqueue_trial(propose(study, problem, 8, None, dists))
    half = study.ask()                                     # running, no parameter stored yet
    assert half.number == 8 and half.params == {}
    assert main(["optimize", str(f), "--jobs", "2", "--out", str(out), "--resume"]) == 0
    assert _plan(out) == _plan(ref)
    a, b = (pd.read_csv(p / "trials.csv") for p in (out, ref))
    pd.testing.assert_frame_equal(a.drop(columns="simulated"), b.drop(columns="simulated"))


COSTS = """
costs:
  currency: USD
  labour:
    s.crew: {rate: "$50 per h"}
  stations:
    s.a: {capital_per_server: "$1M"}
    s.b: {capital_per_server: "$500k"}
  revenue:
    unit: {price: "$20k"}
"""


def _money_files(tmp_path: Path, objective: dict) -> Path:
    f = _files(tmp_path, trials=6)
    (tmp_path / "small.yaml").write_text(SMALL.replace("capacity: true", "rate: 40 per week") + COSTS)
    spec = yaml.safe_load(f.read_text())
    spec.update(objectives=[objective], startup_trials=4, replications=2, final={"candidates": 2, "replications": 3})
    f.write_text(yaml.safe_dump(spec, sort_keys=False))
    return f


def test_a_scenario_with_costs_is_optimised_and_reported_in_money(tmp_path, capsys):
    f = _money_files(tmp_path, {"name": "cost per rack", "minimize": "cost_per_rack:total", "indifference": "$1k"})
    out = tmp_path / "out"
    assert main(["optimize", str(f), "--jobs", "2", "--out", str(out), "--no-plots"]) == 0
    printed = capsys.readouterr().out
    assert "delta=$1k (cost per rack)" in printed
    for label in ("capex (stations' capital): $", "cost per good rack: $", "NPV over the horizon: $"):
        assert label in printed, label
    plan = _plan(out)
    money = pd.read_csv(out / "plan.csv").set_index("figure")
    assert money.loc["capex", "plan"] == 1e6 * plan["a"] + 5e5 * plan["b"]    # capital_per_server x servers
    assert money.loc["capex", "base"] == 1e6 + 5e5                          # the base has one of each
    assert money.loc["cost_per_rack:total", "plan"] > 0


def test_weights_on_variables_are_refused_when_the_scenario_has_costs(tmp_path, capsys):
    f = _money_files(tmp_path, {"name": "servers", "minimize": {p: 1 for p in PATHS.values()}})
    assert main(["optimize", str(f), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "objectives.0" in err and "expected an objective in money, since the scenario has costs:" in err


@pytest.mark.parametrize("where", ["search", "final re-runs"])
def test_an_interrupt_inside_a_trials_own_replications_keeps_the_search_resumable(tmp_path, monkeypatch, where):
    """With one job a trial's replications run in this process, and Ctrl-C there surfaces
    as the replications' RunInterrupted ("no results were written"), which the search took
    for a failure of its own: the message must say the study is kept and how to resume
    (CI caught it once the signal stopped landing in SQLAlchemy instead)."""
    from rackline.errors import RunInterrupted
    from rackline.experiments import running
    from rackline.experiments.optimize import load_optimize, run_optimize
    problem = load_optimize(_files(tmp_path))
    calls = {"n": 0}
    real = running.simulate
    stop_at = 5 if where == "search" else 10 ** 6

    def simulate(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == stop_at or calls.get("final"):
            raise RunInterrupted("stopped after 1 of 3 replications; no results were written")
        return real(*args, **kwargs)

    monkeypatch.setattr(running, "simulate", simulate)
    if where != "search":
        from rackline.experiments import optimize as opt
        real_select = opt.select

        def select(*args, **kwargs):
            calls["final"] = True
            return real_select(*args, **kwargs)
        monkeypatch.setattr(opt, "select", select)
    with pytest.raises(RunInterrupted) as info:
        run_optimize(problem, tmp_path / "out", jobs=1, trials=8)
    assert "rerun with --resume to finish" in str(info.value) and "no results were written" not in str(info.value)
