"""Bad input: every problem located and explained, exit code 2, never a traceback."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rackline.cli import main

BAD = Path(__file__).parent / "bad"

EXPECTED = yaml.safe_load((BAD / "expected.yaml").read_text())


def test_the_corpus_is_large_and_every_file_is_pinned():
    files = {p.name for p in BAD.glob("*.yaml")} - {"expected.yaml"}
    assert len(files) >= 30
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_reports_every_problem_exactly(name, capsys, tmp_path):
    path = BAD / name
    args = ["sweep", str(path), "--out", str(tmp_path / "never")] if name.startswith("sweep_") else \
        ["validate", str(path)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip().splitlines() == [f"{path}{line}" for line in EXPECTED[name]]
    assert not (tmp_path / "never").exists()


def test_alias_bomb_is_refused_quickly(capsys):
    import time
    t0 = time.perf_counter()
    assert main(["validate", str(BAD / "bomb.yaml")]) == 2
    assert time.perf_counter() - t0 < 5
    assert "expected at most 200,000 values" in capsys.readouterr().err


def test_missing_file_is_bad_input(capsys):
    assert main(["validate", "no/such/file.yaml"]) == 2
    assert "no/such/file.yaml: expected an existing file" in capsys.readouterr().err


def test_bad_set_path_names_the_closest(capsys):
    scenario = str(Path(__file__).parents[1] / "scenarios" / "minimal.yaml")
    code = main(["assumptions", scenario, "--set", "sites.wisconsin.stations.l11_tset.servers=4"])
    assert code == 2
    err = capsys.readouterr().err
    assert ("--set sites.wisconsin.stations.l11_tset.servers=4: at sites.wisconsin.stations.l11_tset.servers: "
            "expected an existing path") in err
    assert "did you mean 'l11_test'?" in err


def test_set_with_a_bad_value_is_located(capsys):
    scenario = str(Path(__file__).parents[1] / "scenarios" / "minimal.yaml")
    assert main(["assumptions", scenario, "--set", "sites.wisconsin.stations.l11_test.servers=-1"]) == 2
    assert "at sites.wisconsin.stations.l11_test.servers: expected a whole number >= 1, got -1" in \
        capsys.readouterr().err


def test_a_mapping_used_as_a_key_is_located(tmp_path, capsys):
    f = tmp_path / "key.yaml"
    f.write_text("name: k\nitems:\n  {a: 1}: {}\n")
    assert main(["validate", str(f)]) == 2
    assert f"{f}:3: at items: expected a plain key, got a mapping or list as key" in capsys.readouterr().err


def _rackline(args: list[str], tmp_path, timeout: float = 60):
    """Run rackline in a subprocess with a hard time limit (a crash must not take pytest down)."""
    import subprocess
    import sys

    from conftest import ROOT
    return subprocess.run([sys.executable, "-m", "rackline", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def test_25000_nested_lists_are_refused_without_recursion(tmp_path):
    f = tmp_path / "deep.yaml"
    f.write_text("name: t\na: " + "[" * 25_000 + "]" * 25_000 + "\n")
    done = _rackline(["validate", str(f)], tmp_path, timeout=30)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == f"{f}:2: expected nesting at most 40 deep, got deeper"


def test_deep_list_in_set_names_the_flag(tmp_path):
    deep = "[" * 30_000 + "]" * 30_000
    done = _rackline(["run", str(Path(__file__).parents[1] / "scenarios" / "minimal.yaml"),
                      "--set", f"run.seed={deep}", "--out", str(tmp_path / "never")], tmp_path, timeout=30)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == f"--set run.seed={deep[:48]}...: at run.seed: expected nesting at most 40 deep, got deeper"


MINIMAL = str(Path(__file__).parents[1] / "scenarios" / "minimal.yaml")


@pytest.mark.parametrize("args, message", [
    (["run", MINIMAL, "--set", "sites.wisconsin.stations.l11_test.servers=four"],
     "--set sites.wisconsin.stations.l11_test.servers=four: at sites.wisconsin.stations.l11_test.servers: "
     "expected a whole number, got 'four'"),
    (["run", MINIMAL, "--set", "run.horizn=5 w"],
     "--set run.horizn=5 w: at run.horizn: expected a known key, got unknown key 'horizn'; did you mean 'horizon'?"),
    (["run", MINIMAL, "--set", "run.seed=!!int x"],
     "--set run.seed=!!int x: at run.seed: expected a value that fits its tag !!int, got 'x'"),
    (["compare", MINIMAL, "--variant", "more:run.sed=3"],
     "--variant run.sed=3: at run.sed: expected a known key, got unknown key 'sed'; did you mean 'seed'?"),
    (["sweep", MINIMAL, "--vary", "run.seed=1:3:x"],
     "--vary run.seed=1:3:x: at run.seed: expected PATH=LOW:HIGH[:STEPS] with STEPS a whole number"),
    (["sweep", MINIMAL, "--vary", "run.horizon=[:5 w"],
     "--vary run.horizon=[:5 w: at run.horizon: expected valid YAML, got a syntax error: while parsing a flow node, "
     "did not find expected node content"),
    (["sweep", MINIMAL, "--vary", "run.seed=3:1"],
     f"--vary run.seed=3:1 on {MINIMAL}: at run.seed: expected low <= high, got low 3 above high 1"),
    (["sweep", MINIMAL, "--vary", "run.seed=1:3", "--method", "sobol", "--samples", "10"],
     "--samples: at samples: expected a power of 2 for a sobol design (e.g. 8 or 16), got 10"),
    (["sweep", MINIMAL, "--vary", "run.seed=1:3", "--kpi", "thruput"],
     "--kpi: at kpis.0: expected a KPI name, got 'thruput'; did you mean 'throughput'?"),
])
def test_flag_problems_name_the_flag_and_its_text(args, message, capsys, tmp_path):
    assert main([*args, "--out", str(tmp_path / "never")]) == 2
    assert capsys.readouterr().err.strip() == message
    assert not (tmp_path / "never").exists()


def test_validate_recognises_a_sweep_file(capsys):
    good = Path(__file__).parents[1] / "scenarios" / "sweeps" / "baseline_uncertainty.yaml"
    assert main(["validate", str(good)]) == 0
    assert capsys.readouterr().out.startswith(f"{good}: ok (sweep baseline_uncertainty: oat, 6 parameters of ")
    assert main(["validate", str(BAD / "sweep_unknown_kpi.yaml")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"{BAD / 'sweep_unknown_kpi.yaml'}{line}" for line in EXPECTED["sweep_unknown_kpi.yaml"]]


def test_sweep_kpi_names_are_the_kpis_a_run_reports():
    from conftest import SCENARIOS
    from rackline.analysis.kpis import replication_kpis
    from rackline.engine.network import run_replication
    from rackline.kpi_names import KPI_NAMES
    from rackline.scenario import load_scenario
    loaded = load_scenario(SCENARIOS / "baseline.yaml", {"run.horizon": "4 w", "run.warmup": "0 h"})
    rep = run_replication(loaded.scenario, 0, 1)
    names = {r.kpi for r in replication_kpis(rep, 0.0).kpis}
    assert names <= set(KPI_NAMES) and {"build_time", "wip", "wip_family"} <= names


@pytest.mark.parametrize("name", ["source_zero_time.yaml", "interarrival_zero.yaml", "lanes_zero_transit_loop.yaml",
                                  "lane_every_tiny.yaml"])
def test_scenarios_that_would_never_finish_are_refused_before_running(name, tmp_path):
    done = _rackline(["run", str(BAD / name), "--out", str(tmp_path / "never")], tmp_path, timeout=30)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [f"{BAD / name}{line}" for line in EXPECTED[name]]


def test_a_sweep_file_given_as_a_scenario_and_the_reverse_are_named(capsys):
    sweep_file = Path(__file__).parents[1] / "scenarios" / "sweeps" / "baseline_uncertainty.yaml"
    assert main(["run", str(sweep_file)]) == 2
    assert capsys.readouterr().err.strip() == (f"{sweep_file}:1: expected a scenario, got a sweep file (it names a "
                                               "'scenario' and 'parameters'); run it with `rackline sweep`")
    assert main(["sweep", MINIMAL]) == 2
    assert capsys.readouterr().err.strip() == (f"{MINIMAL}:1: expected a sweep file (scenario, method, parameters), "
                                               "got a scenario; vary it with --vary PATH=LOW:HIGH[:STEPS]")


def test_capacity_mode_beside_orders_is_refused_only_on_the_same_stock(tmp_path, capsys):
    """tests/bad/capacity_beside_orders.yaml refuses both streams on one stock; at two sites
    each stream has its own stock (and station), so nothing is taken from the orders."""
    text = (Path(__file__).parent / "bad" / "capacity_beside_orders.yaml").read_text()
    text = text.replace("  s:\n    stations:\n      st: {output: a, process_time: 1 h}\n",
                        "  s:\n    stations:\n      st: {output: a, process_time: 1 h}\n"
                        "  s2:\n    stations:\n      st: {output: a, process_time: 1 h}\n")
    text = text.replace("spot: {item: a, site: s, capacity: true}", "spot: {item: a, site: s2, capacity: true}")
    path = tmp_path / "two_sites.yaml"
    path.write_text(text)
    assert main(["validate", str(path)]) == 0, capsys.readouterr().err
