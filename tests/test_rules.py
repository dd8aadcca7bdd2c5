"""Adaptive rules: a backlog-triggered expansion fires at the week computed by hand,
adds its server after its lead time, and its capex is paid; bad rules are located."""
from __future__ import annotations

import math

import numpy as np
import pytest

from rackline.engine.network import run_replication
from rackline.errors import ScenarioError
from rackline.experiments.task import measured

# One bay b tests a rack in 24 h (fixed) from parts that station a makes every 2 h
# (4 servers: ample); orders of one rack arrive every 11 h (fixed). No time here is a
# multiple of another at a week boundary, so the counts below have no ties.
LINE = """
name: rule_line
run: {horizon: 12 w, warmup: 1 w, replications: 1, seed: 1}
items:
  part: {family: rack, unit: part}
  rack: {family: rack, unit: rack}
sites:
  s:
    stations:
      a: {output: part, servers: 4, process_time: 2 h}
      b:
        output: rack
        inputs: {part: 1}
        servers: 1
        process_time: 24 h
demand:
  orders: {item: rack, site: s, interarrival: {dist: fixed, value: 11 h}}
calendars:
  one_shift: {hours_per_day: 8, days_per_week: 5}
costs:
  currency: USD
  discount_rate: 0%
  capital_charge: 0%
  revenue: {rack: {price: $0}}
rules:
  expand_b:
    when: {backlog: orders, above: 15, for: 2 w}
    add_servers: {station: s.b, count: 1}
    after: 673 h
    capex: $1M
    at_most: 2
"""
WEEK = 168.0


def completions(start: float, a: float, b: float) -> int:
    """A server that takes its first part at `start` finishes at start + 24 m (m >= 1): how many in [a, b)."""
    return sum(1 for m in range(1, 200) if a <= start + 24 * m < b)


def test_backlog_rule_fires_at_the_hand_computed_weeks_adds_servers_and_pays_capex(load_text):
    sc = load_text(LINE).scenario
    rec = run_replication(sc, 0, 1)
    # backlog at the end of week k: orders (one every 11 h) minus racks made (first at 2 + 24 h)
    backlog = {k: math.floor(k * WEEK / 11) - math.floor((k * WEEK - 2) / 24) for k in range(1, 12)}
    assert [backlog[k] for k in (1, 2, 3, 4, 5)] == [9, 17, 25, 34, 42]
    fired, streak = [], 0
    for k in range(1, 12):      # > 15 at two weekly checks running; the streak restarts after firing
        streak = streak + 1 if backlog[k] > 15 else 0
        if streak >= 2 and len(fired) < 2:
            fired.append(k)
            streak = 0
    assert fired == [3, 5]
    assert [(e.rule, e.fired, e.acts) for e in rec.rules] == [("expand_b", k * WEEK, k * WEEK + 673) for k in fired]
    # racks made in each week: the first bay from 2 h, each new one from the moment it arrives
    made = np.diff(rec.stations["s.b"].completions)
    starts = [2.0] + [k * WEEK + 673 for k in fired]
    assert made.tolist() == [sum(completions(s, w * WEEK, (w + 1) * WEEK) for s in starts) for w in range(12)]
    assert made[-1] == 21                                   # three bays at the end
    # capex: $1M each time, paid in the week it fired; nothing else costs anything here
    k = measured(rec, sc, float(sc.run.warmup))
    npv = next(r.value for r in k.kpis if r.kpi == "npv")
    employed = next(r.value for r in k.kpis if r.kpi == "capital_employed")
    assert npv == pytest.approx(-2e6) and employed == pytest.approx(2e6)
    assert [(r.subject, r.unit, r.value) for r in k.kpis if r.kpi == "rule_firings"] == [("expand_b", "times", 2)]


def test_no_orders_rule_changes_the_calendar(load_text):
    text = LINE.replace("interarrival: {dist: fixed, value: 11 h}", "rate: 0 per week").replace(
        "when: {backlog: orders, above: 15, for: 2 w}", "when: {no_orders: orders, for: 3 w}").replace(
        "add_servers: {station: s.b, count: 1}", "calendar: {station: s.b, to: one_shift}")
    rec = run_replication(load_text(text).scenario, 0, 1)
    assert [(e.fired, e.acts, e.action) for e in rec.rules] == [      # no orders for 3 weeks, twice
        (k * WEEK, k * WEEK + 673, "calendar of s.b becomes one_shift") for k in (3, 6)]
    made = np.diff(rec.stations["s.b"].completions)
    assert made[1] == 7 and made[-1] < 7                   # around the clock, then 40 h a week


def test_bad_rules_are_located(load_text):
    text = LINE.replace("when: {backlog: orders, above: 15, for: 2 w}", "when: {backlog: ordres, above: 15, for: 2 d}")
    text = text.replace("add_servers: {station: s.b, count: 1}", "add_servers: {station: s.c, count: 1}")
    with pytest.raises(ScenarioError) as exc:
        load_text(text)
    got = {(p.path, p.line) for p in exc.value.problems}
    line = next(i for i, x in enumerate(text.splitlines(), 1) if "station: s.c" in x)
    assert ("rules.expand_b.add_servers.station", line) in got
    assert "expected a declared station" in str(exc.value)
    text = LINE.replace("when: {backlog: orders, above: 15, for: 2 w}", "when: {backlog: ordres, above: 15, for: 2 d}")
    with pytest.raises(ScenarioError) as exc:
        load_text(text)
    msgs = {p.path: p.message for p in exc.value.problems}
    assert "expected a declared demand (orders), got 'ordres'" in msgs["rules.expand_b.when.backlog"]
    assert "expected at least 1 w (conditions are checked weekly)" in msgs["rules.expand_b.when.for"]


def test_a_rule_that_could_never_fire_is_refused(load_text):
    text = LINE.replace("for: 2 w}", "for: 13 w}")
    with pytest.raises(ScenarioError) as exc:
        load_text(text)
    line = next(i for i, x in enumerate(text.splitlines(), 1) if "for: 13 w" in x)
    assert [(p.path, p.line) for p in exc.value.problems] == [("rules.expand_b.when.for", line)]
    assert "expected at most the horizon (12 w: longer could never fire), got 13 w" in str(exc.value)


def test_a_run_folder_lists_each_firing(tmp_path):
    import pandas as pd

    from rackline.cli import main
    path = tmp_path / "rule_line.yaml"
    path.write_text(LINE)
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--no-plots"]) == 0
    fired = pd.read_csv(tmp_path / "out" / "rules.csv")
    assert fired[["rule", "fired_week"]].values.tolist() == [["expand_b", 3], ["expand_b", 5]]
    assert fired.acts_week.tolist() == pytest.approx([3 + 673 / WEEK, 5 + 673 / WEEK])
    assert set(fired.action) == {"add 1 server(s) to s.b"}
    kpis = pd.read_csv(tmp_path / "out" / "kpis.csv").set_index(["kpi", "subject"])
    assert kpis.loc[("rule_firings", "expand_b"), "mean"] == 2
