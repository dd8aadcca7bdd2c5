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


# --- Mutations of the baseline, through the command line: validate, then a short run ---------

import random  # noqa: E402
import re  # noqa: E402
import signal  # noqa: E402

from rackline.cli import main  # noqa: E402

SHORT = yaml.safe_load((SCENARIOS / "baseline.yaml").read_text())
SHORT["run"] = {"horizon": "2 w", "warmup": "0 h", "replications": 1, "seed": 1}
SHORT_PATHS = [p for p in _paths(SHORT) if p and p[0] != "run"]

TAGS = ["!!int two", "!!timestamp next-week", "!!bool maybe", "!!float x", "!!binary zz", "!foo 1", "!!null x",
        "!!str [1]", "!!set {a}", "!!omap [1]"]
SWAPS = [None, True, "text", 3, -1, 0.5, [], {}, [1, 2], {"x": 1}, "8 h", "40 per week"]
EXTREMES = [0, -0.0, 1e308, -1e308, 10 ** 30, -10 ** 12, 1e-300, float("nan"), float("inf"), 2 ** 63,
            "1e-300 d", "0 h", "1e300 w", "-5 h", "0 per week", "1e12 per h", "1e-9 s", "999999999"]
UNICODE = ["wisconsin\u200b", "ラック", "\U0001F680", "e\u0301", "\u202eevil", "ä" * 300, "\ufeffname"]


def _mutate(data, rng: random.Random) -> tuple[object, dict[str, str], list[str]]:
    """1-3 random edits of `data`; tags are placeholders swapped into the YAML text later."""
    data = copy.deepcopy(data)
    tags: dict[str, str] = {}
    done: list[str] = []
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(SHORT_PATHS)
        node = data
        try:
            for key in path[:-1]:
                node = node[key]
            last = path[-1]
            node[last]  # noqa: B018 - the path must still exist after earlier edits
        except (KeyError, IndexError, TypeError):
            continue
        op = rng.choice(["delete", "swap", "extreme", "tag", "unicode", "rename"])
        if op == "delete" and isinstance(node, dict):
            del node[last]
        elif op == "rename" and isinstance(node, dict):
            node[f"{last}x"] = node.pop(last)
        elif op == "tag":
            mark = f"TAG{len(tags)}MARK"
            tags[mark] = rng.choice(TAGS)
            node[last] = mark
        elif op == "unicode" and isinstance(node, dict) and rng.random() < 0.5:
            node[rng.choice(UNICODE)] = node.pop(last)
        else:
            pool = {"swap": SWAPS, "extreme": EXTREMES, "unicode": UNICODE}.get(op, SWAPS)
            node[last] = copy.deepcopy(rng.choice(pool))
        done.append(f"{op} {'.'.join(map(str, path))}")
    return data, tags, done


class _Timeout(BaseException):
    """Not an Exception: nothing in rackline may swallow it."""


def _within(seconds: float, fn, *args):
    def alarm(*_):
        raise _Timeout()
    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _located(err: str, file: str) -> bool:
    """Every line names the file (or a flag) and a line or a dotted path, and what was expected."""
    lines = err.strip().splitlines()
    where = re.compile(rf"^{re.escape(file)}(?::(\d+))?: (?:at (\S+): )?expected ")
    found = [where.match(line) for line in lines]
    return bool(lines) and all(m and (m.group(1) or m.group(2)) for m in found)


MUTANTS = 150


def test_mutated_baseline_validates_and_runs_or_is_refused_with_a_location(tmp_path, capsys):
    rng = random.Random(16)
    outcomes = {"ok": 0, "refused": 0}
    for i in range(MUTANTS):
        data, tags, done = _mutate(SHORT, rng)
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        for mark, tag in tags.items():
            text = text.replace(mark, tag)
        f = tmp_path / f"mutant{i}.yaml"
        f.write_text(text, encoding="utf-8")
        for args in (["validate", str(f)],
                     ["run", str(f), "--reps", "1", "--no-plots", "--out", str(tmp_path / f"out{i}")]):
            try:
                code = _within(20, main, args)
            except _Timeout:
                raise AssertionError(f"mutant {i} ({done}): {args[0]} took over 20 s") from None
            err = capsys.readouterr().err
            assert code in (0, 2), f"mutant {i} ({done}): {args[0]} exit {code}\n{err}"
            if code == 2:
                assert _located(err, str(f)), f"mutant {i} ({done}): {args[0]} unlocated:\n{err}"
                outcomes["refused"] += 1
                break
            outcomes["ok"] += args[0] == "run"
    assert outcomes["ok"] >= 4 and outcomes["refused"] >= 50, outcomes  # both branches exercised
