"""Golden numbers: refactoring must not change what a scenario measures.

`tests/golden/<scenario>.csv` holds the mean of every KPI and station metric of a
shipped scenario at a fixed seed and replication count. A commit that only moves or
tidies code keeps them; a commit that changes a number on purpose regenerates them
(`RACKLINE_GOLDEN_UPDATE=1 pytest tests/test_golden.py`) and says in its message which
rows moved and why. A failure names each row that moved, by how much.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import pandas as pd
import pytest

from conftest import SCENARIOS
from rackline.cli import main

GOLDEN = Path(__file__).parent / "golden"
SCENARIO_NAMES = ("baseline", "gen2_ramp")
REPS, SEED = 3, 11
REL, ABS = 1e-9, 1e-9          # the same scenario and seed give the same numbers: only float noise may move
KEYS = ["table", "kpi", "subject", "unit"]


def measured(name: str, out: Path) -> pd.DataFrame:
    """One row per KPI and station metric: table, kpi, subject, unit, mean."""
    assert main(["run", str(SCENARIOS / f"{name}.yaml"), "--reps", str(REPS), "--seed", str(SEED), "--no-plots",
                 "--out", str(out)]) == 0
    kpis = pd.read_csv(out / "kpis.csv", keep_default_na=False, na_values=[""])
    stations = pd.read_csv(out / "station_metrics.csv", keep_default_na=False, na_values=[""])
    rows = pd.concat([
        kpis.assign(table="kpis")[["table", "kpi", "subject", "unit", "mean"]],
        stations.assign(table="stations", unit="").rename(columns={"metric": "kpi", "station": "subject"})[
            ["table", "kpi", "subject", "unit", "mean"]],
    ], ignore_index=True)
    return rows.fillna({"unit": "", "subject": ""}).sort_values(KEYS, kind="stable").reset_index(drop=True)


def moved(golden: pd.DataFrame, now: pd.DataFrame) -> list[str]:
    """Every row whose mean moved beyond the tolerance, appeared or went, in words."""
    both = golden.merge(now, on=KEYS, how="outer", suffixes=("_golden", "_now"), indicator=True)
    out = []
    for r in both.itertuples():
        label = f"{r.table}: {r.kpi} {r.subject}" + (f" ({r.unit})" if r.unit else "")
        if r._7 == "left_only":
            out.append(f"{label}: gone (was {r.mean_golden:.6g})")
        elif r._7 == "right_only":
            out.append(f"{label}: new ({r.mean_now:.6g})")
        else:
            a, b = float(r.mean_golden), float(r.mean_now)
            if math.isnan(a) and math.isnan(b):
                continue
            if math.isnan(a) or math.isnan(b) or not math.isclose(a, b, rel_tol=REL, abs_tol=ABS):
                change = f" ({(b - a) / abs(a):+.2%})" if a and math.isfinite(a) and math.isfinite(b) else ""
                out.append(f"{label}: {a:.6g} -> {b:.6g}{change}")
    return out


@pytest.mark.parametrize("name", SCENARIO_NAMES)
def test_numbers_are_unchanged_by_refactoring(name, tmp_path):
    now = measured(name, tmp_path / name)
    path = GOLDEN / f"{name}.csv"
    if os.environ.get("RACKLINE_GOLDEN_UPDATE"):
        GOLDEN.mkdir(exist_ok=True)
        now.to_csv(path, index=False, float_format="%.17g")
    golden = pd.read_csv(path, keep_default_na=False, na_values=[""]).fillna({"unit": "", "subject": ""})
    changes = moved(golden, now)
    assert not changes, f"{name}: {len(changes)} numbers moved:\n" + "\n".join(changes[:40])


def test_a_moved_number_is_named_with_its_change():
    golden = pd.DataFrame([("kpis", "throughput", "rack", "units/week", 20.0),
                           ("kpis", "backlog", "orders", "units", 1.0)], columns=[*KEYS, "mean"])
    now = golden.copy()
    now.loc[0, "mean"] = 22.0
    now = now.iloc[[0]]
    assert moved(golden, now) == ["kpis: backlog orders (units): gone (was 1)",
                                  "kpis: throughput rack (units/week): 20 -> 22 (+10.00%)"]
