"""The test floor, L12 clusters, allocations and generations over time (issue 27 items 1-4):
hand-checkable rates, each also in the capacity table and the constraint chain, and bad
input refused with file, line and path."""
from __future__ import annotations

import math

import numpy as np
import pytest

import rackline
from rackline.errors import ScenarioError
from rackline.scenario import load_scenario_text
from rackline.units import WEEK

# a hall of P = 1 MW, racks of k = 130 kW, a fixed test of t = 24 h, and more test bays than fit
HALL = """
name: hall
run: {horizon: 5000 h, warmup: 100 h, replications: 1}
items: {part: {}, rack_untested: {unit: rack}, rack: {unit: rack}}
sites:
  s:
    inventories:
      part: {initial: 1000000}
      rack_untested: {capacity: 10}
    test_halls:
      floor: {power: 1 MW}
    stations:
      integrate: {output: rack_untested, inputs: {part: 1}, process_time: 1 h, servers: 4}
      l11: {output: rack, inputs: {rack_untested: 1}, process_time: 24 h, servers: 20, hall: floor,
            test_power: 130 kW}
demand:
  all: {item: rack, site: s, capacity: true}
"""

# an L12 cluster of N = 8 racks on s = 2 test lines for t = 48 h, under a GPU allocation of
# A = 40,000 per quarter (13 w) at g = 72 GPUs a rack, ordered far ahead (base stock)
CLUSTER = """
name: cluster
run: {horizon: 52 w, replications: 1}
items: {part: {}, gpu: {unit: gpu}, rack_untested: {unit: rack}, rack: {unit: rack}}
sites:
  s:
    inventories:
      part: {initial: 1000000}
      rack_untested: {capacity: 40}
      gpu:
        policy: {type: base_stock, S: 1000000}
        suppliers: {nv: 1.0}
    stations:
      integrate: {output: rack_untested, inputs: {part: 1, gpu: 72}, process_time: 1 h, servers: 4}
      l12: {output: rack, inputs: {rack_untested: 1}, process_time: 48 h, servers: 2, cluster: 8}
suppliers:
  nv: {item: gpu, region: overseas, lead_time: 1 w, allocation: {units: 40000, per: 13 w}}
demand:
  all: {item: rack, site: s, capacity: true}
"""

# Gen-1 (10 parts of $100 a rack) ends at week 10; its orders move to Gen-2 from then on.
# Gen-1 is built ahead at 60/week for 30/week of orders, so racks and parts are left over.
GENERATIONS = """
name: gens
run: {horizon: 20 w, replications: 2}
items: {part1: {}, part2: {}, rack1: {unit: rack}, rack2: {unit: rack}}
sites:
  s:
    inventories:
      part1:
        policy: {type: sS, s: 400, S: 1200}
        suppliers: {p1: 1.0}
      part2:
        policy: {type: sS, s: 400, S: 1200}
        suppliers: {p2: 1.0}
    stations:
      build1: {output: rack1, inputs: {part1: 10}, process_time: 2.8 h}
      build2: {output: rack2, inputs: {part2: 10}, process_time: 2.8 h}
suppliers:
  p1: {item: part1, region: domestic, lead_time: 1 d}
  p2: {item: part2, region: domestic, lead_time: 1 d}
demand:
  orders: {item: rack1, site: s, rate: 30 per week, arrivals: regular}
generations:
  gen1: {items: [rack1, part1], ends: 10 w, next: gen2, salvage: {rack1: $300}}
  gen2: {items: [rack2, part2], introduced: 8 w}
costs:
  prices: {p1: $100, p2: $150}
  revenue:
    rack1: {value: none, note: "the write-off alone is measured"}
    rack2: {value: none, note: "the write-off alone is measured"}
"""


def _chain(res) -> str:
    return next(ln for ln in res.answer.lines() if ln.startswith("Constraint:"))


def test_a_hall_of_p_mw_tests_floor_p_over_k_racks_per_test_time(load_text):
    res = rackline.run(load_text(HALL))
    expected = math.floor(1000 / 130) / 24 * WEEK          # 7 racks a day = 49 a week
    assert res.kpi("throughput", "rack")["mean"] == pytest.approx(expected, rel=0.01)
    row = res.capacity.set_index("resource").loc["s.floor"]
    assert row.kind == "hall_power" and row.max_rate == pytest.approx(expected, rel=1e-9)
    assert row.capacity == pytest.approx(1.0 * WEEK)        # MWh a week
    assert res.capacity.iloc[0].resource == "s.floor"       # the static bottleneck
    # 7 racks of 130 kW at once: the peak, and 910 kW of the 1 MW over the hours
    assert res.kpi("hall_peak", "s.floor")["mean"] == pytest.approx(0.91)
    assert res.kpi("hall_utilization", "s.floor")["mean"] == pytest.approx(0.91, abs=0.01)
    assert res.kpi("hall_wait", "s.floor")["mean"] == pytest.approx(13 / 20, abs=0.01)   # 13 bays wait
    assert _chain(res).startswith("Constraint: s test hall floor power (1 MW, 91% of MW-hours) -> "
                                  "s.l11 waiting for test hall power 65% of open time")
    assert res.answer.products[0].constraint.binding.kind == "hall"


def test_cooling_below_power_binds_and_is_named(load_text):
    res = rackline.run(load_text(HALL.replace("{power: 1 MW}", "{power: 1 MW, cooling: 500 kW}")))
    expected = math.floor(500 / 130) / 24 * WEEK            # 3 racks a day
    assert res.kpi("throughput", "rack")["mean"] == pytest.approx(expected, rel=0.01)
    row = res.capacity.set_index("resource").loc["s.floor"]
    assert row.kind == "hall_cooling" and row.max_rate == pytest.approx(expected)
    assert "s test hall floor cooling (0.5 MW" in _chain(res)


def test_a_larger_hall_gains_the_racks_the_formula_says(load_text):
    small = rackline.run(load_text(HALL)).kpi("throughput", "rack")["mean"]
    large = rackline.run(load_text(HALL, {"sites.s.test_halls.floor.power": "2 MW"})).kpi("throughput", "rack")["mean"]
    assert large - small == pytest.approx((math.floor(2000 / 130) - 7) / 24 * WEEK, rel=0.02)


def test_an_l12_cluster_of_n_on_s_lines_makes_s_n_over_t(load_text):
    text = CLUSTER.replace(", allocation: {units: 40000, per: 13 w}", "").replace("52 w,", "52 w, warmup: 2 w,")
    res = rackline.run(load_text(text))       # (the first GPUs arrive after a week: measured from week 2)
    expected = 2 * 8 / 48 * WEEK                             # 56 racks a week
    row = res.capacity.set_index("resource").loc["s.l12"]
    assert row.max_rate == pytest.approx(expected)
    assert res.capacity.iloc[0].resource == "s.l12"
    assert res.kpi("throughput", "rack")["mean"] == pytest.approx(expected, rel=0.02)
    # racks leave in whole clusters: every completion count is a multiple of 8
    made = res.reps[0].stations["s.l12"].completions
    assert all(int(x) % 8 == 0 for x in made)
    assert _chain(res).startswith("Constraint: s.l12 busy") and "(L12 clusters of 8)" in _chain(res)


def test_a_cluster_never_starts_short(load_text):
    from rackline.engine.network import run_replication
    # make-to-order: 20 racks ordered, released 20 at a time: two clusters of 8 go, 4 wait for more orders
    text = CLUSTER.replace(", allocation: {units: 40000, per: 13 w}", "").replace(
        "all: {item: rack, site: s, capacity: true}", "all: {item: rack, site: s, rate: 1 per year, initial_backlog: 20}")
    text += "release: {policy: make_to_order, stations: [s.l12]}\n"
    rec = run_replication(load_text(text).scenario, 0)
    assert rec.stations["s.l12"].completions[-1] == 16


def test_an_allocation_of_a_per_quarter_at_g_per_rack_caps_output_at_a_over_g(load_text):
    res = rackline.run(load_text(CLUSTER))
    per_quarter = 40000 / 72
    expected = per_quarter / 13                               # racks a week
    row = res.capacity.set_index(["resource", "kind"]).loc[("nv", "allocation")]
    assert row.max_rate == pytest.approx(expected)
    assert row.capacity == pytest.approx(40000 / 13)          # GPUs a week
    assert res.capacity.iloc[0].kind == "allocation"
    # four quarters granted, all used; the racks made are the whole racks the GPUs allow
    assert res.kpi("allocation_granted", "nv")["mean"] == pytest.approx(4 * 40000 / 52)
    assert res.kpi("allocation_used", "nv")["mean"] == pytest.approx(4 * 40000 / 52)
    assert res.kpi("throughput", "rack")["mean"] * 52 == pytest.approx(4 * per_quarter, abs=8 + 72)
    assert _chain(res).startswith("Constraint: gpu allocation of nv (40,000 per 13 w, 100% used)")


def test_undelivered_allocation_is_lost_or_carried_and_a_disruption_cuts_it(load_text):
    from rackline.engine.network import run_replication
    # L12 at 96 h uses 2 x 8 / 96 x 72 = 2,016 GPUs a week, about 26,000 of the 40,000 a quarter
    lost = CLUSTER.replace("S: 1000000", "S: 5000").replace("process_time: 48 h", "process_time: 96 h")
    rec = run_replication(load_text(lost).scenario, 0)
    a = rec.suppliers["nv"].allocation
    assert a["granted"][-1] == 4 * 40000
    # three quarters closed within the run: what each did not use is lost, less what filled the
    # pipeline once (S = 5,000 GPUs) and the 40-rack buffer before L12 (72 GPUs a rack)
    assert a["lost"][-1] == pytest.approx(3 * (40000 - 2016 * 13) - 5000 - 40 * 72, rel=0.1)
    carried = load_text(lost.replace("per: 13 w}", "per: 13 w, undelivered: carried}")).scenario
    assert run_replication(carried, 0).suppliers["nv"].allocation["lost"][-1] == 0
    cut = CLUSTER + "disruptions:\n  shortage: {supplier: nv, at: 12 w, duration: 2 w, capacity: 0.5}\n"
    rec = run_replication(load_text(cut).scenario, 0)
    assert rec.suppliers["nv"].allocation["granted"][-1] == 3 * 40000 + 20000   # the week-13 grant is halved


def test_an_ended_generation_moves_its_demand_and_writes_off_what_is_left(load_text):
    res = rackline.run(load_text(GENERATIONS))
    sc = res.loaded.scenario
    assert "orders_to_gen2" in sc.demand                     # the resolve step moved the orders
    d = res.kpis.set_index(["kpi", "subject"])["mean"]
    assert d[("demand", "orders_to_gen2")] == pytest.approx(30, rel=0.05)   # 30/week over its window, from week 10
    left_rack, left_part = d[("written_off", "rack1")], d[("written_off", "part1")]
    assert left_rack > 0
    for rep in res.reps:   # written off = what is on hand at the horizon: made - shipped
        inv = rep.inventories[("s", "rack1")]
        assert inv.level[-1] == inv.units_in[-1] - inv.units_out[-1]
        made = rep.stations["s.build1"].made["rack1"]
        assert made[-1] == made[11] > 0                       # nothing started after week 10
    # obsolescence = leftover x (cost - salvage): a rack1 is 10 parts of $100, salvage $300; a part $100, salvage 0
    assert d[("obsolescence", "all")] == pytest.approx(left_rack * (1000 - 300) + left_part * 100)
    assert d[("cost_per_rack", "obsolescence")] > 0


def test_shipped_scenarios_report_no_floor_kpis():
    res = rackline.run("scenarios/minimal.yaml", reps=1)
    assert not res.kpis.kpi.isin(["hall_utilization", "written_off", "obsolescence", "allocation_used"]).any()
    assert "share_waiting_power" not in set(res.stations.metric)


@pytest.mark.parametrize("change, where, message", [
    ({"sites.s.stations.l11.test_power": "1.2 MW"}, "sites.s.stations.l11.test_power",
     "expected at most the power of hall 'floor' (1 MW) per start, got 1.2 MW"),
    ({"sites.s.stations.l11.hall": "nowhere"}, "sites.s.stations.l11.hall",
     "expected a test hall of site 's' (floor), got 'nowhere'"),
])
def test_a_rack_above_its_halls_capacity_is_refused_where_it_is_written(change, where, message, load_text):
    with pytest.raises(ScenarioError) as err:
        load_text(HALL, change)
    p = err.value.problems[0]
    assert (p.path, p.message) == (where, message) and p.line is not None


def _problem(text: str):
    with pytest.raises(ScenarioError) as err:
        load_scenario_text(text, "bad.yaml")
    assert len(err.value.problems) == 1
    p = err.value.problems[0]
    assert p.file == "bad.yaml" and p.line is not None
    return p


def test_a_cluster_larger_than_its_feeding_buffer_is_refused():
    p = _problem(CLUSTER.replace("rack_untested: {capacity: 40}", "rack_untested: {capacity: 6}"))
    assert p.path == "sites.s.stations.l12.cluster"
    assert p.message == ("expected a cluster that fits the stock feeding it "
                         "(sites.s.inventories.rack_untested.capacity = 6 units), got 8")
    assert p.line == CLUSTER.splitlines().index(next(ln for ln in CLUSTER.splitlines() if "l12:" in ln)) + 1


def test_an_allocation_period_of_zero_is_refused():
    p = _problem(CLUSTER.replace("per: 13 w", "per: 0 w"))
    assert p.path == "suppliers.nv.allocation.per" and "expected a duration > 0" in p.message


def test_an_end_before_the_introduction_is_refused():
    p = _problem(GENERATIONS.replace("gen1: {items: [rack1, part1]", "gen1: {introduced: 12 w, items: [rack1, part1]"))
    assert p.path == "generations.gen1.ends"
    assert p.message == "expected an end after the introduction (12 w), got 10 w"


def test_three_sites_answers_per_generation_and_ends_gen2_at_the_hall():
    res = rackline.run("scenarios/three_sites.yaml", reps=2)
    answers = {p.product: p for p in res.answer.products}
    assert set(answers) == {"rack_gen1", "rack_gen2"}
    assert answers["rack_gen2"].window_start_week == pytest.approx(16)       # Gen-2 from its introduction
    assert answers["rack_gen2"].constraint.binding.kind == "hall"
    assert answers["rack_gen2"].constraint.binding.name == "ohio.gen2_floor"
    kinds = set(res.capacity.kind)
    assert {"hall_power", "allocation"} <= kinds
    from rackline.analysis.capacity import capacity_table
    ct = capacity_table(res.loaded.scenario)      # per generation: the hall allows Gen-2 only
    gen2 = {r.resource: r for r in ct.per_product["rack_gen2"]}
    assert "ohio.gen2_floor" in gen2 and all(r.resource != "ohio.gen2_floor" for r in ct.per_product["rack_gen1"])
    # the hall's MWh over a good Gen-2 rack's: L11 (200 kW x 48 h) and L12 (200 kW x 36 h) tests, with
    # L11 yield 0.95 and L12 yield 0.98 sending failures back through L11 (1 / (0.95 x 0.98) L11 starts)
    per_rack = 200 * 48 / (0.95 * 0.98) + 200 * 36 / 0.98
    assert gen2["ohio.gen2_floor"].capacity == pytest.approx(1600 * WEEK / per_rack)
    assert res.kpi("obsolescence", "all")["mean"] > 0
    assert "gen1_orders_to_gen2" in res.loaded.scenario.demand
    # the hall never gives more than its cap, though L11 and L12 racks compete for it (a stock freed as
    # L12 takes its cluster wakes L11, which must not start on power L12 is about to draw)
    for rep in res.reps:
        hall = rep.halls["ohio.gen2_floor"]
        assert hall.peak_kw.max() <= hall.cap_kw + 1e-9
        assert (np.diff(hall.kwh) <= hall.cap_kw * np.diff(rep.times) + 1e-6).all()


def test_a_halls_energy_is_its_kwh_at_the_price(load_text):
    res = rackline.run(load_text(HALL + "costs:\n  energy_price: $0.10\n  revenue:\n    rack: {value: none, note: energy alone}\n"))
    weeks = (5000 - 100) / WEEK
    racks = res.kpi("throughput", "rack")["mean"] * weeks
    mwh = res.kpi("hall_energy", "s.floor")["mean"]
    assert res.kpi("cost_per_rack", "energy")["mean"] * racks == pytest.approx(mwh * 1000 * 0.10, rel=1e-6)
    # a test of 24 h at 130 kW is 3.12 MWh a rack; racks still under test at the end add their hours so far
    assert mwh / racks == pytest.approx(130 * 24 / 1000, rel=0.05)


def test_power_values_are_registered_and_swept_in_their_unit():
    from rackline.experiments.sweep.spec import _kind, _to_number
    from rackline.scenario import load_scenario
    from rackline.scenario.assumptions import register
    reg = register(load_scenario("scenarios/three_sites.yaml")).set_index("path")
    hall = reg.loc["sites.ohio.test_halls.gen2_floor.power"]
    assert (hall.unit, hall.base_value, hall.base_unit) == ("MW", 1600.0, "kW")
    assert reg.loc["sites.ohio.stations.l12_test.test_power"].base_value == 200.0
    assert _kind("1.6 MW") == ("power", "MW")
    assert _to_number("2400 kW", "power", "MW") == pytest.approx(2.4)


def test_a_product_that_inherits_orders_needs_its_price_too(load_text):
    from rackline.errors import ScenarioError
    text = GENERATIONS.replace('    rack2: {value: none, note: "the write-off alone is measured"}\n', "")
    with pytest.raises(ScenarioError) as err:
        load_text(text)
    assert "at demand.orders.item: expected a price in costs.revenue for product 'rack2'" in str(err.value)


# one 400 kW hall shared by single-rack tests of product a (two bays, 200 kW, 10 h, both ending
# together) and an L12 cluster of two 200 kW racks of product b (5 h): b needs the whole hall
QUEUE = """
name: queue
run: {horizon: 2100 h, warmup: 100 h, replications: 1}
items: {part: {}, a_untested: {unit: rack}, a: {unit: rack}, b_untested: {unit: rack}, b: {unit: rack}}
sites:
  s:
    inventories:
      part: {initial: 1000000}
      a_untested: {capacity: 10}
      b_untested: {capacity: 10}
    test_halls:
      floor: {power: 400 kW}
    stations:
      build_a: {output: a_untested, inputs: {part: 1}, process_time: 1 h}
      build_b: {output: b_untested, inputs: {part: 1}, process_time: 1 h}
      test_a: {output: a, inputs: {a_untested: 1}, process_time: 10 h, servers: 2, hall: floor, test_power: 200 kW}
      test_b: {output: b, inputs: {b_untested: 1}, process_time: 5 h, hall: floor, test_power: 200 kW, cluster: 2}
demand:
  a: {item: a, site: s, capacity: true}
  b: {item: b, site: s, capacity: true}
"""


def test_single_racks_starve_a_waiting_cluster_unless_the_hall_starts_in_turn(load_text):
    """first_fit (the default): each of a's tests that ends frees 200 kW, which a takes back
    before the cluster's 400 kW are ever free, so b never starts after the first hours.
    in_turn: freed power is held for the cluster, so a's two racks (10 h) and b's cluster
    of two (5 h) alternate: 2 racks of each every 15 h."""
    first_fit = rackline.run(load_text(QUEUE))
    assert first_fit.kpi("throughput", "b")["mean"] < 0.1
    said = [w for w in first_fit.answer.warnings if "power_queue: in_turn" in w]   # the answer names the rule
    assert len(said) == 1 and said[0].startswith("WARNING: s.test_b (400 kW a start) waited for test hall power")
    assert first_fit.kpi("throughput", "a")["mean"] == pytest.approx(2 / 10 * WEEK, rel=0.01)
    in_turn = rackline.run(load_text(QUEUE, {"sites.s.test_halls.floor.power_queue": "in_turn"}))
    assert not [w for w in in_turn.answer.warnings if "power_queue" in w]
    for product in ("a", "b"):
        assert in_turn.kpi("throughput", product)["mean"] == pytest.approx(2 / 15 * WEEK, rel=0.01)
    hall = in_turn.reps[0].halls["s.floor"]
    assert hall.peak_kw.max() <= hall.cap_kw + 1e-9


def test_in_turn_each_start_queues_on_its_own(load_text):
    """A station with a server still free after it starts does not keep the first place:
    its next start waits behind the cluster (which, first in line, would otherwise never
    run). With three bays for a: b's cluster (5 h), then two of a's racks (10 h), then the
    one a queued before b (10 h, b waits for the whole hall): 3 racks of a and 2 of b
    every 25 h, the hall 80% used."""
    text = QUEUE.replace("servers: 2, hall: floor", "servers: 3, hall: floor")
    res = rackline.run(load_text(text, {"sites.s.test_halls.floor.power_queue": "in_turn"}))
    assert res.kpi("throughput", "a")["mean"] == pytest.approx(3 / 25 * WEEK, rel=0.01)
    assert res.kpi("throughput", "b")["mean"] == pytest.approx(2 / 25 * WEEK, rel=0.01)
    assert res.kpi("hall_utilization", "s.floor")["mean"] == pytest.approx(0.8, abs=0.01)


def test_a_start_that_cannot_go_does_not_hold_the_hall_in_turn(load_text):
    """A cluster that runs out of racks (b's 40 parts) leaves the line instead of holding the
    hall for a start that cannot go: after them, a tests at its full rate."""
    text = (QUEUE.replace("items: {part: {},", "items: {part: {}, part_b: {},")
            .replace("part: {initial: 1000000}", "part: {initial: 1000000}\n      part_b: {initial: 40}")
            .replace("build_b: {output: b_untested, inputs: {part: 1}", "build_b: {output: b_untested, inputs: {part_b: 1}"))
    res = rackline.run(load_text(text, {"sites.s.test_halls.floor.power_queue": "in_turn", "run.warmup": "600 h"}))
    assert res.reps[0].stations["s.test_b"].completions[-1] == 40     # cumulative, at the last snapshot
    assert res.kpi("throughput", "a")["mean"] == pytest.approx(2 / 10 * WEEK, rel=0.01)


# s_test waits first in line for 400 kW while z_test holds 300 of 500 until 10 h; y_test (100 kW)
# waits behind it. At 3 h s_test can no longer start, for one of three reasons:
LOSES = """
name: loses
run: {horizon: 30 h, warmup: 0 h, replications: 1}
items: {part: {}, z: {}, a: {}, y: {}, u: {}, p2: {}, w: {}}
sites:
  s:
    workforce: {tech: {size: 1, hiring: HIRING}}
    inventories:
      part: {initial: 1000}
      u: {initial: 1}
      p2: {capacity: 1}
    test_halls:
      floor: {power: 500 kW, power_queue: in_turn}
    stations:
      z_test: {output: z, inputs: {part: 1}, process_time: 10 h, hall: floor, test_power: 300 kW}
      s_test: {output: a, inputs: {u: 1}, process_time: 8 h, hall: floor, test_power: 400 kW, crew: {pool: tech}}
      y_test: {output: y, inputs: {part: 1}, process_time: 1 h, hall: floor, test_power: 100 kW}
      p: {output: p2, inputs: {part: 1}, process_time: 3 h}
      w_take: {output: w, inputs: {u: 1, p2: 1}, process_time: 1 h}
demand:
  z: {item: z, site: s, capacity: true}
  a: {item: a, site: s, capacity: true}
  y: {item: y, site: s, capacity: true}
  w: {item: w, site: s, capacity: true}
"""
CAUSES = {
    "its generation ends": ("[]", "generations:\n  g1: {items: [a], ends: 3 h}\n", "u: {initial: 1}", "u: {initial: 2}"),
    "its only technician leaves": ("[{at: 3 h, add: -1}]", "", "u: {initial: 1}", "u: {initial: 2}"),
    "another station takes its input": ("[]", "", "", ""),
}


@pytest.mark.parametrize("cause", list(CAUSES))
def test_a_start_that_can_no_longer_go_leaves_the_line_when_it_happens(load_text, cause):
    """When s_test can no longer start (its generation ends, its crew leaves, or w_take takes
    the one unit of u it needs) it leaves the line then, so y_test tests from 3 h on (26
    racks done before 30 h), not from z_test's end at 10 h (19)."""
    from conftest import run_network
    hiring, extra, old, new = CAUSES[cause]
    text = LOSES.replace("HIRING", hiring) + extra
    if old:
        text = text.replace(old, new)      # a second unit of u: w_take's take does not strand s_test
    net = run_network(load_text(text))
    assert net.stations["s.y_test"].completions == 26
    assert net.stations["s.s_test"].completions == 0
