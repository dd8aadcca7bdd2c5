"""The assumption register a planner reads and edits: a table that fits a terminal,
filters, and a workbook whose edited cells come back as overrides, equal to `--set`."""
from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from conftest import SCENARIOS
from rackline.cli import main

MINIMAL = str(SCENARIOS / "minimal.yaml")
SERVERS = "sites.wisconsin.stations.l11_test.servers"
TEST_MEAN = "sites.wisconsin.stations.l11_test.process_time.mean"


def _export(tmp_path, capsys, *extra: str):
    book = tmp_path / "reg.xlsx"
    assert main(["assumptions", MINIMAL, "--xlsx", str(book), *extra]) == 0
    capsys.readouterr()
    return book


def _edit(book, cells: dict[str, object]) -> dict[str, str]:
    """Set the value cell of each path with openpyxl, as a planner's spreadsheet would;
    returns path -> cell coordinate."""
    wb = openpyxl.load_workbook(book)
    ws = wb["assumptions"]
    where = {}
    for row in ws.iter_rows(min_row=2):
        if row[0].value in cells:
            row[1].value = cells[row[0].value]
            where[row[0].value] = row[1].coordinate
    wb.save(book)
    assert set(where) == set(cells)
    return where


def test_guess_table_of_the_baseline_fits_100_columns_and_has_no_empty_column(capsys):
    assert main(["assumptions", str(SCENARIOS / "baseline.yaml"), "--guess"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(map(len, lines)) <= 100
    assert lines[0].split() == ["path", "value", "note"]
    table = lines[1:lines.index("")]
    assert table and all(" GUESS" in ln or "FACTS.md" in ln or "…" in ln for ln in table)


def test_filters_narrow_the_register_and_agree_with_the_csv(capsys):
    baseline = str(SCENARIOS / "baseline.yaml")
    assert main(["assumptions", baseline, "--csv"]) == 0
    full = pd.read_csv(io.StringIO(capsys.readouterr().out), keep_default_na=False)
    assert main(["assumptions", baseline, "--csv", "--site", "ohio", "--grep", "SERVERS|process_time"]) == 0
    got = pd.read_csv(io.StringIO(capsys.readouterr().out), keep_default_na=False)
    want = full[full.path.str.contains("ohio") & full.path.str.contains("servers|process_time")]
    assert sorted(got.path) == sorted(want.path) and len(got) >= 4
    assert main(["assumptions", baseline, "--csv", "--guess"]) == 0
    guesses = pd.read_csv(io.StringIO(capsys.readouterr().out), keep_default_na=False)
    assert len(guesses) == full.note.str.contains("GUESS").sum() < len(full)


def test_changed_lists_what_differs_from_the_extends_base(capsys):
    # localization.yaml extends the baseline; the rows it changes are the ones whose value differs
    assert main(["assumptions", str(SCENARIOS / "localization.yaml"), "--csv", "--changed"]) == 0
    changed = pd.read_csv(io.StringIO(capsys.readouterr().out), keep_default_na=False).set_index("path")
    assert main(["assumptions", str(SCENARIOS / "baseline.yaml"), "--csv"]) == 0
    base = pd.read_csv(io.StringIO(capsys.readouterr().out), keep_default_na=False).set_index("path")
    assert len(changed) > 0
    for path, row in changed.iterrows():
        assert path not in base.index or base.loc[path, "value"] != row.value
    assert main(["assumptions", str(SCENARIOS / "baseline.yaml"), "--changed"]) == 2
    assert "--changed: expected a scenario with `extends:`" in capsys.readouterr().err


def test_an_edited_register_gives_the_same_results_as_the_equivalent_set_flags(tmp_path, capsys):
    book = _export(tmp_path, capsys)
    cells = _edit(book, {SERVERS: 2, TEST_MEAN: "26 h"})
    common = ["run", MINIMAL, "--reps", "2", "--no-plots", "--seed", "11"]
    assert main(common + ["--out", str(tmp_path / "flags"), "--set", f"{SERVERS}=2", "--set", f"{TEST_MEAN}=26 h"]) == 0
    capsys.readouterr()
    assert main(common + ["--out", str(tmp_path / "book"), "--assumptions", str(book)]) == 0
    out = capsys.readouterr().out
    assert f"Set {SERVERS} = 2 (was 3) from reg.xlsx, sheet assumptions, cell {cells[SERVERS]}" in out
    assert f"Set {TEST_MEAN} = 26 h (was 30 h) from reg.xlsx" in out
    for name in ("kpis.csv", "replications.csv", "stations.csv"):
        assert (tmp_path / "flags" / name).read_bytes() == (tmp_path / "book" / name).read_bytes(), name
    # and the edit moved the answer: the workbook was not ignored
    assert main(common + ["--out", str(tmp_path / "plain")]) == 0
    assert (tmp_path / "plain" / "kpis.csv").read_bytes() != (tmp_path / "book" / "kpis.csv").read_bytes()


def test_an_unedited_register_changes_nothing(tmp_path, capsys):
    from rackline.scenario import load_scenario
    from rackline.scenario.register_xlsx import apply_edits, read_edits
    book = _export(tmp_path, capsys)
    assert read_edits(book) == []
    loaded, applied = apply_edits(MINIMAL, read_edits(book))
    assert applied == [] and loaded.data == load_scenario(MINIMAL).data


@pytest.mark.parametrize("path, value, message", [
    (TEST_MEAN, 30, "expected a value with its unit, like '30 h', got 30"),
    ("sites.wisconsin.inventories.compute_tray.suppliers.tray_maker", 1.2, "expected a share between 0 and 1, got 1.2"),
    (SERVERS, -1, "expected a whole number >= 1"),
])
def test_a_bad_cell_is_refused_with_its_sheet_row_and_column(tmp_path, capsys, path, value, message):
    book = _export(tmp_path, capsys)
    cell = _edit(book, {path: value})[path]
    assert main(["run", MINIMAL, "--assumptions", str(book), "--out", str(tmp_path / "never")]) == 2
    err = capsys.readouterr().err
    row = int(cell[1:])
    assert f"reg.xlsx, sheet assumptions, cell {cell} (row {row}, column B)" in err and message in err, err
    assert not (tmp_path / "never").exists()


def test_a_path_that_no_longer_exists_is_refused_with_its_cell(tmp_path, capsys):
    book = _export(tmp_path, capsys)
    wb = openpyxl.load_workbook(book)
    ws = wb["assumptions"]
    target = next(r for r in ws.iter_rows(min_row=2) if r[0].value == SERVERS)
    target[0].value = "sites.wisconsin.stations.l11_tset.servers"   # a renamed station
    wb.save(book)
    assert main(["assumptions", MINIMAL, "--assumptions", str(book)]) == 2
    err = capsys.readouterr().err
    assert f"cell {target[1].coordinate} (row {target[1].row}, column B)" in err
    assert "expected a path in the scenario" in err and "did you mean 'l11_test'?" in err


def test_sweep_reads_the_workbook_into_its_base_scenario(tmp_path, capsys):
    book = _export(tmp_path, capsys)
    cell = _edit(book, {SERVERS: 1})[SERVERS]
    vary = ["--vary", "sites.wisconsin.stations.integrate.servers=1:2:2", "--reps", "1", "--jobs", "1", "--no-plots"]
    assert main(["sweep", MINIMAL, *vary, "--out", str(tmp_path / "plain")]) == 0
    assert main(["sweep", MINIMAL, *vary, "--out", str(tmp_path / "edited"), "--assumptions", str(book)]) == 0
    assert f"Set {SERVERS} = 1 (was 3) from reg.xlsx, sheet assumptions, cell {cell}" in capsys.readouterr().out
    plain, edited = (pd.read_csv(tmp_path / d / "summary.csv").set_index(["point", "kpi", "subject"])["mean"]
                     for d in ("plain", "edited"))
    # one L11 bay instead of three: the edited base makes fewer racks at every point
    assert (edited.xs("throughput", level="kpi") < plain.xs("throughput", level="kpi")).all()


def test_optimize_refuses_a_bad_cell_before_searching(tmp_path, capsys):
    book = tmp_path / "reg.xlsx"
    base = SCENARIOS / "optimize" / "test_bays_and_technicians.yaml"
    from rackline.experiments.optimize.spec import load_optimize
    source = load_optimize(base).base.source
    assert main(["assumptions", source, "--xlsx", str(book)]) == 0
    capsys.readouterr()
    cell = _edit(book, {"sites.wisconsin.stations.l11_test.process_time.mean": 36})
    assert main(["optimize", str(base), "--assumptions", str(book), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    coord = cell["sites.wisconsin.stations.l11_test.process_time.mean"]
    assert f"cell {coord} (row {coord[1:]}, column B)" in err and "expected a value with its unit" in err


def test_a_declared_range_is_kept_and_a_malformed_one_is_located(load_text):
    from rackline.errors import ScenarioError
    text = (SCENARIOS / "minimal.yaml").read_text()
    declared = text.replace('servers: {value: 3, note: "GUESS: three L11 test bays"}',
                            'servers: {value: 3, note: "GUESS: three L11 test bays", range: [2, 5]}')
    assert declared != text
    assert load_text(declared).ranges == {tuple(SERVERS.split(".")): [2, 5]}
    with pytest.raises(ScenarioError) as exc:
        load_text(declared.replace("range: [2, 5]", "range: 5"))
    line = next(i for i, ln in enumerate(declared.splitlines(), 1) if "range: [2, 5]" in ln)
    assert f"test.yaml:{line}: at {SERVERS}.range: expected [low, high] written like the value, got 5" in str(exc.value)


def test_the_json_schema_accepts_a_declared_range():
    import jsonschema
    import yaml

    from rackline.scenario.jsonschema import scenario_json_schema
    text = (SCENARIOS / "minimal.yaml").read_text().replace(
        'servers: {value: 3, note: "GUESS: three L11 test bays"}', 'servers: {value: 3, note: "GUESS", range: [2, 5]}')
    jsonschema.validate(yaml.safe_load(text), scenario_json_schema())


def test_a_baseline_register_applied_to_a_scenario_that_extends_it_keeps_that_scenarios_changes(tmp_path, capsys):
    from rackline.scenario import load_scenario
    from rackline.scenario.register_xlsx import apply_edits, read_edits
    book = tmp_path / "reg.xlsx"
    assert main(["assumptions", str(SCENARIOS / "baseline.yaml"), "--xlsx", str(book)]) == 0
    capsys.readouterr()
    integrate = "sites.wisconsin.stations.integrate.servers"
    _edit(book, {integrate: 4})
    local = SCENARIOS / "localization.yaml"
    loaded, applied = apply_edits(local, read_edits(book))
    assert [e.path for e in applied] == [integrate] and loaded.overrides == {integrate: 4}
    plain = load_scenario(local).data
    share = "sites.texas.inventories.optics.suppliers.optics_us"
    from rackline.scenario.paths import get_path
    assert get_path(loaded.data, share) == get_path(plain, share) == 0.6     # localization's own split stays


def test_a_percentage_or_amount_excel_stored_as_a_number_reads_as_typed(tmp_path, capsys):
    from rackline.scenario.register_xlsx import read_edits
    book = tmp_path / "reg.xlsx"
    assert main(["assumptions", str(SCENARIOS / "baseline.yaml"), "--xlsx", str(book)]) == 0
    capsys.readouterr()
    wb = openpyxl.load_workbook(book)
    for row in wb["assumptions"].iter_rows(min_row=2):
        if row[0].value == "costs.tariffs.overseas":       # typed `25%`: Excel keeps 0.25 shown as 25%
            row[1].value, row[1].number_format = 0.25, "0%"
        if row[0].value == "costs.prices.trays_us":        # typed `$120,000`: kept as 120000 in currency
            row[1].value, row[1].number_format = 120000, '"$"#,##0'
    wb.save(book)
    assert {e.path: e.value for e in read_edits(book)} == {"costs.tariffs.overseas": "25%",
                                                           "costs.prices.trays_us": "$120000"}


def test_a_problem_at_what_holds_the_edited_cell_still_names_the_cell(tmp_path, capsys):
    # one supplier's share edited alone: the check is on the inventory (shares sum to 1), above the cell
    from rackline.errors import ScenarioError
    from rackline.scenario.register_xlsx import apply_edits, read_edits
    book = tmp_path / "reg.xlsx"
    assert main(["assumptions", str(SCENARIOS / "baseline.yaml"), "--xlsx", str(book)]) == 0
    capsys.readouterr()
    cell = _edit(book, {"sites.ohio.inventories.psu.suppliers.psu_asia": 0.5})
    with pytest.raises(ScenarioError) as exc:
        apply_edits(SCENARIOS / "baseline.yaml", read_edits(book))
    coord = cell["sites.ohio.inventories.psu.suppliers.psu_asia"]
    assert str(exc.value).startswith(f"reg.xlsx, sheet assumptions, cell {coord} (row {coord[1:]}, column B): "
                                     "at sites.ohio.inventories.psu: expected supplier shares summing to 1")
