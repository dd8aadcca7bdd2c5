"""The planner's answer in the first printed lines: what binds and why (issue 15 items
5-7, issue 17 items 3-4)."""
from __future__ import annotations

import pytest

import rackline
from conftest import SCENARIOS
from rackline.cli import main

TANDEM = """
name: tandem
run: {horizon: 1000 h, replications: 1}
items: {a: {}, b: {}, c: {}}
sites:
  s:
    stations:                # unlimited buffers, unlimited raw material
      s1: {output: a, process_time: 1 h}
      s2: {output: b, inputs: {a: 1}, process_time: 1.2 h}
      s3: {output: c, inputs: {b: 1}, process_time: 0.9 h}
demand:
  all: {item: c, site: s, capacity: true}
"""


def test_tandem_with_unlimited_buffers_names_the_slow_station_and_warns_of_the_pile(load_text):
    res = rackline.run(load_text(TANDEM))
    top = res.ranking.iloc[0]
    assert top.station == "s.s2"
    assert top.bottleneck_sole == pytest.approx(1.0, abs=0.01)
    assert res.ranking.set_index("station").loc["s.s1", "bottleneck_sole"] == 0
    # closed form: output 1/1.2 per hour; the pile of a grows by 1 - 1/1.2 per hour = 28 a week
    assert res.kpi("throughput", "c")["mean"] == pytest.approx(168 / 1.2, rel=0.01)
    lines = res.answer.lines()
    pile = [ln for ln in lines if "s/a grows without limit" in ln]
    assert pile and "s.s1 makes more than is taken" in pile[0]
    assert float(pile[0].split("(+")[1].split(" ")[0]) == pytest.approx(168 * (1 - 1 / 1.2), rel=0.01)
    assert not any("s/b grows" in ln for ln in lines)
    assert next(ln for ln in lines if ln.startswith("Constraint:")).startswith("Constraint: s.s2 busy 100%")


def test_a_bounded_buffer_is_not_called_growing(load_text):
    from rackline.analysis.constraints import growing_buffers
    text = TANDEM.replace("s2: {output: b, inputs: {a: 1}, process_time: 1.2 h}",
                          "s2: {output: b, inputs: {a: 1}, process_time: 0.8 h}")
    res = rackline.run(load_text(text))
    assert growing_buffers(res.reps, res.warmup) == []
    assert res.ranking.iloc[0].station == "s.s1"


def _run(args, tmp_path, capsys) -> list[str]:
    assert main(["run", *args, "--no-plots", "--out", str(tmp_path / "out")]) == 0
    return capsys.readouterr().out.splitlines()


def test_baseline_states_the_demand_gap_and_when_the_backlog_grows_first(tmp_path, capsys):
    lines = _run([str(SCENARIOS / "baseline.yaml"), "--reps", "3"], tmp_path, capsys)
    assert lines[0].startswith("Question: how many Gen-1 racks")
    assert lines[1].startswith("  Throughput rack_gen1: 22.")
    gap = next(i for i, ln in enumerate(lines) if ln.startswith("Demand exceeds output"))
    assert gap <= 5
    assert "demand reaches 26/week from week 20" in lines[gap]
    assert "backlog grows from week " in lines[gap] and "racks short by week 52" in lines[gap]
    # the gap is demand minus the printed output
    out = float(lines[gap].split("output ")[1].split("/week")[0])
    short = float(lines[gap].split("short by ")[1].split(" racks")[0])
    assert short == pytest.approx(26 - out, abs=0.06)   # both printed to 3 significant figures
    assert lines[gap + 1].startswith("Constraint: wisconsin.integrate busy 100% of open time")
    assert lines[gap + 2].startswith("Next constraint: station wisconsin.l11_test binds at")


def test_optics_lead_time_of_16_weeks_names_optics_supply_as_the_constraint(tmp_path, capsys):
    lines = _run([str(SCENARIOS / "baseline.yaml"), "--reps", "3",
                  "--set", "suppliers.optics_asia.lead_time.mean=16 w"], tmp_path, capsys)
    line = next(ln for ln in lines if ln.startswith("Constraint:"))
    assert line.startswith("Constraint: optics supply (optics_asia lead time")
    assert "-> texas.switch_trays starved" in line
    assert line.endswith("wisconsin.integrate starved " + line.rsplit("wisconsin.integrate starved ", 1)[1])
    nxt = next(ln for ln in lines if ln.startswith("Next constraint:"))
    assert "wisconsin.integrate" in nxt and "relieving optics supply at texas" in nxt


def test_overseas_disruption_prints_the_chain_and_question(tmp_path, capsys):
    lines = _run([str(SCENARIOS / "overseas_disruption.yaml"), "--reps", "2"], tmp_path, capsys)
    assert lines[0].startswith("Question: how many racks does a six-week overseas optics outage cost")
    assert any(ln.startswith("Constraint: ") for ln in lines[:8])
    assert any(ln.startswith("Next constraint: ") for ln in lines[:9])


def test_compare_baseline_and_localization_prints_the_domestic_share_first(tmp_path, capsys):
    assert main(["compare", str(SCENARIOS / "baseline.yaml"), str(SCENARIOS / "localization.yaml"), "--reps", "2",
                 "--no-plots", "--out", str(tmp_path / "c")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("region share: domestic ")     # under the table's header row
    assert " points (+" in lines[1] and lines[1].endswith(": clear")
    assert any(ln.startswith("localization: constraint: ") for ln in lines)


def test_sweep_prints_a_top_five_ranking_of_parameters(tmp_path, capsys):
    vary = [f"--vary=sites.wisconsin.stations.{s}.servers={lo}:{hi}:2"
            for s, lo, hi in [("integrate", 1, 3), ("l11_test", 2, 4)]]
    vary += ["--vary=suppliers.tray_maker.lead_time.mean=1 w:3 w:2"]
    assert main(["sweep", str(SCENARIOS / "minimal.yaml"), *vary, "--reps", "1", "--jobs", "1", "--no-plots",
                 "--out", str(tmp_path / "s")]) == 0
    out = capsys.readouterr().out.splitlines()
    i = next(i for i, ln in enumerate(out) if ln.startswith("Influence on throughput (swing, top 3):"))
    assert out[i - 1].startswith("Done:")
    ranked = out[i + 1:i + 4]
    assert [ln.split(".")[0].strip() for ln in ranked] == ["1", "2", "3"]
    swings = [float(ln.split(": ")[1].split(" ")[0]) for ln in ranked]
    assert swings == sorted(swings, reverse=True)
    assert "l11_test.servers" in ranked[0]   # the test bays bind minimal.yaml (capacity: 3 x 168/30 h)


def test_question_kpis_must_be_known(load_text):
    from rackline.errors import ScenarioError
    text = TANDEM.replace("name: tandem", "name: tandem\nquestion: {text: why, kpis: [throughput, thruput:c]}")
    with pytest.raises(ScenarioError) as err:
        load_text(text)
    assert "test.yaml:3: at question.kpis.1: expected a KPI name, `kpi` or `kpi:subject` (did you mean " \
           "'throughput'?), got 'thruput:c'" in str(err.value)


def test_interval_prints_low_high_or_the_note():
    from rackline.analysis.answer import Estimate
    from rackline.analysis.answer_text import interval
    assert interval(Estimate(mean=0.5, low=0.4, high=0.55, unit="share of orders")) == "50% (95% CI 40%–55%)"
    est = Estimate(mean=3.0, low=0.0, high=9.0, unit="units", note="run more replications")
    assert interval(est, "units") == "3 units (run more replications)"


def test_every_table_of_a_run_has_its_declared_columns_and_the_answer_round_trips(load_text):
    from rackline.analysis.answer import Answer
    from rackline.experiments.replications import FRAMES
    res = rackline.run(load_text(TANDEM), reps=2)
    frames = res.frames()
    assert set(frames) == set(FRAMES)
    for name, columns in FRAMES.items():
        assert list(frames[name].columns) == columns, name
    assert Answer.model_validate_json(res.answer.model_dump_json()) == res.answer     # answer.json reads back
    assert str(res.answer).splitlines() == res.answer.lines()
    table = res.answer.to_frame()
    out = table[(table.section == "product") & (table.quantity == "output")].iloc[0]
    assert out["mean"] == res.kpi("throughput", "c")["mean"]


@pytest.mark.parametrize("demand,first", [
    ("{rate: 0 per week}", "No demand for rack in the horizon"),
    ("{rate: null, schedule: [{from: 30 w, rate: 14 per week}]}", "rack starts at week 26, at or after the end"),
])
def test_a_plan_with_nothing_to_make_says_so_and_blames_nothing(tmp_path, capsys, demand, first):
    f = tmp_path / "idle.yaml"
    f.write_text(f"extends: {SCENARIOS / 'minimal.yaml'}\nname: idle\ndemand:\n  racks: {demand}\n")
    lines = _run([str(f), "--reps", "2"], tmp_path, capsys)
    assert any(ln.startswith(first) for ln in lines), lines
    assert any(ln.startswith("Constraint: none (no demand for rack in the horizon)") for ln in lines)
    assert not any("never worked" in ln or "no rack was made" in ln or "Next constraint" in ln for ln in lines)
