"""Bad input: every problem located and explained, exit code 2, never a traceback."""
from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main

BAD = Path(__file__).parent / "bad"

PINNED = {
    "four_problems.yaml": [
        "10: at sites.wi.stations.test.inputs.optix: expected a declared item (rack, tray), got 'optix'",
        "11: at sites.wi.stations.test.servers: expected a whole number >= 1, got -2",
        "12: at sites.wi.stations.test.yield: expected a fraction in [0, 1], got 1.4",
        "13: at sites.wi.stations.test.proces_time: expected a known key, got unknown key 'proces_time'; "
        "did you mean 'process_time'?",
    ],
    "syntax.yaml": ["5: expected valid YAML, got a syntax error: did not find expected ',' or ']'"],
    "empty.yaml": [": expected a scenario (name, items, sites, ...), got an empty file"],
    "units.yaml": [
        "2: at run.horizon: expected a duration with a unit, like '8 h', '3 d' or '2 w', got 52",
        "7: at sites.s.stations.st.process_time: expected a duration with a unit (min, h, d, w, y), like '8 h', "
        "got '8 hours later'",
        "9: at demand.d.rate: expected a rate like '40 per week' (per min, h, d, w or y), got '40 a week'",
    ],
    "split.yaml": ["9: at sites.s.inventories.optics: expected supplier shares summing to 1 (they sum to 0.9)"],
    "cycle.yaml": ["6: at sites.s.stations.test: expected a way into the cycle s/failed, s/untested (a station "
                   "making one of them from other inputs, a supplier or initial stock), got none"],
    "warmup.yaml": ["2: at run.warmup: expected a warm-up shorter than the horizon (672 h), got 1008 h"],
    "refs.yaml": [
        "6: at sites.s.stations.st.calendar: expected a declared calendar (none declared), got 'nightshift'",
        "8: at lanes.l.to: expected a declared site (s), got 'ohio'",
        "12: at disruptions.outage.supplier: expected a declared supplier (none declared), got 'optics_asia'",
    ],
}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_bad_file_reports_every_problem_exactly(name, capsys):
    path = BAD / name
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip().splitlines() == [f"{path}:{line}" if line[0].isdigit() else f"{path}{line}"
                                        for line in PINNED[name]]


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
    assert "--set: at sites.wisconsin.stations.l11_tset.servers: expected an existing path" in err
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
