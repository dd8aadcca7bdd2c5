"""The seam between engine and analysis: typed records, one list of states, one week."""
from __future__ import annotations

import ast
import pickle
from pathlib import Path

import numpy as np

from conftest import ROOT, SCENARIOS

PKG = ROOT / "sim" / "rackline"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out |= {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
    return out


def test_analysis_and_output_see_the_engine_only_through_its_records():
    for folder in ("analysis", "output"):
        for path in (PKG / folder).rglob("*.py"):
            engine = {m for m in _imports(path) if m.startswith("rackline.engine")}
            assert engine <= {"rackline.engine.records." + n for n in
                              ("Replication", "StationRecord", "InventoryKey", "InventoryRecord", "DemandRecord")}, \
                (path, engine)


def test_no_string_key_protocol_and_no_hard_coded_week():
    for path in PKG.rglob("*.py"):
        text = path.read_text()
        assert 'split("|")' not in text, path
        if path.parts[-2] in ("analysis", "output", "plots"):
            assert "168" not in text, path


def test_the_engine_records_the_states_named_in_rackline_states():
    from rackline.engine.station import STATES as ENGINE_STATES
    from rackline.states import STATES
    assert tuple(ENGINE_STATES) == STATES


def test_a_replication_record_is_typed_consistent_and_pickles():
    from rackline.engine.network import run_replication
    from rackline.engine.records import InventoryKey, Replication
    from rackline.scenario import load_scenario
    sc = load_scenario(SCENARIOS / "minimal.yaml").scenario
    rep = run_replication(sc, 0, 3)
    assert isinstance(rep, Replication)
    n = len(rep.times)
    assert rep.times[0] == 0 and rep.times[-1] == sc.run.horizon and n == 27   # 0..26 w; the warm-up (2 w) is one
    test = rep.stations["wisconsin.l11_test"]
    assert test.items == ("rack",) and test.inputs == ("rack_untested",)
    assert all(len(a) == n for a in test.time_in_state.values())
    # every server-hour is in exactly one state
    total = sum(a[-1] for a in test.time_in_state.values())
    assert abs(total / (test.servers * sc.run.horizon) - 1) < 1e-9
    rack = rep.inventories[InventoryKey("wisconsin", "rack")]
    assert rack.label == "wisconsin/rack" and np.all(np.diff(rack.units_in) >= 0)
    again = pickle.loads(pickle.dumps(rep))
    assert np.array_equal(again.stations["wisconsin.l11_test"].completions, test.completions)
