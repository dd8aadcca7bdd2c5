"""The economic layer: money values, cost per rack against a hand computation,
tariff schedules, value shares, the option to buy, and the CLI's money lines."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SCENARIOS, plan_of, run_priced
from rackline.analysis.costs import money
from rackline.analysis.kpis import replication_kpis
from rackline.cli import main
from rackline.kpi_names import CATEGORIES
from rackline.units import UnitError, parse_money, parse_percent

# Fixed times, no randomness: one build station (24 h a rack, 2 trays a rack, one
# server, always open), trays from two suppliers (half each, 1-week lead time),
# reviewed weekly up to 100; the customer takes every rack as it is made.
DETERMINISTIC = """
name: coststest
run: {horizon: 10 w, warmup: 0 h, replications: 1, seed: 1}
items: {tray: {family: compute}, rack: {family: rack}}
sites:
  plant:
    workforce:
      techs: {size: 3, hiring: [{at: 2 w, add: 2}]}
    inventories:
      tray:
        initial: 100
        policy: {type: periodic, S: 100, review: 1 w}
        suppliers: {asia: 0.5, usa: 0.5}
    stations:
      build: {output: rack, inputs: {tray: 2}, process_time: 24 h, crew: {pool: techs, size: 1}}
suppliers:
  asia: {item: tray, region: overseas, lead_time: 1 w}
  usa: {item: tray, region: domestic, lead_time: 1 w}
demand:
  buyer: {item: rack, site: plant, capacity: true}
costs:
  currency: USD
  prices: {asia: "$1,000", usa: "$1,500"}
  tariffs: {overseas: [{from: 0 w, rate: 10%}, {from: 5 w, rate: 30%}]}
  inbound_freight: {asia: "$200"}
  labour: {plant.techs: {rate: "$50 per h", hire: "$1k"}}
  stations: {plant.build: {capital_per_server: "$520k", fixed: "$1,680 per w", power_kw: 10}}
  sites: {plant: {fixed: "$16.8k per w"}}
  revenue: {rack: {price: "$10k", salvage: "$1k"}}
  energy_price: "$0.10"
  carrying_rate: 20%
  capital_charge: 10%
  discount_rate: 10%
"""


def rows_of(rep, warmup=0.0):
    return {(r.kpi, r.subject): r.value for r in replication_kpis(rep, warmup, plan_of(rep)).kpis}


def test_money_and_percent_parse_like_durations():
    assert parse_money("$3,200") == 3200
    assert parse_money("$3.2M") == 3.2e6
    assert parse_money("$850k") == 850e3
    assert parse_money("$85 per h", per_time=True) == 85
    assert parse_money("$1.2M per y", per_time=True) == pytest.approx(1.2e6 / 8760)
    assert parse_money("$50k per w", per_time=True) == pytest.approx(50e3 / 168)
    assert parse_percent("12%") == pytest.approx(0.12)
    for bad in ("$3,20", "3 h", "$1M per fortnight", True):
        with pytest.raises(UnitError):
            parse_money(bad)
    with pytest.raises(UnitError):
        parse_money("$85", per_time=True)       # a wage needs its time unit


def test_a_bad_price_is_a_clear_error(load_text):
    from rackline.errors import ScenarioError
    with pytest.raises(ScenarioError) as err:
        load_text(DETERMINISTIC.replace('asia: "$1,000"', 'asia: "$1,00"'))
    assert "costs.prices.asia: expected an amount of money like '$3,200' or '$3.2M', got '$1,00'" in str(err.value)
    with pytest.raises(ScenarioError) as err:
        load_text(DETERMINISTIC.replace("plant.techs:", "plant.crew:"))
    assert "costs.labour.plant.crew: expected a declared workforce pool as site.pool (plant.techs)" in str(err.value)


def test_cost_per_rack_equals_the_hand_computation_to_the_cent(load_text):
    rep = run_priced(load_text(DETERMINISTIC).scenario, 0)
    k = rows_of(rep)
    racks = 69       # a rack every 24 h from 24 h; the one due at the horizon (1680 h) is not counted
    tray = 0.5 * 1000 + 0.5 * 1500                     # value of a tray: prices weighted by the shares
    # orders: none at 0 (position 100 = S); from week 1, 14 trays a week (7 + 7), each
    # received a week later: deliveries in weeks 2..9 (the weekly snapshot precedes them)
    asia_weeks = {w: 7 for w in range(2, 10)}
    hand = {
        "materials": racks * 2 * tray,
        "tariffs": sum(n * 1000 * (0.10 if w < 5 else 0.30) for w, n in asia_weeks.items()),
        "freight": 9 * 200,                            # asia orders at weeks 1..9
        "labour": (3 * 336 + 5 * (1680 - 336)) * 50 + 2 * 1000,   # paid people-hours (always open) + hires
        "capital_charge": 520_000 * 0.10 * 1680 / 8760,
        "fixed": (1680 + 16_800) * 10,
        # average value held: trays in stock (area from the record's level path) and a rack in the station
        "carrying": None,
        "scrap": 0.0,
        "rework": 0.0,                                 # no station consumes a failed unit
        "energy": 1680 * 10 * 0.10,                    # busy all the time: 1680 h x 10 kW x $0.10
    }
    inv = rep.inventories[("plant", "tray")]
    held = (inv.area[-1] - inv.area[0]) * tray + 1680 * 1 * 2 * tray     # one rack (2 trays) always in process
    hand["carrying"] = 0.20 * held / 8760
    assert rep.stations["plant.build"].completions[-1] == racks
    for cat in CATEGORIES:
        assert round(k[("cost_per_rack", cat)] * racks, 2) == round(hand[cat], 2), cat
    total = sum(hand.values())
    assert round(k[("cost_per_rack", "total")] * racks, 2) == round(total, 2)
    assert k[("tariffs_paid", "all")] == pytest.approx(3 * 7 * 100 + 5 * 7 * 300)
    assert k[("revenue", "all")] == racks * 10_000        # nothing left unsold: salvage 0
    assert k[("margin", "all")] == pytest.approx(racks * 10_000 - total)
    cash = racks * 10_000 - (56 * 1000 + 56 * 1500 + hand["tariffs"] + hand["freight"] + hand["labour"]
                             + hand["fixed"] + hand["energy"]) - 520_000
    assert k[("cumulative_cash", "week 10")] == pytest.approx(cash)
    assert math.isnan(k[("payback_week", "all")])


def test_a_tariff_step_at_week_20_changes_the_tariff_paid_from_exactly_that_week(load_text):
    text = DETERMINISTIC.replace("horizon: 10 w", "horizon: 30 w").replace(
        "{from: 5 w, rate: 30%}", "{from: 20 w, rate: 30%}")
    rep = run_priced(load_text(text).scenario, 0)
    m = money(rep, plan_of(rep), 0)
    got = np.diff(rep.suppliers["asia"].delivered) * 1000
    weeks = rep.times[:-1] / 168
    assert (got[weeks >= 2] > 0).all()
    np.testing.assert_allclose(m.tariffs[weeks < 20], 0.10 * got[weeks < 20])
    np.testing.assert_allclose(m.tariffs[weeks >= 20], 0.30 * got[weeks >= 20])
    assert m.tariffs[weeks == 19][0] == pytest.approx(700) and m.tariffs[weeks == 20][0] == pytest.approx(2100)


def test_domestic_value_share_is_received_value_by_region_over_total(load_text):
    rep = run_priced(load_text(DETERMINISTIC).scenario, 0)
    k = rows_of(rep)
    asia = rep.suppliers["asia"].delivered[-1] * 1000
    usa = rep.suppliers["usa"].delivered[-1] * 1500
    assert k[("value_share", "domestic")] == pytest.approx(usa / (asia + usa))
    assert k[("value_share", "domestic")] == pytest.approx(0.6)   # same units, half again the price
    assert k[("value_share", "overseas")] == pytest.approx(0.4)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(price=st.integers(0, 5000), rate=st.integers(0, 60), hours=st.integers(6, 48), servers=st.integers(1, 3),
       yld=st.sampled_from([0.8, 0.95, 1.0]), warmup=st.sampled_from([0, 2]))
def test_categories_always_sum_to_the_total(load_text, price, rate, hours, servers, yld, warmup):
    text = (DETERMINISTIC.replace('asia: "$1,000"', f'asia: "${price}"').replace("rate: 30%", f"rate: {rate}%")
            .replace("process_time: 24 h", f"process_time: {{dist: exponential, mean: {hours} h}}, "
                                            f"servers: {servers}, yield: {yld}")
            .replace("warmup: 0 h", f"warmup: {warmup} w"))
    rep = run_priced(load_text(text).scenario, 0)
    k = rows_of(rep, warmup * 168.0)
    if ("cost_per_rack", "total") in k:
        parts = sum(k[("cost_per_rack", c)] for c in CATEGORIES)
        assert parts == pytest.approx(k[("cost_per_rack", "total")], rel=1e-12)


def test_a_scenario_without_costs_has_no_cost_rows(load_text):
    text = DETERMINISTIC.split("costs:")[0]
    rep = run_priced(load_text(text).scenario, 0)
    assert plan_of(rep) is None
    assert not {r.kpi for r in replication_kpis(rep, 0.0, plan_of(rep)).kpis} & {"cost_per_rack", "npv"}


def test_an_option_exercised_never_orders_nothing_and_always_is_firm_demand(load_text):
    base = DETERMINISTIC.replace("buyer: {item: rack, site: plant, capacity: true}",
                                 "buyer: {item: rack, site: plant, rate: 5 per week}")
    firm = run_priced(load_text(base).scenario, 0)
    sure = run_priced(load_text(base.replace("rate: 5 per week}", "rate: 5 per week, option: "
                                                  "{probability: 1, every: 4 w}}")).scenario, 0)
    never = run_priced(load_text(base.replace("rate: 5 per week}", "rate: 5 per week, option: "
                                                   "{probability: 0, every: 4 w}}")).scenario, 0)
    assert sure.demands["buyer"].units_ordered[-1] == firm.demands["buyer"].units_ordered[-1] > 0
    assert never.demands["buyer"].units_ordered[-1] == 0
    k = rows_of(never)
    assert k[("unsold_at_end", "rack")] == 69                 # the push line built every rack ahead
    assert k[("revenue", "all")] == 69 * 1000                 # salvage only


def test_an_option_decided_once_orders_its_quantity_then(load_text):
    base = DETERMINISTIC.replace("buyer: {item: rack, site: plant, capacity: true}",
                                 "buyer: {item: rack, site: plant, rate: 5 per week, "
                                 "option: {probability: 1, at: 4 w, quantity: 12}}")
    rep = run_priced(load_text(base).scenario, 0)
    d = rep.demands["buyer"]
    weeks = rep.times / 168
    assert d.units_ordered[weeks == 3][0] == 0                # nothing before the decision
    assert d.units_ordered[weeks == 5][0] >= 12


def test_run_prints_cost_per_rack_with_ci_and_the_largest_three_categories(capsys, tmp_path):
    out = str(tmp_path / "b")
    assert main(["run", str(SCENARIOS / "baseline.yaml"), "--reps", "2", "--no-plots", "--out", out]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("Cost per good rack:"))
    assert "(95% CI $" in line and "USD" in line and line.count("$") == 6   # mean, CI low and high, three categories
    assert "materials $3.05M" in line
    assert "NPV over the horizon:" in out and "10th percentile" in out


def test_compare_prints_the_paired_cost_per_rack_difference(capsys, tmp_path):
    assert main(["compare", str(SCENARIOS / "baseline.yaml"), str(SCENARIOS / "localization_cost.yaml"),
                 "--reps", "2", "--no-plots", "--out", str(tmp_path / "c")]) == 0
    out = capsys.readouterr().out
    row = next(x for x in out.splitlines() if x.startswith("cost per rack "))
    assert "USD/rack" in row and row.count("$") == 9 and " +$" in row    # two values with intervals, a difference


def test_assumptions_lists_every_price_with_its_note(capsys):
    from rackline.scenario import load_scenario
    from rackline.scenario.assumptions import register
    reg = register(load_scenario(SCENARIOS / "baseline.yaml"))
    money_rows = reg[reg.path.str.startswith("costs.")]
    assert len(money_rows) >= 30 and money_rows.has_note.all()
    assert set(reg[reg.path.str.startswith("costs.prices.")].unit) == {"USD"}
    assert reg.set_index("path").loc["costs.tariffs.overseas", "base_value"] == pytest.approx(0.10)
    assert main(["assumptions", str(SCENARIOS / "baseline.yaml")]) == 0
    assert "costs.prices.optics_us" in capsys.readouterr().out


# DETERMINISTIC with a test station that fails every rack (yield 0, fixed 12 h) to a debug
# bench that reworks it in a fixed 6 h with two of the plant's technicians: rack k is built
# at 24k h, tested until 24k + 12 h, reworked until 24k + 18 h (69 racks, all within 10 w).
REWORK = (DETERMINISTIC.replace("build: {output: rack,", "build: {output: rack_raw,")
          .replace("rack: {family: rack}}", "rack_raw: {family: rack}, rack_fail: {family: rack}, rack: {family: rack}}")
          .replace("crew: {pool: techs, size: 1}}",
                   "crew: {pool: techs, size: 1}}\n"
                   "      test: {output: rack, inputs: {rack_raw: 1}, process_time: 12 h, yield: 0, fail_to: rack_fail}\n"
                   "      debug: {output: rack, inputs: {rack_fail: 1}, process_time: 6 h, crew: {pool: techs, size: 2}}")
          .replace("power_kw: 10}", 'power_kw: 10}, plant.debug: {labour: "$90 per h"}, plant.test: {labour: "$30 per h"}'))


def test_rework_labour_equals_the_hand_computation_and_moves_the_crew_wage_out_of_labour(load_text):
    rep = run_priced(load_text(REWORK).scenario, 0)
    k = rows_of(rep)
    racks = 69
    assert rep.stations["plant.debug"].completions[-1] == racks
    assert rep.stations["plant.debug"].time_in_state["busy"][-1] == racks * 6
    pool_pay = (3 * 336 + 5 * (1680 - 336)) * 50 + 2 * 1000       # as in the hand computation above
    bench = racks * 6 * 90                                       # the debug bench's own rate per busy hour
    crew = racks * 6 * 2 * 50                                    # two technicians' wage while it works
    tester = racks * 12 * 30                                     # an ordinary station's own rate: labour
    assert round(k[("cost_per_rack", "rework")] * racks, 2) == bench + crew == 78_660
    assert round(k[("cost_per_rack", "labour")] * racks, 2) == pool_pay + tester - crew
    # the crew is paid with its pool: moving its wage changes no total and no cash
    plain = run_priced(load_text(REWORK.replace('plant.debug: {labour: "$90 per h"}, plant.test: '
                                                     '{labour: "$30 per h"}', "")).scenario, 0)
    p = rows_of(plain)
    assert p[("cost_per_rack", "rework")] * racks == pytest.approx(crew)
    assert (k[("cost_total", "all")] - p[("cost_total", "all")]) == pytest.approx(bench + tester)
    assert (p[("cumulative_cash", "week 10")] - k[("cumulative_cash", "week 10")]) == pytest.approx(bench + tester)


def test_the_crew_wage_moved_to_rework_is_never_more_than_the_pool_was_paid(load_text):
    # the pool is paid over the build station's 8-h day, but its crew reworks around the clock
    text = (REWORK.replace("items:", "calendars: {day: {hours_per_day: 8}}\nitems:")
            .replace("process_time: 24 h,", "process_time: 24 h, calendar: day,")
            .replace("process_time: 6 h,", "process_time: 60 h,"))
    rep = run_priced(load_text(text).scenario, 0)
    k = rows_of(rep)
    good = rep.inventories[("plant", "rack")].units_in[-1]
    worked = np.diff(rep.stations["plant.debug"].time_in_state["busy"])
    paid = np.diff(rep.pools["plant.techs"].size_area) * 8 / 24 * 50
    assert (worked * 2 * 50 > paid).any()                        # the cap binds in some weeks
    moved = np.minimum(worked * 2 * 50, paid).sum()
    assert k[("cost_per_rack", "rework")] * good == pytest.approx(worked.sum() * 90 + moved)
    assert k[("cost_per_rack", "labour")] * good == pytest.approx(
        paid.sum() + 2 * 1000 + np.diff(rep.stations["plant.test"].time_in_state["busy"]).sum() * 30 - moved)
    assert k[("cost_per_rack", "labour")] > 0


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hours=st.integers(6, 48), yld=st.sampled_from([0.0, 0.5]), size=st.integers(1, 3),
       warmup=st.sampled_from([0, 2]))
def test_categories_sum_to_the_total_with_a_rework_station(load_text, hours, yld, size, warmup):
    text = (REWORK.replace("process_time: 6 h, crew: {pool: techs, size: 2}",
                           f"process_time: {{dist: exponential, mean: {hours} h}}, crew: {{pool: techs, size: {size}}}")
            .replace("yield: 0,", f"yield: {yld},").replace("warmup: 0 h", f"warmup: {warmup} w"))
    rep = run_priced(load_text(text).scenario, 0)
    k = rows_of(rep, warmup * 168.0)
    if ("cost_per_rack", "total") in k:
        parts = sum(k[("cost_per_rack", c)] for c in CATEGORIES)
        assert parts == pytest.approx(k[("cost_per_rack", "total")], rel=1e-12)
        assert k[("cost_per_rack", "rework")] > 0 and k[("cost_per_rack", "labour")] >= 0


def test_money_reads_in_the_scenarios_own_currency():
    from rackline.quantities import money_text, pair_text, value_text
    assert money_text(3.18e6) == "$3.18M" and money_text(-2.1e9) == "-$2.1B"
    assert money_text(3.18e6, currency="EUR") == "EUR 3.18M"
    assert value_text(76_200, "EUR/rack") == "EUR 76.2k" and value_text(0.9254, "share of value") == "92.5%"
    assert pair_text(3_181_000, 3_184_000, "USD/rack") == ("$3.181M", "$3.184M")
