"""Property tests: random and mutated scenarios either load or fail with located
problems (exit 2) - never a traceback, never a hang."""
from __future__ import annotations

import copy

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SCENARIOS
from rackline.errors import ScenarioError
from rackline.scenario import load_scenario_text

BASE = yaml.safe_load((SCENARIOS / "minimal.yaml").read_text())

junk = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
                 st.text(max_size=12), st.sampled_from(["8 h", "-3 d", "40 per week", "inf", "0 w", "1e400 h"]),
                 st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


ALL_PATHS = [p for p in _paths(BASE) if p]


def _check(text: str) -> None:
    try:
        load_scenario_text(text, "fuzz.yaml")
    except ScenarioError as exc:
        assert exc.problems
        for p in exc.problems:
            assert p.file == "fuzz.yaml"
            assert "expected" in p.message
            assert p.line is not None or p.path == "" or p.file == "--set"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(ALL_PATHS), junk, st.booleans()), min_size=1, max_size=4))
def test_mutated_scenarios_load_or_fail_cleanly(mutations):
    data = copy.deepcopy(BASE)
    for path, value, delete in mutations:
        node = data
        try:
            for key in path[:-1]:
                node = node[key]
            if delete and isinstance(node, dict):
                node.pop(path[-1], None)
            else:
                node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    _check(yaml.safe_dump(data))


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_random_text_loads_or_fails_cleanly(text):
    _check(text)
