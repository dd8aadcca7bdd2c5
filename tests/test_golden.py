"""Golden numbers: refactoring must not change what a scenario measures.

The hashes pin `kpis.csv` of two shipped scenarios at a fixed seed. A commit that
only moves or tidies code keeps them; a commit that changes a KPI on purpose
updates them and says why in its message.
"""
import hashlib

import pytest

from conftest import SCENARIOS
from rackline.cli import main

GOLDEN = {
    "baseline": "ee6a33e0460cd020",
    "gen2_ramp": "69686027feb0446d",
}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_kpis_csv_is_unchanged_by_refactoring(name, tmp_path):
    out = tmp_path / name
    assert main(["run", str(SCENARIOS / f"{name}.yaml"), "--reps", "3", "--seed", "11", "--no-plots",
                 "--out", str(out)]) == 0
    assert hashlib.sha256((out / "kpis.csv").read_bytes()).hexdigest()[:16] == GOLDEN[name]
