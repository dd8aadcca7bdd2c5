"""Engine correctness at the edges (issues 15 and 16): calendars that open after time
zero, work that ends at closing time, rework into a finite buffer, birth of initial
stock, runs that could never finish, huge orders, long calendars and deadlocks.
Each number is worked out by hand in the comment above it."""
from __future__ import annotations

import itertools
import math

import pytest

import rackline
from conftest import run_network
from rackline.engine.network import run_replication
from rackline.errors import RunFlooded


def machine(calendar: str, process: str = "1 h", horizon: str = "1 w") -> str:
    """One station on `calendar`, no inputs, its output taken as it is made (saturated)."""
    return f"""
name: cal
run: {{horizon: {horizon}, seed: 3}}
items: {{unit: {{}}}}
calendars:
  c: {calendar}
sites:
  s:
    stations:
      m: {{output: unit, process_time: {process}, calendar: c}}
demand:
  all: {{item: unit, site: s, capacity: true}}
"""


def made(loaded) -> int:
    return run_network(loaded).stations["s.m"].completions


# ---- issue 15.1: a calendar whose first opening is after time 0 -----------------------------
def test_day_starting_at_six_works_forty_hours_a_week(load_text):
    # 8 h a day from 06:00, 5 days: 40 open hours; fixed 1.9 h units pause overnight,
    # so floor(40 / 1.9) = 21 finish in the week (not 24: nothing is made 00:00-06:00)
    assert made(load_text(machine("{hours_per_day: 8, day_start: 6 h, days_per_week: 5}", "1.9 h"))) == 21


def test_shift_after_midnight_is_closed_before_it(load_text):
    # one shift 06:00-14:00 every day: 7 x 8 = 56 one-hour units in a week
    assert made(load_text(machine("{shifts: [{start: 6 h, end: 14 h}]}"))) == 56


def test_shutdown_from_time_zero_makes_nothing(load_text):
    # 24 h on weekdays, shut for weeks 0-3: in 6 weeks only weeks 4 and 5 work, 2 x 120 units
    loaded = load_text(machine("{hours_per_day: 24, days_per_week: 5, holidays: [{start: 0 h, duration: 4 w}]}",
                               horizon="6 w"))
    res = rackline.run(loaded, reps=1)
    per_week = res.reps[0].stations["s.m"].completions
    assert list(per_week) == [0, 0, 0, 0, 0, 120, 240]


def test_holiday_at_time_zero_on_a_round_the_clock_calendar(load_text):
    # 24/7 shut for the first day: 1 h units end at 25, 26, ..., 167 h (the one due at the
    # horizon, 168 h, is not counted): 143 in week 0
    assert made(load_text(machine("{holidays: [{start: 0 h, duration: 1 d}]}"))) == 143


# ---- issue 15.2: work that ends exactly at closing time ------------------------------------------
def test_unit_ending_at_closing_time_completes_then(load_text):
    # 8 h days, 2 h units: 4 a day end at 2, 4, 6, 8 h; the fourth ends as the line closes
    # and must count that day, so 5 x 4 = 20 in the week (Friday's last does not wait for Monday)
    net = run_network(load_text(machine("{hours_per_day: 8, days_per_week: 5}", "2 h")))
    st = net.stations["s.m"]
    assert st.completions == 20
    assert st.last_done == 4 * 24 + 8


# ---- issue 15.3: rework into the station's own finite input stock ----------------------------------
REWORK = """
name: rework
run: {{horizon: 100 w, seed: 5}}
items: {{untested: {{}}, good: {{}}}}
sites:
  s:
    stations:
      make: {{output: untested, process_time: 6 min}}
      test: {{output: good, inputs: {{untested: 1}}, yield: 0.9, fail_to: untested, process_time: 1 h}}
    inventories:
      untested: {{capacity: {capacity}}}
demand:
  all: {{item: good, site: s, capacity: true}}
"""


@pytest.mark.parametrize("capacity", [2, 5])
def test_rework_into_own_finite_input_does_not_deadlock(load_text, capacity):
    # test is never short of work (make is 10x faster and one unit waits while test
    # works), so it tests 168 units a week and 0.9 x 168 = 151.2 pass; the unit it takes out
    # of `untested` makes room for its own failure (binomial: sd of a 100-week mean 0.39)
    res = rackline.run(load_text(REWORK.format(capacity=capacity)), reps=1)
    assert res.kpi("throughput", "good")["mean"] == pytest.approx(151.2, rel=0.01)
    assert not res.reps[0].deadlocks


def test_room_needs_net_out_what_a_start_takes():
    from rackline.engine.clock import Clock
    from rackline.engine.inventory import Inventory
    from rackline.engine.work import room_needs

    clock = Clock(0, 0)
    own, out, other = (Inventory(clock, "s", item, capacity=c) for item, c in (("own", 5), ("out", 3), ("other", math.inf)))
    # rework into the input: it needs room only in its (finite) output
    assert room_needs([(own, 1)], out, own) == [(out, 1)]
    # takes 2 of the stock a failure returns to: no room needed there either
    assert room_needs([(own, 2)], other, own) == []
    # a failure into a separate finite stock needs one place there too
    assert room_needs([(other, 1)], out, own) == [(out, 1), (own, 1)]


# ---- issue 15.4: initial stock of a made item has no birth time -----------------------------------
def test_initial_stock_of_a_rework_item_is_born_at_its_first_operation(load_text):
    # `untested` is made only by failures (fail_to), and starts with far more units than
    # are tested in 100 h, so every good unit is a first-pass unit tested 1 h: flow time 1 h
    # (stamping the initial stock with birth 0 gave about 50 h)
    text = """
name: birth
run: {horizon: 100 h, seed: 5}
items: {untested: {}, good: {}}
sites:
  s:
    stations:
      test: {output: good, inputs: {untested: 1}, yield: 0.9, fail_to: untested, process_time: 1 h}
    inventories:
      untested: {initial: 100000}
demand:
  all: {item: good, site: s, capacity: true}
"""
    res = rackline.run(load_text(text), reps=1)
    assert res.kpi("build_time", "good")["mean"] == pytest.approx(1.0)


def test_initial_stock_moved_without_any_operation_is_left_out_of_build_time(load_text):
    from rackline.engine.inventory import UNKNOWN
    text = """
name: moved
run: {horizon: 1 w, seed: 5}
items: {part: {}, unit: {}}
sites:
  a:
    stations:
      m: {output: unit, inputs: {part: 1}, process_time: 2 h}
    inventories:
      part: {initial: 1000}
      unit: {initial: 10}
  b: {}
lanes:
  truck: {item: unit, from: a, to: b, transit: 1 d}
demand:
  all: {item: unit, site: b, capacity: true}
"""
    net = run_network(load_text(text))
    b = net.inventories[("b", "unit")]
    # 10 initial units (no operation in the run) arrive at 24 h; units made at 2, 4, ...,
    # 142 h (71) arrive a day later, before the horizon; only made ones count, each
    # 2 h of work + 24 h on the truck = 26 h
    assert b.units_in == 10 + 71
    assert b.flow_n == 71 and b.flow_sum / b.flow_n == pytest.approx(26.0)
    assert net.inventories[("a", "unit")].births is not None and UNKNOWN == math.inf


# ---- issue 16.2: a run that could never finish is stopped, naming who floods it --------------------
FLOOD = """
name: flood
run: {{horizon: 1 w, seed: 1}}
items: {{unit: {{}}}}
sites:
  s:
    stations:
      m: {{output: unit, process_time: 1 h}}
  t: {{}}
lanes:
  there: {{item: unit, from: s, to: t, transit: 1 h}}
  back: {{item: unit, from: t, to: s, transit: 1 h}}
demand:
  d: {{item: unit, site: s, interarrival: 1 h}}
"""


def _zero(loaded, path: str, value):
    """Set one value after validation (the validator may refuse it statically; the
    run's own guard must hold whatever reaches it)."""
    *parents, last = path.split(".")
    obj = loaded.scenario
    for p in parents:
        obj = obj[p] if isinstance(obj, dict) else getattr(obj, p)
    object.__setattr__(obj, last, value)
    return loaded.scenario


@pytest.mark.parametrize("path, culprit", [
    ("sites.s.stations.m.process_time.value", "station s.m"),
    ("demand.d.interarrival.value", "demand d"),
    ("lanes.there.transit.value", "lane"),
    ("lanes.there.every", "lane there"),
])
def test_flooded_run_stops_with_a_clear_error(load_text, path, culprit):
    loaded = load_text(FLOOD.format())
    sc = _zero(loaded, path, 1e-300 * 24 if path.endswith("every") else 0.0)
    if path.startswith("lanes.there.transit"):
        _zero(loaded, "lanes.back.transit.value", 0.0)
    with pytest.raises(RunFlooded, match=culprit) as err:
        run_replication(sc, 0)
    assert "could never finish" in str(err.value)


def test_flooded_run_exits_1_from_the_command_line(tmp_path, capsys):
    from rackline.cli import main
    path = tmp_path / "flood.yaml"
    path.write_text(machine("{hours_per_day: 24}").replace("process_time: 1 h", "process_time: 0 h"))
    code = main(["run", str(path), "--reps", "1", "--no-plots", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    if "process_time" in err and code == 2:      # refused before running (static check): also fine
        return
    assert code == 1
    assert "station s.m" in err and "Traceback" not in err


# ---- issue 16.3: a huge order is split arithmetically -----------------------------------------------
def test_huge_order_splits_across_suppliers_and_lots_at_once(load_text):
    text = """
name: huge
run: {horizon: 3 w, seed: 1}
items: {optics: {}, rack: {}}
suppliers:
  asia: {item: optics, region: overseas, lead_time: 1 w, capacity: 100 per week}
  us: {item: optics, region: domestic, lead_time: 1 d}
sites:
  s:
    inventories:
      optics: {initial: 0, policy: {type: base_stock, S: 999999999}, suppliers: {asia: 0.3, us: 0.7}}
    stations:
      build: {output: rack, inputs: {optics: 10}, process_time: 1 h}
demand:
  all: {item: rack, site: s, capacity: true}
"""
    rep = run_replication(load_text(text).scenario, 0)
    ordered = {name: rep.suppliers[name].ordered[-1] for name in ("asia", "us")}
    # the first order is S - 0; each rack's 10 optics are reordered one for one
    total = sum(ordered.values())
    assert total >= 999999999
    assert ordered["asia"] == pytest.approx(0.3 * total, abs=1)
    assert ordered["us"] == pytest.approx(0.7 * total, abs=1)
    # asia makes 100 a week in lots of one week: the lot made by 1 w arrives at 2 w; the
    # next, made by 2 w, is due at the horizon
    assert rep.suppliers["asia"].delivered[-1] == 100


def test_split_follows_shares_like_one_unit_at_a_time():
    # the arithmetic split gives each supplier its share of the running total to within
    # one unit, for small and huge orders alike
    from rackline.engine.supplier import Replenishment
    rep = Replenishment(None, None, [(None, 0.25), (None, 0.35), (None, 0.4)])
    total = 0
    for qty in [1, 3, 7, 64, 500, 10**9, 2, 12345]:
        split = rep._split(qty)
        total += qty
        assert sum(split) == qty
        for k, share in enumerate((0.25, 0.35, 0.4)):
            assert abs(rep.allocated[k] - share * total) < 1.0 + 1e-9


# ---- issue 16.4: a calendar costs per change, not per hour ------------------------------------------
def test_round_the_clock_calendar_with_one_holiday_has_three_changes():
    from rackline.engine.calendar import open_hours, open_intervals
    from rackline.scenario.model import Calendar
    cal = Calendar.model_validate({"holidays": [{"start": "10 w", "duration": "1 d"}]})
    # open until the holiday, then open for good: two intervals, the second endless
    assert list(itertools.islice(open_intervals(cal), 5)) == [(0.0, 1680.0), (1704.0, math.inf)]
    assert open_hours(cal, 52 * 168) == 52 * 168 - 24


def test_round_the_clock_shifts_merge_into_one_endless_interval():
    from rackline.engine.calendar import open_intervals
    from rackline.scenario.model import Calendar
    # two 12 h shifts, and a night shift that ends the next morning: both cover every hour
    # once under way (the second from 06:00 on day 0, as nothing runs before it)
    for shifts, first in (([("0 h", "12 h"), ("12 h", "24 h")], 0.0), ([("6 h", "22 h"), ("22 h", "30 h")], 6.0)):
        cal = Calendar.model_validate({"shifts": [{"start": a, "end": b} for a, b in shifts]})
        assert list(itertools.islice(open_intervals(cal), 3)) == [(first, math.inf)]


# ---- issue 16.12: a deadlock is found and named -------------------------------------------------------
LOOP = """
name: loop
run: {{horizon: 4 w, seed: 1}}
items: {{ab: {{}}, ba: {{}}, out: {{}}}}
sites:
  s:
    stations:
      a: {{output: ab, inputs: {{ba: 1}}, process_time: 1 h}}
      b: {{output: ba, inputs: {{ab: 1}}, process_time: 1 h}}
    inventories:
      ab: {{initial: 2, capacity: {cap}}}
      ba: {{initial: 2, capacity: {cap}}}
"""


def test_loop_of_full_buffers_is_reported_as_a_deadlock(load_text):
    # both buffers full from the start: a needs room in ab, which only b empties, and b
    # needs room in ba, which only a empties; neither ever starts
    rep = run_replication(load_text(LOOP.format(cap=2)).scenario, 0)
    assert len(rep.deadlocks) == 1
    d = rep.deadlocks[0]
    assert d.loop == ("s.a", "s/ab (full: 2 of 2)", "s.b", "s/ba (full: 2 of 2)", "s.a")
    assert d.since == 0.0


def test_loop_with_room_is_not_a_deadlock(load_text):
    # one free place in each buffer: the four units circulate for ever
    rep = run_replication(load_text(LOOP.format(cap=3)).scenario, 0)
    assert rep.deadlocks == []
    assert rep.stations["s.a"].completions[-1] > 0


def test_deadlock_warning_names_the_loop(load_text):
    res = rackline.run(load_text(LOOP.format(cap=2)), reps=2)
    text = "\n".join(res.answer.warnings)
    assert "deadlock in 2 of 2 replication(s)" in text and "s.a -> s/ab (full: 2 of 2) -> s.b" in text


# t4 and t3 share the one unit of `sh`; t4 starts first, and taking its `u4` frees room that
# lets b4 start, whose taking `o3` frees room that lets t3 start: before t4 has taken `sh`
SHARED = """
name: shared
run: {horizon: 10 h, warmup: 0 h, replications: 1}
items: {u4: {}, o3: {}, sh: {}, out4: {}, part: {}}
sites:
  s:
    inventories:
      part: {initial: 100}
      sh: {initial: 1}
      u4: {initial: 1, capacity: 1}
      o3: {initial: 1, capacity: 1}
    stations:
      t4: {output: out4, inputs: {u4: 1, sh: 1}, process_time: 1 h}
      b4: {output: u4, inputs: {o3: 1}, process_time: 1 h}
      t3: {output: o3, inputs: {sh: 1, part: 1}, process_time: 1 h}
demand:
  d: {item: out4, site: s, capacity: true}
"""


def test_a_start_takes_all_its_inputs_before_anyone_it_wakes_can_start(load_text):
    """A start removes every input and records itself before waking the stations that
    wait for the room it frees: they used to start in between and take a shared input
    the start had counted (a negative stock, or for made units a crash popping an empty
    queue of build starts)."""
    from conftest import run_network
    net = run_network(load_text(SHARED))
    stations = {k.split(".")[1]: st for k, st in net.stations.items()}
    assert sum(r.started for name in ("t3", "t4") for r in stations[name].recipes) == 1   # one unit of sh
    assert all(inv.level >= 0 for inv in net.inventories.values())
