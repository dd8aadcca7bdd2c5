"""The commands users type: validate, assumptions, schema, run."""
from __future__ import annotations

import io
import json

import jsonschema
import pandas as pd
import pytest
import yaml

from conftest import SCENARIOS
from rackline.cli import main

SHIPPED = sorted(SCENARIOS.glob("*.yaml"))


def test_every_shipped_scenario_validates(capsys):
    assert main(["validate", *map(str, SHIPPED)]) == 0
    assert capsys.readouterr().out.count(": ok (") == len(SHIPPED)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_scenarios_annotate_every_parameter(path, capsys):
    assert main(["assumptions", str(path), "--csv"]) == 0
    reg = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert len(reg) > 10
    assert reg.has_note.all(), reg[~reg.has_note].path.tolist()


def test_assumptions_csv_rows_carry_units(capsys):
    assert main(["assumptions", str(SCENARIOS / "baseline.yaml"), "--csv"]) == 0
    reg = pd.read_csv(io.StringIO(capsys.readouterr().out)).set_index("path")
    row = reg.loc["sites.wisconsin.stations.l11_test.process_time.mean"]
    assert (row.value, row.base_value, row.unit) == ("36 h", 36.0, "h")
    assert reg.loc["sites.wisconsin.stations.l11_test.servers"].unit == "servers"
    assert reg.loc["demand.openai_gen1.schedule.0.rate"].base_value == pytest.approx(10.0)
    assert reg.loc["sites.texas.inventories.optics.suppliers.optics_asia"].unit == "share"


def test_assumptions_flags_values_without_note(tmp_path, capsys):
    f = tmp_path / "plain.yaml"
    f.write_text("name: plain\nitems: {a: {}}\nsites:\n  s:\n    stations:\n"
                 "      st: {output: a, servers: 2, process_time: {value: 1 h, note: GUESS}}\n"
                 "demand:\n  d: {item: a, site: s, capacity: true}\n")
    assert main(["assumptions", str(f)]) == 0
    out = capsys.readouterr().out
    assert "NO NOTE" in out and "1 without a note" in out


def test_schema_validates_the_shipped_scenarios(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    for path in SHIPPED:
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"name": "x", "items": {}, "sites": {}, "bogus": 1}, schema)


def test_run_writes_a_complete_folder_and_is_reproducible(tmp_path, capsys):
    args = ["run", str(SCENARIOS / "minimal.yaml"), "--reps", "2", "--no-plots"]
    assert main(args + ["--out", str(tmp_path / "a")]) == 0
    assert main(args + ["--out", str(tmp_path / "b"), "--jobs", "2"]) == 0
    out = capsys.readouterr().out
    assert "Throughput rack:" in out and "Bottleneck:" in out
    a, b = tmp_path / "a", tmp_path / "b"
    for name in ("manifest.json", "scenario.yaml", "assumptions.csv", "kpis.csv", "stations.csv",
                 "replications.csv", "timeseries.csv", "welch.csv"):
        assert (a / name).stat().st_size > 0, name
    assert sorted(p.name for p in a.iterdir()) == sorted(p.name for p in b.iterdir())
    for f in a.iterdir():       # --jobs 2: other processes, a worker writing the workbook; the same files
        if f.name not in ("manifest.json", "results.xlsx"):
            assert f.read_bytes() == (b / f.name).read_bytes(), f.name
    book_a, book_b = (pd.read_excel(d / "results.xlsx", sheet_name=None) for d in (a, b))
    assert list(book_a) == list(book_b) and all(book_a[k].equals(book_b[k]) for k in book_a)
    manifest = json.loads((a / "manifest.json").read_text())
    assert manifest["complete"] and manifest["replications"] == 2 and manifest["seed"] == 7
    kpis = pd.read_csv(a / "kpis.csv")
    assert list(kpis.columns) == ["kpi", "subject", "unit", "mean", "ci_low", "ci_high", "half_width", "n",
                                  "ci_method", "ci_note"]
    assert not list(tmp_path.glob(".partial-*"))


def test_run_with_set_override_changes_the_result_and_records_it(tmp_path, capsys):
    base = ["run", str(SCENARIOS / "minimal.yaml"), "--reps", "1", "--no-plots"]
    assert main(base + ["--out", str(tmp_path / "a")]) == 0
    assert main(base + ["--out", str(tmp_path / "b"), "--set", "sites.wisconsin.stations.l11_test.servers=1"]) == 0
    ka = pd.read_csv(tmp_path / "a" / "kpis.csv").set_index(["kpi", "subject"])
    kb = pd.read_csv(tmp_path / "b" / "kpis.csv").set_index(["kpi", "subject"])
    assert kb.loc[("throughput", "rack"), "mean"] < ka.loc[("throughput", "rack"), "mean"]
    reg = pd.read_csv(tmp_path / "b" / "assumptions.csv").set_index("path")
    assert reg.loc["sites.wisconsin.stations.l11_test.servers"].note.startswith("OVERRIDE: set to 1 (was 3)")
    assert json.loads((tmp_path / "b" / "manifest.json").read_text())["overrides"] == {
        "sites.wisconsin.stations.l11_test.servers": 1}


def test_unexpected_errors_exit_1_with_a_saved_traceback(monkeypatch, capsys):
    import rackline.experiments.replications as replications
    monkeypatch.setattr(replications, "run_replications", lambda *a, **k: 1 / 0)
    assert main(["run", str(SCENARIOS / "minimal.yaml"), "--no-plots"]) == 1
    err = capsys.readouterr().err
    assert "rackline failed: ZeroDivisionError" in err and "traceback saved to" in err
    assert "Traceback" not in err


def test_help_teaches(capsys):
    main(["run", "--help"])
    out = capsys.readouterr().out
    for flag in ("--reps", "--seed", "--set", "--out", "--jobs", "--precision"):
        assert flag in out


def test_readme_key_reference_is_generated_from_the_schema():
    from conftest import ROOT
    from rackline.scenario.reference import reference
    assert reference() in (ROOT / "README.md").read_text(), "run: python -m rackline.scenario.reference, paste into README.md"


def test_run_prints_each_override_with_the_value_it_replaced(capsys, tmp_path):
    from conftest import SCENARIOS
    assert main(["run", str(SCENARIOS / "minimal.yaml"), "--reps", "1", "--no-plots", "--out", str(tmp_path / "o"),
                 "--set", "sites.wisconsin.stations.l11_test.servers=4"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "Set sites.wisconsin.stations.l11_test.servers = 4 (was 3)"


def test_an_option_decided_once_is_compared_at_its_schedule_from_the_decision(capsys, tmp_path):
    from conftest import SCENARIOS
    assert main(["run", str(SCENARIOS / "minimal.yaml"), "--reps", "2", "--no-plots", "--out", str(tmp_path / "o"),
                 "--set", "demand.racks.option={probability: 1, at: 4 w}", "--set", "demand.racks.rate=20 per w"]) == 0
    out = capsys.readouterr().out
    assert 'Set demand.racks.option = {"probability": 1, "at": "4 w"} (new)' in out
    assert ("Demand exceeds output: rack demand if the option decided at week 4 is exercised (100% chance) "
            "reaches 20/week from week 4") in out


def test_make_demo_prints_no_warning(tmp_path, capsys):
    """`make demo` = validate every shipped scenario, then run the baseline: nothing to warn about
    (gen2_ramp's kit reorder point was below its lead-time demand and is now above it)."""
    assert main(["validate", *map(str, SHIPPED)]) == 0
    assert main(["run", str(SCENARIOS / "baseline.yaml"), "--no-plots", "--out", str(tmp_path / "b")]) == 0
    printed = capsys.readouterr()
    assert "warning" not in (printed.out + printed.err).lower()
