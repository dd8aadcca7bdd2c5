"""Rough-cut capacity against hand computations and the simulation; cover as stock levels."""
import math
import time

import pytest

import rackline
from conftest import ANALYTIC, SCENARIOS
from rackline.analysis.capacity import capacity_table
from rackline.cli import main
from rackline.scenario import load_scenario
from rackline.scenario.assumptions import register
from rackline.scenario.resolve import expected_usage, resolved_policies


def _row(ct, resource):
    return ct.table.set_index("resource").loc[resource]


@pytest.mark.parametrize("name, station, capacity", [
    ("mm1", "s.server", 168.0),            # 1 server / 1 h
    ("mmc", "s.bays", 3 * 168.0),          # 3 servers / 1 h
    ("jackson", "s.a", 168 / 0.8),         # tandem: a then b
    ("jackson", "s.b", 168 / (40 / 60)),
    ("conwip", "s.st1", 168.0),
    ("conwip", "s.st2", 168 / 1.5),
    ("conwip", "s.st3", 168 / 0.5),
])
def test_analytic_lines_have_servers_over_mean_time(name, station, capacity):
    ct = capacity_table(load_scenario(ANALYTIC / f"{name}.yaml").scenario)
    assert _row(ct, station)["capacity"] == pytest.approx(capacity)
    assert _row(ct, station)["max_rate"] == pytest.approx(capacity)


def test_tandem_loads_and_ranking():
    ct = capacity_table(load_scenario(ANALYTIC / "jackson.yaml").scenario)
    assert list(ct.table["resource"]) == ["s.a", "s.b"]
    assert ct.table["load"].tolist() == pytest.approx([168.0, 168.0])
    assert _row(ct, "s.a")["utilisation"] == pytest.approx(0.8)
    assert not ct.capacity_mode and not ct.warnings


def test_conwip_capacity_mode_reports_only_the_max_rate():
    ct = capacity_table(load_scenario(ANALYTIC / "conwip.yaml").scenario)
    assert ct.capacity_mode
    assert ct.bottleneck["resource"] == "s.st2" and ct.bottleneck["max_rate"] == pytest.approx(112.0)
    assert ct.table["load"].isna().all() and ct.table["utilisation"].isna().all()


def test_baseline_by_hand_yields_rework_calendar_and_failures():
    ct = capacity_table(load_scenario(SCENARIOS / "baseline.yaml").scenario)
    assert ct.mix == {"rack_gen1": pytest.approx(26.0)}        # the schedule's peak
    b = ct.bottleneck
    assert b["resource"] == "wisconsin.integrate"
    assert b["capacity"] == pytest.approx(3 * 16 * 5 / ((8 + 10 + 14) / 3))   # 22.5 racks/week
    l11_starts = 26 / 0.9
    assert _row(ct, "wisconsin.l11_test")["load"] == pytest.approx(l11_starts)
    assert _row(ct, "wisconsin.leak_test")["load"] == pytest.approx(l11_starts / 0.97)
    assert _row(ct, "wisconsin.l11_rework")["load"] == pytest.approx(0.1 * l11_starts)
    assert _row(ct, "wisconsin.leak_rework")["load"] == pytest.approx(0.03 * l11_starts / 0.97)
    assert _row(ct, "wisconsin.integrate")["load"] == pytest.approx(26.0)   # rework feeds the rest
    assert _row(ct, "wisconsin.l11_test")["capacity"] == pytest.approx(8 * 168 * 150 / 152 / 36)
    assert _row(ct, "optics_asia")["load"] == pytest.approx(26 * 9 * 4 * 0.8)
    assert _row(ct, "ohio_power")["capacity"] == pytest.approx(120 * 7)
    assert _row(ct, "wisconsin.technicians")["load"] == pytest.approx(26 * 6 * 32 / 3)
    assert math.isinf(_row(ct, "texas_switches")["capacity"])
    assert ct.warnings == ["station wisconsin.integrate: load 26 rack/week exceeds capacity 22.5 (utilisation 116%)"]


def test_saturated_line_simulates_at_the_table_minimum(load_text):
    text = """
name: saturated
run: {horizon: 24 w, warmup: 1 w, replications: 4, seed: 4}
items: {part: {}, rack: {}}
sites:
  s:
    calendar: day
    stations:
      a: {output: part, servers: 2, process_time: {dist: exponential, mean: 1 h}}
      b: {output: rack, inputs: {part: 1}, servers: 2, yield: 0.8, process_time: {dist: gamma, mean: 1.5 h, cv: 0.5}}
calendars:
  day: {hours_per_day: 16, days_per_week: 5}
demand:
  all: {item: rack, site: s, capacity: true}
"""
    loaded = load_text(text)
    ct = capacity_table(loaded.scenario)
    assert ct.bottleneck["resource"] == "s.b"
    expected = 2 * 80 / 1.5 * 0.8        # good racks a week: servers x open hours / time x yield
    assert ct.bottleneck["max_rate"] == pytest.approx(expected)
    kpi = rackline.run(loaded).kpis.set_index(["kpi", "subject"]).loc[("throughput", "rack")]
    assert kpi["ci_low"] <= expected <= kpi["ci_high"]


def test_cover_becomes_weeks_of_exploded_usage():
    sc = load_scenario(SCENARIOS / "baseline.yaml").scenario
    usage = expected_usage(sc)
    assert usage[("wisconsin", "compute_tray")] * 168 == pytest.approx(26 * 18)
    p = resolved_policies(sc)[("wisconsin", "compute_tray")]
    assert (p.s, p.S) == (26 * 18 * 4, 26 * 18 * 8)           # s: 4 w, S: 8 w of 468 trays a week
    assert resolved_policies(sc)[("texas", "optics")].s == 26 * 36 * 11


def test_cover_scales_with_demand():
    sc = load_scenario(SCENARIOS / "demand_surge.yaml").scenario
    assert resolved_policies(sc)[("wisconsin", "compute_tray")].s == 52 * 18 * 4


def test_register_shows_cover_as_written():
    reg = register(load_scenario(SCENARIOS / "baseline.yaml")).set_index("path")
    assert reg.loc["sites.wisconsin.inventories.compute_tray.policy.s", "value"] == "4 w"


def test_reorder_point_below_lead_time_demand_warns(capsys):
    assert main(["validate", str(SCENARIOS / "minimal.yaml")]) == 0
    assert "warning" not in capsys.readouterr().out
    from rackline.scenario.resolve import reorder_warnings
    sc = load_scenario(SCENARIOS / "minimal.yaml",
                       {"sites.wisconsin.inventories.compute_tray.policy.s": 100}).scenario
    assert reorder_warnings(sc) == [
        "sites.wisconsin.inventories.compute_tray.policy.s: reorder point 100 units is below the expected "
        "demand over the mean lead time (605 units = 302.4/week x 2 w); expect stock-outs"]


def test_bad_cover_is_a_located_error(capsys):
    code = main(["capacity", str(SCENARIOS / "minimal.yaml"),
                 "--set", "sites.wisconsin.inventories.compute_tray.policy.s=lots"])
    assert code == 2
    assert "expected a whole number >= 0 or a cover like '3 w', got 'lots'" in capsys.readouterr().err


def test_capacity_command_is_fast_and_names_the_simulated_bottleneck(capsys):
    t0 = time.perf_counter()
    assert main(["capacity", str(SCENARIOS / "baseline.yaml")]) == 0
    assert time.perf_counter() - t0 < 1.0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Demand (peak): rack_gen1 26/week"
    assert out[2].split()[0] == "wisconsin.integrate"     # `rackline run` finds it too (busy 100%)
    assert any(line.startswith("Static bottleneck: station wisconsin.integrate binds at 22.5") for line in out)
    assert main(["capacity", str(SCENARIOS / "baseline.yaml"), "--csv"]) == 0
    assert capsys.readouterr().out.startswith("resource,kind,capacity,load,unit,utilisation,needed,needed_unit,"
                                              "max_rate,max_scale,key,hired\n")


def test_more_integration_cells_raise_output_to_the_next_constraint():
    """No reorder level caps the line: with six cells output reaches the next line of
    the capacity table (L11 bays and power shelves, ~33 racks/week)."""
    six = {"sites.wisconsin.stations.integrate.servers": 6, "run.horizon": "44 w", "run.warmup": "20 w"}
    ct = capacity_table(load_scenario(SCENARIOS / "baseline.yaml", six).scenario)
    assert ct.bottleneck["resource"] == "wisconsin.l11_test"
    res = rackline.run(SCENARIOS / "baseline.yaml", reps=2, overrides=six)
    thr = res.kpis.set_index(["kpi", "subject"]).loc[("throughput", "rack_gen1"), "mean"]
    assert thr > 0.95 * ct.bottleneck["max_rate"]


def test_a_product_shipped_from_several_sites_sums_its_demand():
    """national.yaml ships rack_gen1 from three sites (110 + 70 + 70 a week at peak):
    the demand is their sum, and the plan's static bottleneck sits just above it."""
    ct = capacity_table(load_scenario(SCENARIOS / "national.yaml").scenario)
    assert ct.mix == {"rack_gen1": pytest.approx(250.0)}
    b = ct.bottleneck
    assert b["resource"] == "wisconsin.integrate"
    assert 250 < b["max_rate"] < 300          # 9 cells x 144 open h / 10.67 h a rack, over WI's 44% share
    assert not ct.warnings


@pytest.mark.parametrize("name", ["baseline", "gen2_ramp", "national", "localization", "workforce"])
def test_routes_are_the_resources_one_product_loads(name):
    """A product's route (walked through the bill of materials) is exactly the set of
    resources that one unit of it per hour loads in the rough cut; in gen2_ramp the Gen-2
    line is not in Gen-1's route."""
    from rackline.scenario.flows import product_sites, resource_loads, routes
    sc = load_scenario(SCENARIOS / f"{name}.yaml").scenario
    walked = routes(sc)
    for product, route in walked.items():
        mix = {(site, product): 1.0 for site in product_sites(sc, product)}
        assert route == {r.resource for r in resource_loads(sc, mix) if r.load > 0}, product
    if name == "gen2_ramp":
        assert walked["rack_gen2"] - walked["rack_gen1"]


def test_capacity_prints_plain_numbers_and_what_each_resource_needs(capsys):
    """No exponent anywhere; `needed` is servers x (load / capacity) / 0.85 rounded up
    (integrate: 3 cells carry 22.5 of the 26 racks a week: 26 / 7.5 / 0.85 = 4.08 -> 5)."""
    assert main(["capacity", str(SCENARIOS / "baseline.yaml")]) == 0
    out = capsys.readouterr().out
    assert "e+" not in out and "e-0" not in out
    assert "needed at 85%" in out.splitlines()[1]
    rows = {line.split()[0]: line for line in out.splitlines()[2:]}
    assert "1,200" in rows["optics_asia"] and "3,200" in rows["wisconsin.technicians"]
    assert " 5 servers " in rows["wisconsin.integrate"] and " 1 server " in rows["wisconsin.leak_test"]
    ct = capacity_table(load_scenario(SCENARIOS / "baseline.yaml").scenario)
    tech = _row(ct, "wisconsin.technicians")
    assert tech["needed"] == math.ceil(1664 / 80 / 0.85)      # 80 open hours a week each (two 8-hour shifts)
    for r in ct.table[ct.table.kind.isin(["station", "crew"])].itertuples():   # just enough at 85%, not one less
        each = r.capacity / _count(r)
        assert r.load <= 0.85 * r.needed * each + 1e-9
        if r.needed > 1:
            assert r.load > 0.85 * (r.needed - 1) * each


def _count(r):
    """Servers or people behind a capacity row of the baseline."""
    from rackline.scenario import load_scenario as load
    sc = load(SCENARIOS / "baseline.yaml").scenario
    site, name = r.resource.split(".")
    if r.kind == "station":
        return sc.sites[site].stations[name].servers
    return sc.sites[site].workforce[name].size


def test_a_lower_target_needs_more(capsys):
    sc = load_scenario(SCENARIOS / "baseline.yaml").scenario
    at85, at60 = capacity_table(sc), capacity_table(sc, 0.6)
    assert (at60.table.needed.fillna(0) >= at85.table.needed.fillna(0)).all()
    assert _row(at60, "wisconsin.integrate")["needed"] == math.ceil(26 / 7.5 / 0.6)


def test_shared_resources_show_each_products_rate():
    ct = capacity_table(load_scenario(SCENARIOS / "gen2_ramp.yaml").scenario)
    row = _row(ct, "wisconsin.integrate")
    gen1, gen2 = ct.mix["rack_gen1"], ct.mix["rack_gen2"]
    assert row["max_rate:rack_gen2"] == pytest.approx(row["max_scale"] * gen2)
    assert row["max_rate:rack_gen1"] == pytest.approx(row["max_scale"] * gen1)
    assert row["max_rate:rack_gen1"] + row["max_rate:rack_gen2"] == pytest.approx(row["max_rate"])
    assert math.isnan(_row(ct, "trays_g2")["max_rate:rack_gen1"])        # Gen-2 trays serve Gen-2 only
