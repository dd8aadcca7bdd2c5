"""Engine properties: conservation of units, no negative stock, reproducibility,
release rules and the shipped scenarios' basic sanity."""
from __future__ import annotations

import numpy as np
import pytest

import rackline
from conftest import run_network
from rackline.engine.inventory import Inventory

NETWORK = """
name: network
run: {horizon: 20 w, replications: 1, seed: 4}
items: {tray: {}, shelf: {}, untested: {}, failed: {}, rack: {}}
suppliers:
  asia: {item: tray, region: overseas, lead_time: {dist: lognormal, mean: 3 w, cv: 0.3}}
  us: {item: tray, region: domestic, lead_time: {dist: uniform, low: 1 w, high: 2 w}, capacity: 200 per week}
sites:
  ohio:
    stations:
      power: {output: shelf, servers: 2, process_time: {dist: exponential, mean: 2 h}}
    inventories:
      shelf: {capacity: 40}
  wisconsin:
    inventories:
      tray:
        initial: 100
        policy: {type: RQ, R: 80, Q: 120}
        suppliers: {asia: 0.6, us: 0.4}
      untested: {capacity: 6}
    stations:
      integrate: {output: untested, inputs: {tray: 18, shelf: 8}, servers: 2,
                  process_time: {dist: triangular, low: 6 h, mode: 8 h, high: 12 h}}
      test: {output: rack, inputs: {untested: 1}, servers: 3, yield: 0.85, fail_to: failed,
             process_time: {dist: lognormal, mean: 30 h, cv: 0.2}}
      rework: {output: untested, inputs: {failed: 1}, process_time: {dist: exponential, mean: 6 h}}
lanes:
  shelves: {item: shelf, from: ohio, to: wisconsin, transit: {dist: uniform, low: 1 d, high: 2 d}, load_limit: 40}
demand:
  racks: {item: rack, site: wisconsin, rate: 10 per week}
"""


def _run_network(load_text, seed=4):
    return run_network(load_text(NETWORK), seed)


def test_units_are_conserved_per_item(load_text, monkeypatch):
    take = Inventory.take

    def checked_take(self, n):
        assert n <= self.level, f"{self.key}: taking {n} of {self.level}"
        return take(self, n)

    monkeypatch.setattr(Inventory, "take", checked_take)
    net = _run_network(load_text)
    sc = net.sc
    for item in sc.items:
        initial = sum(inv.initial for site in sc.sites.values() for i, inv in site.inventories.items() if i == item)
        made = sum(r.good for st in net.stations.values() for r in st.recipes if r.item == item)
        made += sum(r.completed - r.good for st in net.stations.values() for r in st.recipes
                    if r.fail is not None and r.fail.item == item)
        bought = sum(s.delivered for s in net.suppliers.values() if s.item == item)
        consumed = sum(r.started * q for st in net.stations.values() for r in st.recipes
                       for inv, q in r.inputs if inv.item == item)
        shipped = sum(d.units_shipped for d in net.demands.values() if d.item == item)
        on_hand = sum(inv.level for inv in net.inventories.values() if inv.item == item)
        in_transit = sum(l.in_transit for l in net.lanes.values() if l.origin.item == item)
        assert initial + made + bought == consumed + shipped + on_hand + in_transit, item
        assert all(inv.level >= 0 for inv in net.inventories.values())
    assert sum(d.units_shipped for d in net.demands.values()) > 50


def test_supplier_split_follows_shares_exactly(load_text):
    net = _run_network(load_text)
    asia, us = net.suppliers["asia"].ordered, net.suppliers["us"].ordered
    assert abs(asia - 0.6 * (asia + us)) <= 1


def test_finite_buffer_is_never_exceeded(load_text):
    net = _run_network(load_text)
    res = rackline.run(load_text(NETWORK))
    levels = res.timeseries[(res.timeseries.metric == "inventory") & (res.timeseries.subject == "wisconsin/untested")]
    assert levels.value.max() <= 6
    assert net.inventories[("wisconsin", "untested")].level <= 6


def test_same_seed_same_numbers_and_different_seed_different(load_text):
    a = rackline.run(load_text(NETWORK), reps=2)
    b = rackline.run(load_text(NETWORK), reps=2, jobs=2)
    c = rackline.run(load_text(NETWORK), reps=2, seed=99)
    assert a.kpis.to_csv() == b.kpis.to_csv()
    assert a.kpis.to_csv() != c.kpis.to_csv()


def test_streams_are_named_not_positional(load_text):
    """Adding an unrelated supplier leaves the others' random numbers unchanged (CRN)."""
    base = load_text(NETWORK)
    extra = load_text(NETWORK.replace("suppliers:\n", "suppliers:\n  spare: {item: tray, region: domestic, "
                                                     "lead_time: 1 w}\n"))
    r1 = rackline.run(base)
    r2 = rackline.run(extra)
    f = lambda r: r.kpi("throughput", "rack")["mean"]
    assert f(r1) == f(r2)


def test_make_to_order_makes_only_what_is_ordered(load_text):
    text = """
name: mto
run: {horizon: 10 w}
items: {rack: {}}
sites:
  s:
    stations:
      build: {output: rack, process_time: 1 h}
demand:
  d: {item: rack, site: s, interarrival: 1 d, order_size: 3}
release: {policy: make_to_order}
"""
    res = rackline.run(load_text(text))
    assert res.kpi("throughput", "rack")["mean"] == pytest.approx(21, abs=0.5)
    assert res.kpi("inventory", "s/rack")["mean"] < 0.5


def test_bottleneck_names_starving_supplier(load_text):
    text = """
name: starved
run: {horizon: 60 w, warmup: 20 w}
items: {optics: {}, rack: {}}
suppliers:
  optics_asia: {item: optics, region: overseas, lead_time: 3 w, capacity: 40 per week}
sites:
  s:
    inventories:
      optics: {policy: {type: base_stock, S: 400}, suppliers: {optics_asia: 1}}
    stations:
      assemble: {output: rack, inputs: {optics: 8}, process_time: 1 h}
demand:
  all: {item: rack, site: s, capacity: true}
"""
    from rackline.analysis.answer_text import bottleneck_sentence
    res = rackline.run(load_text(text))
    table = res.ranking
    row = table[table.station == "s.assemble"].iloc[0]
    assert row.starved_on == "optics" and row.starved_on_source == "supplier optics_asia"
    assert "it waits mostly on optics from supplier optics_asia" in bottleneck_sentence(res.answer.top_station, res.answer.sites)
    assert res.kpi("throughput", "rack")["mean"] == pytest.approx(5, rel=0.05)


def test_mser5_cuts_an_initial_transient():
    from rackline.analysis.warmup import mser5
    rng = np.random.default_rng(1)
    y = np.concatenate([np.linspace(0, 100, 20), 100 + rng.normal(0, 5, 200)])
    assert 3 <= mser5(y) <= 5          # batches of 5: the 20-point ramp is 4 batches
    assert mser5(100 + rng.normal(0, 5, 200)) <= 2


def test_precision_adds_replications_until_the_ci_is_tight():
    from conftest import ANALYTIC
    from rackline.experiments.replications import run_replications
    from rackline.scenario import load_scenario
    loaded = load_scenario(ANALYTIC / "mm1.yaml", {"run.horizon": "1000 h", "run.warmup": "50 h"})
    res = run_replications(loaded, reps=3, precision=0.02, max_reps=40)
    row = res.kpi("throughput", "unit")
    assert len(res.reps) > 3
    assert row.half_width <= 0.02 * row["mean"] or len(res.reps) == 40
    assert "chose" in res.notes[0]


def test_a_valid_scenario_that_cannot_work_says_so(load_text):
    text = """
name: stuck
run: {horizon: 10 w}
items: {chip: {}, rack: {}}
suppliers:
  slow: {item: chip, region: overseas, lead_time: 30 w}
sites:
  s:
    inventories:
      chip: {policy: {type: base_stock, S: 10}, suppliers: {slow: 1}}
    stations:
      build: {output: rack, inputs: {chip: 1}, process_time: 1 h}
demand:
  d: {item: rack, site: s, rate: 10 per week}
"""
    lines = rackline.run(load_text(text)).answer.lines()
    assert any(l.startswith("WARNING: no rack was made") for l in lines)
    assert any("demand d is far above what is shipped" in l for l in lines)
    assert any("station s.build never worked: starved on chip" in l for l in lines)


def test_measurement_off_moves_the_same_units(load_text):
    """The benchmarks' measure=False (engine/quiet.py) drops the time-weighted accounting
    only: every event and every unit shipped is the same as with it."""
    from rackline.engine.network import run_replication
    sc = load_text(NETWORK).scenario
    on, off = run_replication(sc, 0), run_replication(sc, 0, measure=False)
    assert on.events == off.events
    for name, d in on.demands.items():
        assert d.units_shipped[-1] == off.demands[name].units_shipped[-1] > 0
    assert sum(inv.area[-1] for inv in on.inventories.values()) > 0                # stock held over time: measured
    assert sum(inv.area[-1] for inv in off.inventories.values()) == 0              # ... and not, with measurement off
