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
