"""KPI definitions with hand-computed answers (issue 15 items 10 and 11)."""
from __future__ import annotations

import math

import numpy as np
import pytest

import rackline
from rackline.engine.clock import Clock
from rackline.engine.inventory import Inventory
from rackline.engine.work import path_input

# chips (bought) -> tray (1 h, 1 server: 1 tray/h); integrate takes 2 trays + a frame
# (4 h: one rack every 4 h, so trays pile up in stock) -> test (3 h) -> rack
LINE = """
name: build
run: {horizon: 1 w, seed: 3}
items: {chip: {}, frame: {}, tray: {}, raw: {}, rack: {}}
sites:
  s:
    stations:
      trays: {output: tray, inputs: {chip: 1}, process_time: 1 h}
      integrate: {output: raw, inputs: {tray: 2, frame: 1}, process_time: 4 h}
      test: {output: rack, inputs: {raw: 1}, process_time: 3 h}
    inventories:
      chip: {initial: 100000}
      frame: {initial: 100000}
demand:
  all: {item: rack, site: s, capacity: true}
"""


def test_build_time_runs_from_the_start_of_the_racks_own_path(load_text):
    # every rack: 4 h integrate + 3 h test, no wait (test is faster than integrate);
    # the trays it holds were made up to a week earlier, which is component age, not build time
    res = rackline.run(load_text(LINE), reps=1)
    assert res.kpi("build_time", "rack")["mean"] == pytest.approx(7.0)


def test_rework_stays_on_the_path_and_counts_in_build_time(load_text):
    # a deterministic rework loop: every rack fails leak test (yield 0) into `leaky`, is
    # fixed (2 h) and passes L11 (3 h); rework continues the rack's own path
    text = """
name: rework
run: {horizon: 1 w, seed: 3}
items: {frame: {}, raw: {}, leaky: {}, fixed: {}, rack: {}}
sites:
  s:
    stations:
      integrate: {output: raw, inputs: {frame: 1}, process_time: 4 h}
      leak: {output: rack, inputs: {raw: 1}, process_time: 1 h, yield: 0.0, fail_to: leaky}
      fix: {output: fixed, inputs: {leaky: 1}, process_time: 2 h}
      l11: {output: rack, inputs: {fixed: 1}, process_time: 3 h}
    inventories:
      frame: {initial: 100000}
demand:
  all: {item: rack, site: s, capacity: true}
"""
    res = rackline.run(load_text(text), reps=1)
    # integrate starts the path (its only input is bought): 4 + 1 + 2 + 3 h, no queues
    assert res.kpi("build_time", "rack")["mean"] == pytest.approx(10.0)


def test_path_input_is_the_one_made_unit_a_recipe_carries_on(load_text):
    clock = Clock(0, 0)
    inv = {name: Inventory(clock, "s", name, made=made) for name, made in
           [("bought", False), ("a", True), ("b", True)]}
    assert path_input([(inv["a"], 1)]) is inv["a"]                         # a test or rework
    assert path_input([(inv["a"], 1), (inv["bought"], 3)]) is inv["a"]     # plus purchased parts
    assert path_input([(inv["a"], 1), (inv["b"], 1)]) is None              # assembles made parts
    assert path_input([(inv["a"], 2)]) is None                             # two units become one
    assert path_input([(inv["bought"], 1)]) is None                        # starts from bought parts


def test_order_lead_time_is_each_orders_own(load_text):
    # one unit an hour; an order of 3 units every 2 h (from t = 2 h): order k arrives at
    # 2k and is complete when the 3k-th unit is made, at 3k: its lead time is k hours.
    # Orders filled by 101 h: k = 1..33 -> lead times 1..33 h
    text = """
name: orders
run: {horizon: 101 h, seed: 3}
items: {part: {}, unit: {}}
sites:
  s:
    stations:
      m: {output: unit, inputs: {part: 1}, process_time: 1 h}
    inventories:
      part: {initial: 100000}
demand:
  d: {item: unit, site: s, interarrival: 2 h, order_size: 3}
"""
    res = rackline.run(load_text(text), reps=1)
    k = np.arange(1, 34, dtype=float)
    assert res.kpi("order_lead_time", "d")["mean"] == pytest.approx(k.mean())
    assert res.kpi("order_lead_time_p90", "d")["mean"] == pytest.approx(np.quantile(k, 0.9))
    assert res.kpi("open_orders_at_end", "d")["mean"] == 50 - 33


WIP = """
name: wip
run: {{horizon: 1 w, warmup: 2 h, seed: 3}}
items: {{part: {{}}, mid: {{family: rack, unit: {mid_unit}}}, prod: {{family: rack, unit: rack}}}}
sites:
  s:
    stations:
      a: {{output: mid, inputs: {{part: 1}}, process_time: 2 h}}
      b: {{output: prod, inputs: {{mid: 1}}, process_time: 2 h}}
    inventories:
      part: {{initial: 100000}}
demand:
  all: {{item: prod, site: s, capacity: true}}
"""


def test_wip_is_per_item_and_per_family_of_one_unit(load_text):
    # after 2 h: a always holds one `mid`, b one `prod`, and `mid` never waits (b takes
    # it as it is made): one unit of each in process, two racks in the family
    res = rackline.run(load_text(WIP.format(mid_unit="rack")), reps=1)
    assert res.kpi("wip", "mid")["mean"] == pytest.approx(1.0)
    assert res.kpi("wip", "prod")["mean"] == pytest.approx(1.0)
    assert res.kpi("wip_family", "rack")["mean"] == pytest.approx(2.0)
    assert "all" not in set(res.kpis.loc[res.kpis.kpi == "wip", "subject"])


def test_a_family_that_mixes_units_gets_no_wip_total(load_text):
    res = rackline.run(load_text(WIP.format(mid_unit="tray")), reps=1)
    assert res.kpi("wip", "mid")["mean"] == pytest.approx(1.0)
    assert not (res.kpis.kpi == "wip_family").any()
    assert math.isfinite(res.kpi("wip", "prod")["mean"])
