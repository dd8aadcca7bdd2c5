"""Factory dynamics, each checked against a value worked out by hand."""
from __future__ import annotations

import math

import pytest

import rackline
from rackline.states import STATES


def one_machine(extra: str = "", process: str = "1 h", horizon: str = "10 w", station_extra: str = "",
                items: str = "", demand: str = "all: {item: unit, site: s, capacity: true}", top: str = "") -> str:
    return f"""
name: one
run: {{horizon: {horizon}, replications: 1, seed: 3}}
items: {{unit: {{}}{items}}}
{top}
sites:
  s:
{extra}
    stations:
      m: {{output: unit, process_time: {process}{station_extra}}}
demand:
  {demand}
"""


def shares(res, station="s.m"):
    st = res.stations.set_index(["station", "metric"])["mean"]
    return {s: st[(station, f"share_{s}")] for s in STATES if (station, f"share_{s}") in st.index}   # waiting_power:
    # only at a station testing in a hall


def test_half_day_calendar_halves_output_and_pauses_work(load_text):
    # 5 h jobs across 12-hour days: work pauses at the close and resumes next morning
    text = one_machine(process="5 h", station_extra=", calendar: half",
                       top="calendars:\n  half: {hours_per_day: 12}")
    res = rackline.run(load_text(text))
    open_hours = 10 * 7 * 12
    assert res.kpi("throughput", "unit")["mean"] * 10 == pytest.approx(open_hours / 5, abs=1)
    sh = shares(res)
    assert sh["off_shift"] == pytest.approx(0.5, abs=1e-9)
    assert sh["busy"] == pytest.approx(0.5, abs=0.005)


def test_shift_windows_weekdays_and_holidays(load_text):
    from rackline.engine.calendar import open_hours
    from rackline.scenario.model import Calendar
    cal = Calendar.model_validate({"shifts": [{"start": "6 h", "end": "14 h"}, {"start": "22 h", "end": "30 h"}],
                                   "days_per_week": 5, "holidays": [{"start": "1 w", "duration": "1 w"}]})
    # 16 h a weekday, 5 days, 4 weeks minus one holiday week
    assert open_hours(cal, 4 * 168) == pytest.approx(16 * 5 * 3)
    # kept per pattern and horizon: asking again, or for another calendar, horizon or holiday, is never stale
    assert open_hours(cal, 4 * 168) == pytest.approx(16 * 5 * 3)
    assert open_hours(cal, 5 * 168) == pytest.approx(16 * 5 * 4)
    assert open_hours(cal.model_copy(update={"holidays": []}), 4 * 168) == pytest.approx(16 * 5 * 4)
    assert open_hours(cal.model_copy(update={"days_per_week": 7}), 4 * 168) == pytest.approx(16 * 7 * 3, abs=16)
    one_shift = cal.model_copy(update={"shifts": cal.shifts[:1]})
    assert open_hours(one_shift, 4 * 168) == pytest.approx(8 * 5 * 3)


def test_availability_is_mtbf_over_mtbf_plus_mttr(load_text):
    text = one_machine(horizon="400 w", station_extra=", failures: {mtbf: {dist: exponential, mean: 100 h}, "
                       "mttr: {dist: exponential, mean: 10 h}, basis: calendar}")
    res = rackline.run(load_text(text), reps=3)
    sh = shares(res)
    assert sh["down"] == pytest.approx(10 / 110, abs=0.01)
    assert res.kpi("throughput", "unit")["mean"] == pytest.approx(168 * 100 / 110, rel=0.015)


def test_operating_time_failures_count_only_busy_time(load_text):
    # busy half the time (Poisson orders at half the rate): on an operating basis a
    # failure comes every 100 busy hours, so down time ~ 10 / (200 + 10) of calendar time
    text = one_machine(horizon="400 w", process="{dist: exponential, mean: 1 h}",
                       station_extra=", failures: {mtbf: {dist: exponential, mean: 100 h}, "
                       "mttr: {dist: exponential, mean: 10 h}}", demand="d: {item: unit, site: s, rate: 84 per week}",
                       top="release: {policy: make_to_order}")
    res = rackline.run(load_text(text), reps=3)
    busy, down = shares(res)["busy"], shares(res)["down"]
    assert busy == pytest.approx(0.5, abs=0.02)
    assert down == pytest.approx(busy * 10 / 100, rel=0.15)


def test_yield_with_rework_sends_25_percent_more_units_through(load_text):
    text = """
name: rework
run: {horizon: 200 w, seed: 5}
items: {raw: {}, untested: {}, failed: {}, good: {}}
sites:
  s:
    stations:
      make: {output: untested, process_time: 1 h}
      test: {output: good, inputs: {untested: 1}, yield: 0.8, fail_to: failed, process_time: 30 min}
      rework: {output: untested, inputs: {failed: 1}, process_time: 10 min}
    inventories:
      untested: {capacity: 5}
demand:
  all: {item: good, site: s, capacity: true}
"""
    res = rackline.run(load_text(text))
    st = res.stations.set_index(["station", "metric"])["mean"]
    passes = st[("s.test", "throughput_per_week")]
    good = res.kpi("throughput", "good")["mean"]
    assert passes / good == pytest.approx(1.25, rel=0.02)
    assert st[("s.rework", "throughput_per_week")] == pytest.approx(0.25 * good, rel=0.05)


def test_wrights_law_unit_2n_takes_rate_times_unit_n(load_text):
    # fixed base 1 h, first unit 4x, rate 0.9: t(n) = max(1, 4 n^log2 0.9)
    b = math.log2(0.9)
    t = [max(1.0, 4 * n ** b) for n in range(1, 5000)]
    assert t[2 * 8 - 1] == pytest.approx(0.9 * t[8 - 1])
    horizon = 300.0
    expected = sum(1 for c in __import__("itertools").accumulate(t) if c <= horizon + 1e-9)
    text = one_machine(horizon=f"{horizon:g} h", station_extra=", learning: {rate: 0.9, first_unit: 4}")
    res = rackline.run(load_text(text))
    made = res.kpi("throughput", "unit")["mean"] * horizon / 168
    assert made == pytest.approx(expected, abs=1e-6)


def test_crew_pool_limits_parallel_servers(load_text):
    text = one_machine(station_extra=", servers: 4, crew: {pool: techs, size: 1}",
                       extra="    workforce:\n      techs: {size: 2}")
    res = rackline.run(load_text(text))
    assert res.kpi("throughput", "unit")["mean"] == pytest.approx(2 * 168, rel=0.01)
    sh = shares(res)
    assert sh["waiting_crew"] == pytest.approx(0.5, abs=0.01)
    assert res.kpi("crew_utilization", "s.techs")["mean"] == pytest.approx(1.0, abs=0.01)


def test_hires_count_only_after_training(load_text):
    text = one_machine(horizon="20 w", station_extra=", servers: 2, crew: {pool: techs}",
                       extra="    workforce:\n      techs: {size: 1, hiring: [{at: 8 w, add: 1}], training: 2 w}")
    res = rackline.run(load_text(text))
    made = res.kpi("throughput", "unit")["mean"] * 20
    assert made == pytest.approx(168 * (10 + 2 * 10), abs=2)


def test_generation_starts_after_introduction_and_setup_costs_time(load_text):
    text = """
name: gens
run: {horizon: 20 w}
items: {gen1: {}, gen2: {}}
generations:
  g2: {introduced: 10 w, items: [gen2]}
sites:
  s:
    stations:
      line:
        makes:
          gen1: {process_time: 1 h}
          gen2: {process_time: 2 h}
        setup: 4 h
        dispatch: round_robin
demand:
  a: {item: gen1, site: s, capacity: true}
  b: {item: gen2, site: s, capacity: true}
"""
    res = rackline.run(load_text(text))
    ts = res.timeseries
    gen2 = ts[(ts.metric == "output") & (ts.subject == "gen2")]
    assert gen2[gen2.week <= 10].value.sum() == 0
    assert gen2[gen2.week > 10].value.sum() > 0
    st = res.stations.set_index(["station", "metric"])["mean"]
    # round robin after week 10: every unit alternates item, so each pair costs 1 + 2 + 2 x 4 h
    setup_share = st[("s.line", "share_setup")]
    assert setup_share == pytest.approx(0.5 * 8 / 11, abs=0.01)


def test_timed_station_disruption_cuts_output_for_its_duration(load_text):
    text = one_machine(top="disruptions:\n  fire: {station: s.m, at: 2 w, duration: 3 w}")
    res = rackline.run(load_text(text))
    assert res.kpi("throughput", "unit")["mean"] * 10 == pytest.approx(168 * 7, abs=1)
    assert shares(res)["down"] == pytest.approx(0.3, abs=1e-6)
    ev = res.reps[0].disruptions
    assert ev == [("fire", "station:s.m", 336.0, 840.0, 0.0)]


def test_supplier_outage_stops_deliveries_then_recovers(load_text):
    text = """
name: outage
run: {horizon: 30 w}
items: {optics: {}, rack: {}}
suppliers:
  asia: {item: optics, region: overseas, lead_time: 1 w, capacity: 100 per week}
sites:
  s:
    inventories:
      optics: {initial: 50, policy: {type: base_stock, S: 200}, suppliers: {asia: 1}}
    stations:
      build: {output: rack, inputs: {optics: 10}, process_time: 1 h}
demand:
  all: {item: rack, site: s, capacity: true}
disruptions:
  port: {supplier: asia, at: 10 w, duration: 6 w}
"""
    res = rackline.run(load_text(text))
    ts = res.timeseries
    out = ts[(ts.metric == "output")].set_index("week").value
    assert out.loc[5:10].mean() == pytest.approx(10, rel=0.05)   # 100 optics/week -> 10 racks
    assert out.loc[12:16].max() == 0                               # nothing delivered, stock gone
    assert out.loc[17:18].sum() > 0                                # held lots arrive when it ends
    assert out.loc[22:30].mean() == pytest.approx(10, rel=0.1)


def test_initial_backlog_and_wip_are_worked_off(load_text):
    text = one_machine(horizon="1 w", station_extra=", initial_wip: 1, servers: 1",
                       demand="d: {item: unit, site: s, rate: 0 per week, initial_backlog: 5}")
    res = rackline.run(load_text(text))
    assert res.kpi("shipped", "d")["mean"] == pytest.approx(5, abs=1e-9)


def test_time_in_state_sums_to_the_horizon(load_text):
    res = rackline.run("scenarios/baseline.yaml", reps=1)
    st = res.stations
    totals = st[st.metric.str.startswith("share_")].groupby("station")["mean"].sum()
    assert totals.to_numpy() == pytest.approx(1.0, abs=1e-9)


def test_yield_ramp_rises_from_start_to_mature_over_n_units(load_text):
    text = one_machine(horizon="60 w", station_extra=", yield: 0.9, yield_ramp: {start: 0.5, units: 2000}")
    from conftest import run_network
    r = run_network(load_text(text)).stations["s.m"].recipes[0]
    n = r.completed
    assert n > 5000
    # expected passes: the linear ramp's integral over the first 2000 units, then 0.9 each
    expected = sum(0.5 + 0.4 * min(1.0, k / 2000) for k in range(n))
    assert r.good == pytest.approx(expected, rel=0.01)


def test_random_station_disruptions_follow_their_distributions(load_text):
    text = one_machine(horizon="400 w", top="disruptions:\n  jams: {station: s.m, every: {dist: exponential, "
                       "mean: 100 h}, duration: 10 h}")
    res = rackline.run(load_text(text))
    events = res.reps[0].disruptions
    assert len(events) == pytest.approx(400 * 168 / 110, rel=0.1)
    assert all(e - s == pytest.approx(10) for _, _, s, e, _ in events)
    assert shares(res)["down"] == pytest.approx(10 / 110, abs=0.01)


def test_site_disruption_at_half_capacity_halves_output(load_text):
    text = one_machine(top="disruptions:\n  brownout: {site: s, at: 0 h, duration: 10 w, capacity: 0.5}")
    res = rackline.run(load_text(text))
    assert res.kpi("throughput", "unit")["mean"] == pytest.approx(84, rel=0.01)


def test_lane_disruption_stops_deliveries_for_its_window(load_text):
    text = """
name: lane
run: {horizon: 12 w}
items: {part: {}}
sites:
  a:
    stations:
      make: {output: part, process_time: 1 h}
  b:
    stations: {}
lanes:
  truck: {item: part, from: a, to: b, transit: 1 d, every: 1 d}
demand:
  take: {item: part, site: b, capacity: true}
disruptions:
  strike: {lane: truck, at: 4 w, duration: 3 w}
"""
    res = rackline.run(load_text(text))
    out = res.timeseries[res.timeseries.metric == "output"].set_index("week").value
    assert out.loc[6:7].max() == 0
    assert out.loc[2:4].mean() == pytest.approx(168, rel=0.05)
    assert out.loc[9:12].mean() == pytest.approx(168, rel=0.05)


def test_repair_crew_shortage_lengthens_downtime(load_text):
    base = ", servers: 3, failures: {mtbf: {dist: exponential, mean: 20 h}, mttr: 10 h, basis: calendar"
    free = rackline.run(load_text(one_machine(horizon="100 w", station_extra=base + "}")))
    crew = rackline.run(load_text(one_machine(horizon="100 w", station_extra=base + ", repair_crew: {pool: fixers}}",
                                         extra="    workforce:\n      fixers: {size: 1}")))
    # without a crew limit each server is down 10/30 of the time; one fixer for three servers queues repairs
    assert shares(free)["down"] == pytest.approx(1 / 3, abs=0.02)
    assert shares(crew)["down"] > shares(free)["down"] + 0.1


def test_a_crew_is_never_booked_twice_when_taking_inputs_frees_room_upstream(load_text):
    """One technician works both stations (1 h each a unit), with room for one unit
    between them: at most 168 / 2 = 84 units a week. Taking the downstream station's
    input frees the buffer and wakes the upstream station in the same instant; it must
    find the technician already taken (it once took it too, and both ran with one)."""
    text = """
name: one_tech
run: {horizon: 10 w, replications: 1, seed: 1}
items: {a: {}, b: {}}
sites:
  s:
    workforce:
      techs: {size: 1}
    inventories:
      a: {capacity: 1}
    stations:
      up: {output: a, process_time: {dist: fixed, value: 1 h}, crew: {pool: techs}}
      down: {output: b, inputs: {a: 1}, process_time: {dist: fixed, value: 1 h}, crew: {pool: techs}}
demand:
  all: {item: b, site: s, capacity: true}
"""
    res = rackline.run(load_text(text))
    assert res.kpi("throughput", "b")["mean"] == pytest.approx(84, abs=0.5)
    assert res.kpi("crew_utilization", "s.techs")["mean"] <= 1.0 + 1e-9
