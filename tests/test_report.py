"""The report and the results folder for people: results.xlsx, the first screen, table formatting."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from rackline.cli import main


@pytest.fixture(scope="module")
def minimal_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "minimal"
    assert main(["run", "scenarios/minimal.yaml", "--reps", "2", "--out", str(out)]) == 0
    return out


def _same_numbers(folder, sheets):
    book = pd.read_excel(folder / "results.xlsx", sheet_name=None)
    for name in sheets:
        csv = pd.read_csv(folder / f"{name}.csv")
        xl = book[name]
        assert list(xl.columns) == list(csv.columns), name
        assert len(xl) == len(csv), name
        for col in csv.columns:
            a, b = csv[col], xl[col]
            if pd.api.types.is_numeric_dtype(a):
                got = pd.to_numeric(b.replace({"inf": math.inf, "-inf": -math.inf}))
                # equal to the last digit or so (CSV and XLSX each print a double their own way)
                assert (np.isclose(a, got, rtol=1e-12, atol=0) | (a == got) | (a.isna() & got.isna())).all(), \
                    (name, col)
            else:
                assert (a.fillna("").astype(str) == b.fillna("").astype(str)).all(), (name, col)
    return book


def test_a_run_folder_has_a_workbook_with_the_csv_numbers(minimal_run):
    book = _same_numbers(minimal_run, ["kpis", "stations", "capacity", "assumptions"])
    assert list(book)[:4] == ["kpis", "stations", "capacity", "assumptions"]
    assert "timeseries" not in book            # raw per-week data stays in the CSV


def test_compare_and_sweep_folders_have_workbooks(tmp_path):
    cmp = tmp_path / "cmp"
    assert main(["compare", "scenarios/minimal.yaml", "--variant", "more:sites.wisconsin.stations.integrate.servers=3",
                 "--reps", "2", "--out", str(cmp), "--no-plots"]) == 0
    book = _same_numbers(cmp, ["kpis", "differences"])
    assert list(book)[:2] == ["kpis", "differences"]
    _same_numbers(cmp / "runs" / "minimal", ["kpis", "stations", "capacity", "assumptions"])
    sw = tmp_path / "sw"
    assert main(["sweep", "scenarios/minimal.yaml", "--vary", "sites.wisconsin.stations.integrate.servers=1:3:3",
                 "--reps", "1", "--jobs", "1", "--out", str(sw), "--no-plots"]) == 0
    book = _same_numbers(sw, ["summary", "experiments"])
    assert any(n.startswith("tornado_") for n in book)


def test_the_register_gives_the_unit_a_value_is_written_in(tmp_path):
    from rackline.scenario import load_scenario
    from rackline.scenario.assumptions import register
    f = tmp_path / "u.yaml"
    f.write_text("name: u\nitems: {a: {}}\nsites:\n  s:\n    stations:\n"
                 "      st: {output: a, servers: 2, process_time: 3 d}\n"
                 "demand:\n  d: {item: a, site: s, rate: 2 per day}\n")
    reg = register(load_scenario(str(f))).set_index("path")
    row = reg.loc["sites.s.stations.st.process_time"]
    assert (row.value, row.unit, row.base_value, row.base_unit) == ("3 d", "d", 72.0, "h")
    rate = reg.loc["demand.d.rate"]
    assert (rate.value, rate.unit, rate.base_value, rate.base_unit) == ("2 per day", "per day", 14.0, "per week")
    assert reg.loc["sites.s.stations.st.servers"][["unit", "base_unit"]].tolist() == ["servers", "servers"]
