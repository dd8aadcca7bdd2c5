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
