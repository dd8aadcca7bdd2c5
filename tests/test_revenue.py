"""Money that cannot silently lie: with `costs:`, every product some demand asks for has
a price or is declared to earn nothing, with a note. A forgotten price would count each
unit shipped at $0 and turn NPV negative without a word (issue 27)."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import plan_of, run_priced
from rackline.analysis.costs import money
from rackline.cli import main
from rackline.errors import ScenarioError
from test_costs import DETERMINISTIC

SCENARIOS = Path(__file__).parent.parent / "scenarios"
PRICED = 'revenue: {rack: {price: "$10k", salvage: "$1k"}}'
FREE = 'revenue: {rack: {value: none, note: "GUESS: evaluation racks, given to the customer"}}'


def test_a_product_with_demand_and_no_price_is_refused_where_its_demand_is(tmp_path, capsys):
    f = tmp_path / "spares.yaml"       # the case: a product added to the priced baseline
    f.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\nname: spares\ndemand:\n  spare_trays:\n"
                 "    item: compute_tray\n    site: wisconsin\n    rate: 2 per week\n")
    assert main(["validate", str(f)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.startswith(f"{f}:5: at demand.spare_trays.item: expected a price in costs.revenue for product "
                          "'compute_tray'")
    assert "add costs.revenue.compute_tray.price" in err
    f.write_text(f.read_text() + 'costs:\n  revenue:\n    compute_tray: {price: "$150k"}\n')
    assert main(["validate", str(f)]) == 0


def test_none_with_a_note_earns_nothing_and_without_one_is_refused(load_text):
    priced, free = (run_priced(load_text(DETERMINISTIC.replace(PRICED, r)).scenario, 0) for r in (PRICED, FREE))
    mp, mf = money(priced, plan_of(priced), 0), money(free, plan_of(free), 0)
    shipped = float(priced.demands["buyer"].units_shipped[-1])
    assert shipped > 0
    assert mp.revenue == pytest.approx(shipped * 10_000)     # every unit shipped at its price
    assert mf.revenue == 0 and mf.salvage == 0               # declared to earn nothing: no price, no salvage
    assert mf.categories == mp.categories                    # the costs are the same run's
    bare = DETERMINISTIC.replace(PRICED, "revenue: {rack: none}")
    line = next(i for i, t in enumerate(bare.splitlines(), 1) if "revenue:" in t)
    with pytest.raises(ScenarioError) as err:
        load_text(bare)
    assert (f"test.yaml:{line}: at costs.revenue.rack: expected a note saying why product 'rack' earns nothing "
            "(demand buyer asks for it)") in str(err.value)


@pytest.mark.parametrize("revenue, message, problems", [
    ("revenue: {}", "at demand.buyer.item: expected a price in costs.revenue for product 'rack'", 1),
    ('revenue: {rack: {prise: "$10k"}}', "at costs.revenue.rack.prise: expected a known key, got unknown key "
                                         "'prise'; did you mean 'price'?", 2),     # and price is missing
    ("revenue: {rack: nothing}", "at costs.revenue.rack: expected one of 'none', got 'nothing'", 1),
])
def test_a_bad_revenue_is_located_once(load_text, revenue, message, problems):
    """A mapping is checked as a price, a word as `none`: never both (no noise from the other form)."""
    with pytest.raises(ScenarioError) as err:
        load_text(DETERMINISTIC.replace(PRICED, revenue))
    assert message in str(err.value)
    assert len(err.value.problems) == problems


def test_no_costs_needs_no_revenue(load_text):
    text = DETERMINISTIC[:DETERMINISTIC.index("costs:")]
    assert load_text(text).scenario.costs is None


def test_every_shipped_scenario_prices_what_it_sells(capsys):
    files = sorted(str(p) for p in SCENARIOS.glob("*.yaml"))
    assert main(["validate", *files]) == 0, capsys.readouterr().err
