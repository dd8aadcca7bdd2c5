"""Sweeps over money, percentages and supplier shares: the cost assumptions a planner
varies (prices, tariffs, wages, the domestic share with its complement)."""
from __future__ import annotations

import pandas as pd
import pytest

from conftest import SCENARIOS
from rackline.api import sweep as run_sweep
from rackline.cli import main
from rackline.experiments.sweep import sweep_from_args
from rackline.experiments.sweep.design import build
from rackline.experiments.sweep.spec import load_sweep
from rackline.experiments.task import scenario_of
from rackline.scenario.paths import get_path, set_path

BASE = SCENARIOS / "baseline.yaml"


def test_money_and_percent_axes_render_as_written_and_validate():
    sw = sweep_from_args(BASE, ["costs.tariffs.overseas=0%:50%:3", "costs.prices.optics_us=$900:$1,400:3",
                                "costs.labour.wisconsin.technicians.rate=$30 per h:$70 per h:3"],
                         "grid", 1, 1, None, ["cost_per_rack:total"])
    design = build(sw)
    assert design.units == ["%", "$", "$ per h"]
    assert len(design.overrides) == 27
    first, last = design.overrides[0], design.overrides[-1]
    assert first == {"costs.tariffs.overseas": "0%", "costs.prices.optics_us": "$900",
                     "costs.labour.wisconsin.technicians.rate": "$30 per h"}
    assert last["costs.tariffs.overseas"] == "50%" and last["costs.prices.optics_us"] == "$1400"
    sc = scenario_of(sw.base.data, last)          # the values as written validate like the user's
    assert sc.costs.tariff_steps("optics_asia", "overseas") == [(0.0, 0.5)]
    assert sc.costs.prices["optics_us"] == 1400
    assert sc.costs.labour["wisconsin.technicians"].rate == pytest.approx(70)


def test_every_digit_of_a_swept_amount_reaches_the_scenario():
    sw = sweep_from_args(BASE, ["costs.energy_price=$0.065:$0.125:3",
                                "costs.labour.wisconsin.technicians.rate=$20/hour:$5040 per w:2"],
                         "grid", 1, 1, None, ["cost_per_rack:total"])
    design = build(sw)
    prices = sorted({o["costs.energy_price"] for o in design.overrides})
    assert prices == ["$0.065", "$0.095", "$0.125"]
    rates = sorted({scenario_of(sw.base.data, o).costs.labour["wisconsin.technicians"].rate for o in design.overrides})
    assert rates == pytest.approx([20.0, 30.0])       # $5040 a week is $30 an hour; mixed time units agree


@pytest.mark.parametrize("values, message", [
    ('{low: "$-5", high: "$170k"}', "expected an amount like the other values ('$3,200'), got '$-5'"),
    ('{low: "-$5", high: "$170k"}', "expected an amount >= 0, got '-$5'"),
    ('{values: [-5%, 10%]}', "expected a percentage >= 0, got '-5%'"),
])
def test_a_bad_amount_is_named(tmp_path, capsys, values, message):
    f = tmp_path / "s.yaml"
    f.write_text(f"scenario: {BASE}\nmethod: oat\nparameters:\n  costs.prices.trays_us: {values}\n")
    assert main(["sweep", str(f)]) == 2
    assert message in capsys.readouterr().err


def test_a_money_axis_refuses_a_value_of_another_kind(tmp_path, capsys):
    f = tmp_path / "s.yaml"
    f.write_text(f"scenario: {BASE}\nmethod: oat\nparameters:\n"
                 "  costs.prices.optics_us: {values: ['$900', '12%']}\n")
    assert main(["sweep", str(f)]) == 2
    assert ("at parameters.costs.prices.optics_us: expected an amount like the other values ('$3,200'), "
            "got '12%'") in capsys.readouterr().err


def test_a_complement_sets_the_other_share_and_is_checked(tmp_path, capsys):
    sw = load_sweep(SCENARIOS / "sweeps" / "tariff_localization.yaml")
    design = build(sw)
    assert len(design.overrides) == 12
    for o in design.overrides:
        us = o["sites.texas.inventories.optics.suppliers.optics_us"]
        assert o["sites.texas.inventories.optics.suppliers.optics_asia"] == pytest.approx(1 - us)
        scenario_of(sw.base.data, o)              # shares still sum to 1: the point validates
    f = tmp_path / "s.yaml"
    f.write_text(f"scenario: {BASE}\nmethod: grid\nparameters:\n"
                 "  sites.texas.inventories.optics.suppliers.optics_us:\n"
                 "    {values: [0.2, 1.4], complement: sites.texas.inventories.optics.suppliers.optics_eu}\n")
    assert main(["sweep", str(f)]) == 2
    err = capsys.readouterr().err
    assert "complement: expected a path in the scenario, got no 'optics_eu' under" in err
    f.write_text(f"scenario: {BASE}\nmethod: grid\nparameters:\n"
                 "  sites.texas.inventories.optics.suppliers.optics_us:\n"
                 "    {values: [0.2, 1.4], complement: sites.wisconsin.stations.integrate.servers}\n"
                 "  sites.ohio.inventories.psu.suppliers.psu_mexico:\n"
                 "    {values: [0.3], complement: sites.ohio.inventories.psu.suppliers.psu_mexico}\n")
    assert main(["sweep", str(f)]) == 2
    err = capsys.readouterr().err
    assert ("optics_us.complement: expected the other supplier's share of the same two-supplier inventory "
            "(sites.texas.inventories.optics.suppliers.<other supplier>), got 'sites.wisconsin.stations.integrate.servers'"
            in err)
    assert "expected shares between 0 and 1 for a parameter with a complement, got [0.2, 1.4]" in err
    assert "psu_mexico.complement: expected a path no parameter sets" in err


def test_dotted_keys_are_reachable_by_path():
    data = {"costs": {"labour": {"wisconsin.technicians": {"rate": "$45 per h"}},
                      "stations": {"wisconsin.l11_test": {"capital_per_server": "$1.5M"}}}}
    assert get_path(data, "costs.labour.wisconsin.technicians.rate") == "$45 per h"
    set_path(data, "costs.stations.wisconsin.l11_test.capital_per_server", "$2M")
    assert get_path(data, "costs.stations.wisconsin.l11_test") == {"capital_per_server": "$2M"}   # a whole entry
    assert data["costs"]["stations"]["wisconsin.l11_test"]["capital_per_server"] == "$2M"
    with pytest.raises(ValueError, match="no 'wisconsin.tech' under costs.labour; did you mean 'wisconsin.technicians'"):
        get_path(data, "costs.labour.wisconsin.tech.rate")


def test_tariff_and_domestic_share_heatmap_moves_the_right_way(tmp_path):
    sw = load_sweep(SCENARIOS / "sweeps" / "tariff_localization.yaml")
    sw.spec.replications = 1
    outcome = run_sweep(sw, tmp_path / "g", jobs=2)
    from rackline.output.sweep_report import influence_lines
    line = influence_lines(outcome.analysis, ["tariffs_paid:all"])[0]
    assert line.startswith("tariffs_paid:all over the grid: lowest $0 at overseas=0%, ")
    assert "highest" in line and "optics_us=0.1 (plots/heatmap_tariffs_paid_all.png)" in line
    grid = pd.read_csv(tmp_path / "g" / "grid_tariffs_paid_all.csv")
    tariff, share = grid.columns[0], grid.columns[1]
    piv = grid.pivot_table(index=share, columns=tariff, values="mean")
    assert (piv[0.0] == 0).all()                                   # no tariff, nothing paid
    assert (piv.diff(axis=1).iloc[:, 1:] > 0).all().all()          # more tariff, more paid at every share
    assert (piv.loc[:, piv.columns > 0].diff().iloc[1:] < 0).all().all()   # more domestic optics, less paid
    assert (tmp_path / "g" / "plots" / "heatmap_cost_per_rack_total.png").stat().st_size > 10_000


def test_a_plain_number_for_a_percentage_above_1_is_refused_and_named_by_its_flag(capsys, tmp_path):
    code = main(["run", str(BASE), "--reps", "1", "--no-plots", "--set", "costs.tariffs.overseas=25",
                 "--out", str(tmp_path / "a")])
    err = capsys.readouterr().err
    assert code == 2
    assert ("--set costs.tariffs.overseas=25: at costs.tariffs.overseas: expected a percentage written with '%', "
            "like '25%' (a plain number is a fraction: 25 would be 2,500%), got 25") in err
    code = main(["run", str(BASE), "--reps", "1", "--no-plots", "--set", "costs.labour.wisconsin.technicians.rate=50",
                 "--out", str(tmp_path / "b")])
    assert code == 2
    assert "--set costs.labour.wisconsin.technicians.rate=50: at costs.labour.wisconsin.technicians.rate:" in \
        capsys.readouterr().err
