"""Units lost to disruptions: each replication is run again without the scenario's
disruptions (same random numbers) and the difference in units made is the loss."""
from __future__ import annotations

import numpy as np
import pytest

from rackline.analysis.kpis import products_made, replication_kpis
from rackline.engine.network import run_replication
from rackline.experiments.task import replicate, undisrupted

# one always-busy station makes a rack an hour (fixed time, endless input, the
# customer takes all); a station outage of 10 h at 100 h stops it for exactly 10 racks
LINE = """
name: losstest
run: {horizon: 2 w, warmup: 0 h, replications: 1, seed: 1}
items: {kit: {}, rack: {}}
sites:
  plant:
    inventories:
      kit: {initial: 100000}
    stations:
      build: {output: rack, inputs: {kit: 1}, process_time: 1 h}
demand:
  buyer: {item: rack, site: plant, capacity: true}
disruptions:
  outage: {station: plant.build, at: 100 h, duration: 10 h, capacity: 0}
"""


def loss_of(loaded, rep=0):
    out = replicate(loaded.data, None, rep, loaded.scenario.run.seed)
    rows = {(r.kpi, r.subject): r.value for r in replication_kpis(out.record, 0.0).kpis}
    return rows.get(("disruption_loss", "rack")), out


def test_a_ten_hour_outage_of_a_one_an_hour_station_loses_ten_racks(load_text):
    loss, out = loss_of(load_text(LINE))
    assert loss == 10
    assert out.record.undisrupted["rack"][-1] == 335   # one an hour for two weeks; the one due at 336 h is not counted
    assert products_made(out.record)["rack"][-1] == 325


def test_no_disruptions_lose_nothing_and_the_setting_turns_the_twin_off(load_text):
    loss, _ = loss_of(load_text(LINE.replace("disruptions:\n  outage:", "other:\n  outage:").split("other:")[0]))
    assert loss == 0
    off, out = loss_of(load_text(LINE.replace("seed: 1}", "seed: 1, disruption_loss: false}")))
    assert off is None and out.record.undisrupted == {}


def test_the_twin_is_the_same_replication_without_disruptions(load_text):
    # random times and a random outage pattern: the twin must equal a separate run of
    # the scenario with the disruptions removed, replication by replication
    text = LINE.replace("process_time: 1 h", "process_time: {dist: exponential, mean: 1 h}").replace(
        "at: 100 h, duration: 10 h", "every: {dist: exponential, mean: 50 h}, duration: {dist: exponential, mean: 5 h}")
    loaded = load_text(text)
    for rep in (0, 1, 2):
        _, out = loss_of(loaded, rep)
        alone = run_replication(undisrupted(loaded.scenario), rep, loaded.scenario.run.seed)
        np.testing.assert_array_equal(out.record.undisrupted["rack"], products_made(alone)["rack"])
        assert out.record.undisrupted["rack"][-1] > products_made(out.record)["rack"][-1]
    assert undisrupted(loaded.scenario).disruptions == {} and loaded.scenario.disruptions


def test_the_overseas_outage_costs_racks_and_the_headline_says_how_many(capsys, tmp_path):
    from conftest import SCENARIOS
    from rackline.cli import main
    main(["run", str(SCENARIOS / "overseas_disruption.yaml"), "--reps", "3", "--no-plots", "--out", str(tmp_path / "o")])
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "Disruption loss rack_gen1" in x)
    assert float(line.split(":")[1].split()[0]) > 0
    import pandas as pd
    k = pd.read_csv(tmp_path / "o" / "kpis.csv").set_index(["kpi", "subject"])
    assert k.loc[("disruption_loss", "rack_gen1"), "mean"] == pytest.approx(float(line.split(":")[1].split()[0]), rel=0.01)


def test_the_loss_counts_an_outage_inside_the_warm_up(load_text):
    # the twin starts from the same state as the run, so the loss needs no warm-up cut:
    # an outage in week 1 costs its racks even when KPIs start at week 1.5
    loaded = load_text(LINE.replace("warmup: 0 h", "warmup: 252 h"))
    out = replicate(loaded.data, None, 0, 1)
    rows = {(r.kpi, r.subject): r.value for r in out.kpis.kpis}
    assert rows[("disruption_loss", "rack")] == 10
    assert rows[("throughput", "rack")] == pytest.approx(168)    # one an hour: the window starts after the outage


TWO = """
name: windowtest
run: {horizon: 2 w, warmup: 0 h, replications: 1, seed: 1}
items: {kit: {}, half: {}, rack: {}}
sites:
  plant:
    inventories:
      kit: {initial: 100000}
    stations:
      a: {output: half, inputs: {kit: 1}, process_time: 1 h}
      b: {output: rack, inputs: {half: 1}, process_time: 1 h}
demand:
  buyer: {item: rack, site: plant, capacity: true}
disruptions:
  outage: {station: plant.a, at: 100 h, duration: 30 h, capacity: 0}
"""


def test_a_disruption_window_names_who_waits_more_than_otherwise(load_text):
    from rackline.analysis.disruptions import disruption_windows
    loaded = load_text(TWO)
    reps = [replicate(loaded.data, None, r, 1).record for r in (0, 1)]
    (w,) = disruption_windows(reps, loaded.scenario)
    assert (w.name, w.target, w.start, w.end) == ("outage", "station:plant.a", 100.0, 130.0)
    assert w.window_end == 168.0                          # twice the outage, snapped to the weekly snapshot
    (wait,) = w.waits                                     # a is down, not starved: only b waits
    assert (wait.station, wait.item) == ("plant.b", "half")
    assert wait.share == pytest.approx(31 / 168, abs=1e-9)   # the outage, and the first hour before a's first unit
    assert wait.otherwise == pytest.approx(0.0, abs=1e-9)
    assert str(w).startswith("Disruption outage (station plant.a, weeks 0.595–0.774): in weeks 0–1 "
                             "plant.b waited for half 18% of open time (0% otherwise)")


def test_a_timed_disruption_of_random_length_gets_its_window_and_the_warm_up_clips_it(load_text):
    from rackline.analysis.disruptions import disruption_windows
    loaded = load_text(TWO.replace("duration: 30 h", "duration: {dist: uniform, low: 20 h, high: 40 h}"))
    reps = [replicate(loaded.data, None, r, 1).record for r in (0, 1, 2)]
    (w,) = disruption_windows(reps, loaded.scenario)
    ends = [e.end for rep in reps for e in rep.disruptions]
    assert len(set(ends)) == 3 and w.end == pytest.approx(sum(ends) / 3)
    assert disruption_windows(reps, loaded.scenario, warmup=168.0) == []     # over before the measured weeks


def test_rework_benches_waiting_for_failures_are_not_blamed_on_a_disruption(load_text):
    from rackline.analysis.disruptions import disruption_windows
    text = TWO.replace("b: {output: rack, inputs: {half: 1}, process_time: 1 h}",
                       "b: {output: rack, inputs: {half: 1}, process_time: 1 h, yield: 0.9, fail_to: bad}\n"
                       "      fix: {output: rack, inputs: {bad: 1}, process_time: 1 h}").replace(
        "items: {kit: {}, half: {}, rack: {}}", "items: {kit: {}, half: {}, rack: {}, bad: {}}")
    loaded = load_text(text)
    reps = [replicate(loaded.data, None, r, 1).record for r in (0, 1)]
    assert reps[0].stations["plant.fix"].starved_on["bad"][-1] > 0       # the bench waits for failures all along
    (w,) = disruption_windows(reps, loaded.scenario)
    assert {x.station for x in w.waits} == {"plant.b"}
