"""Shared helpers: scenarios from text, paths to shipped files."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
ANALYTIC = Path(__file__).parent / "analytic"


@pytest.fixture
def load_text():
    from sim.schema import load_scenario_text

    def _load(text: str, overrides=None):
        return load_scenario_text(text, "test.yaml", overrides)

    return _load


def run_network(loaded, seed: int = 3):
    """Run one replication and hand back the live Network, to inspect its objects."""
    from sim.engine.clock import Clock
    from sim.engine.network import Network
    clock = Clock(seed, 0)
    net = Network(loaded.scenario, clock)
    net.start()
    clock.run(loaded.scenario.run.horizon)
    return net
