"""A cost-aware sourcing split: shares follow landed cost after a tariff step (the
Armington form, capped), orders follow the new split from then on, and purchased
items are valued at what was actually received."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import plan_of, run_priced
from rackline.analysis.costs import money
from rackline.errors import ScenarioError
from rackline.scenario.landed import sourcing_steps
from test_costs import DETERMINISTIC

# the deterministic cost scenario (trays from asia at $1,000 and usa at $1,500, half
# each; overseas tariff 10% then 30% from week 5) with orders that follow landed cost
SOURCED = DETERMINISTIC.replace(
    "suppliers: {asia: 0.5, usa: 0.5}",
    "suppliers: {asia: 0.5, usa: 0.5}\n        sourcing: {elasticity: 4, lag: 1 w}")


def split_of(loaded):
    inv = loaded.scenario.sites["plant"].inventories["tray"]
    return sourcing_steps(loaded.scenario, inv)


def test_shares_follow_landed_cost_by_the_armington_form(load_text):
    steps = split_of(load_text(SOURCED))
    asia = 0.5 * (1.30 / 1.10) ** -4        # landed cost up by 1.3/1.1 since the start
    usa = 0.5 * 1.0                         # no tariff on domestic trays: unchanged
    assert steps[0] == (0.0, (0.5, 0.5))
    assert len(steps) == 2
    at, shares = steps[1]
    assert at == pytest.approx(6 * 168)     # the step at week 5, one week's lag
    assert shares == pytest.approx((asia / (asia + usa), usa / (asia + usa)))
    assert sum(shares) == pytest.approx(1.0)


def test_elasticity_zero_keeps_the_split_and_the_numbers(load_text):
    plain = run_priced(load_text(DETERMINISTIC).scenario, 0)
    zero = run_priced(load_text(SOURCED.replace("elasticity: 4", "elasticity: 0")).scenario, 0)
    assert split_of(load_text(SOURCED.replace("elasticity: 4", "elasticity: 0")))[1:] == []
    for name in ("asia", "usa"):
        np.testing.assert_array_equal(plain.suppliers[name].ordered, zero.suppliers[name].ordered)


def test_a_cap_passes_the_excess_to_the_others(load_text):
    loaded = load_text(SOURCED.replace("elasticity: 4", "elasticity: 40, max_share: {usa: 0.8}"))
    _, shares = split_of(loaded)[1]
    assert shares == pytest.approx((0.2, 0.8))       # usa would take ~99.9%; it can take 80%
    three = SOURCED.replace("suppliers: {asia: 0.5, usa: 0.5}", "suppliers: {asia: 0.4, usa: 0.3, mx: 0.3}").replace(
        "elasticity: 4", "elasticity: 40, max_share: {usa: 0.45}").replace(
        "usa: {item: tray", "mx: {item: tray, region: nearshore, lead_time: 1 w}\n  usa: {item: tray").replace(
        'usa: "$1,500"}', 'usa: "$1,500", mx: "$1,300"}')
    _, shares = split_of(load_text(three))[1]
    # asia collapses; usa is capped at 0.45; asia and mexico (no tariff) share the rest as before
    a = 0.4 * (1.3 / 1.1) ** -40
    assert shares[1] == pytest.approx(0.45)
    assert shares[0] == pytest.approx(0.55 * a / (a + 0.3), rel=1e-9)
    assert sum(shares) == pytest.approx(1.0)


def test_orders_follow_the_new_split_from_its_time_on(load_text):
    loaded = load_text(SOURCED.replace("horizon: 10 w", "horizon: 20 w"))
    at, shares = split_of(loaded)[1]
    rep = run_priced(loaded.scenario, 0)
    t = rep.times
    k = int(np.searchsorted(t, at))                      # the snapshot at the change (week 6)
    before = {n: rep.suppliers[n].ordered[k] for n in ("asia", "usa")}
    after = {n: rep.suppliers[n].ordered[-1] - rep.suppliers[n].ordered[k] for n in ("asia", "usa")}
    assert before["asia"] == before["usa"]               # half each until then
    total = after["asia"] + after["usa"]
    assert total > 100
    assert abs(after["usa"] - shares[1] * total) <= 1     # cumulative units follow the shares within a unit
    assert abs(after["asia"] - shares[0] * total) <= 1


def test_purchased_items_are_valued_at_what_was_received(load_text):
    rep = run_priced(load_text(SOURCED.replace("horizon: 10 w", "horizon: 20 w")).scenario, 0)
    m = money(rep, plan_of(rep), 0)
    asia, usa = (float(rep.suppliers[n].delivered[-1]) for n in ("asia", "usa"))
    tray = (asia * 1000 + usa * 1500) / (asia + usa)     # moving-average price of the trays received
    racks = float(rep.stations["plant.build"].completions[-1])
    assert usa > asia                                     # the split moved to domestic trays
    assert m.categories["materials"] == pytest.approx(racks * 2 * tray, rel=1e-12)
    assert m.received["domestic"] / (m.received["domestic"] + m.received["overseas"]) == pytest.approx(
        usa * 1500 / (usa * 1500 + asia * 1000))


@pytest.mark.parametrize("change, message", [
    ("sourcing: {elasticity: 4, lag: 1 w}", None),
    ("sourcing: {elasticity: -1}", "sites.plant.inventories.tray.sourcing.elasticity: expected a number >= 0, got -1"),
    ("sourcing: {elasticity: 2, max_share: {usa: 0.4}}",
     "sites.plant.inventories.tray.sourcing.max_share.usa: expected a max_share at least the written share 0.5, got 0.4"),
    ("sourcing: {elasticity: 2, max_share: {usa: 0.5, asia: 0.5}}", None),
    ("sourcing: {elasticity: 2, max_share: {usa: 0.5, asia: 0.45}}",
     "sites.plant.inventories.tray.sourcing.max_share.asia: expected a max_share at least the written share 0.5, got 0.45"),
])
def test_bad_sourcing_is_a_located_error(load_text, change, message):
    text = DETERMINISTIC.replace("suppliers: {asia: 0.5, usa: 0.5}",
                                 "suppliers: {asia: 0.5, usa: 0.5}\n        " + change)
    if message is None:
        load_text(text)
        return
    with pytest.raises(ScenarioError) as err:
        load_text(text)
    assert message in str(err.value)


def test_a_split_without_prices_or_room_is_refused(load_text):
    text = SOURCED.replace('prices: {asia: "$1,000", usa: "$1,500"}', 'prices: {asia: "$1,000"}')
    with pytest.raises(ScenarioError) as err:
        load_text(text)
    assert ("sites.plant.inventories.tray.sourcing: expected a price above $0 in costs.prices for each supplier "
            "of a cost-aware split, got none (or $0) for 'usa'") in str(err.value)
    three = SOURCED.replace("suppliers: {asia: 0.5, usa: 0.5}", "suppliers: {asia: 0.5, usa: 0.3, mx: 0.2}").replace(
        "elasticity: 4, lag: 1 w", "elasticity: 4, max_share: {asia: 0.5, usa: 0.3, mx: 0.1}").replace(
        "usa: {item: tray", "mx: {item: tray, region: nearshore, lead_time: 1 w}\n  usa: {item: tray")
    with pytest.raises(ScenarioError) as err:
        load_text(three)
    assert "expected a max_share at least the written share 0.2, got 0.1" in str(err.value)
    one = DETERMINISTIC.replace("suppliers: {asia: 0.5, usa: 0.5}", "suppliers: {asia: 1.0}\n        sourcing: {elasticity: 1}")
    with pytest.raises(ScenarioError) as err:
        load_text(one)
    assert "expected two or more 'suppliers' for a cost-aware 'sourcing' split" in str(err.value)


@pytest.mark.parametrize("elasticity, tariffs", [
    (10000, "{overseas: [{from: 0 w, rate: 10%}, {from: 5 w, rate: 0%}]}"),           # asia gets cheaper
    (2000, "{overseas: [{from: 0 w, rate: 0%}, {from: 5 w, rate: 100%}], "
           "domestic: [{from: 0 w, rate: 0%}, {from: 5 w, rate: 100%}]}"),          # both double
])
def test_an_extreme_elasticity_still_gives_shares(load_text, elasticity, tariffs):
    text = SOURCED.replace("elasticity: 4", f"elasticity: {elasticity}").replace(
        "tariffs: {overseas: [{from: 0 w, rate: 10%}, {from: 5 w, rate: 30%}]}", f"tariffs: {tariffs}")
    steps = split_of(load_text(text))
    shares = steps[-1][1]
    assert sum(shares) == pytest.approx(1.0) and all(0 <= s <= 1 for s in shares)
    if elasticity == 10000:
        assert shares == pytest.approx((1.0, 0.0))     # all to the supplier whose landed cost fell
    else:
        assert len(steps) == 1                          # both rose alike: the split is unchanged


@pytest.mark.parametrize("sourcing, why", [
    ("sourcing: {elasticity: 4, lag: 1 w}",
     "its landed costs stay at the start's throughout, and with no sourcing.reference the start's are the reference: "
     "a tariff set from week 0 cannot move it (state the landed costs at which the written shares hold as "
     "sourcing.reference)"),
    ('sourcing: {elasticity: 4, reference: {asia: "$1,100", usa: "$1,500"}}',
     "its landed costs stay at the stated reference (sourcing.reference) throughout"),
    ('sourcing: {elasticity: 0, reference: {asia: "$1,000", usa: "$1,500"}}', "its elasticity is 0"),
    ("sourcing: {elasticity: 4, lag: 20 w}", None),
])
def test_a_split_that_never_moves_says_why(capsys, tmp_path, sourcing, why):
    from rackline.cli import main
    f = tmp_path / "flat.yaml"
    text = DETERMINISTIC.replace("suppliers: {asia: 0.5, usa: 0.5}", "suppliers: {asia: 0.5, usa: 0.5}\n        " + sourcing)
    if why is None:       # a real move, but after the horizon (week 5 + 20 w of lag > 10 w)
        why = "its first move, at week 25 (a tariff step plus the lag), falls after the horizon (week 10)"
    else:                 # a flat 10% overseas tariff throughout
        text = text.replace("{from: 5 w, rate: 30%}", "{from: 5 w, rate: 10%}")
    f.write_text(text)
    assert main(["run", str(f), "--no-plots", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert (f"WARNING: sites.plant.inventories.tray.sourcing follows landed cost, but {why}: the written shares "
            "hold throughout") in out
    assert "Sourcing plant/tray" not in out


def test_the_run_says_how_the_split_moves(load_text):
    from rackline.analysis.answer_text import sourcing_lines
    from rackline.analysis.answering import sourcing_moves
    loaded = load_text(SOURCED)
    (_, (at, shares)) = split_of(loaded)
    assert sourcing_lines(sourcing_moves(loaded.scenario)) == [
        f"Sourcing plant/tray follows landed cost: asia 50% → {shares[0]:.0%}, usa 50% → {shares[1]:.0%} "
        f"of new orders from week 6 (landed cost asia $1.3k = 1.18× its reference $1.1k)"]   # 1,000 x 1.3 vs x 1.1
