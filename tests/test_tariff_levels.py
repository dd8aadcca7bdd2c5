"""Cost-aware sourcing follows tariff *levels*: the written shares hold at the reference
landed costs the scenario states (`sourcing.reference`), so a tariff set from week 0
moves the split from week 0, in the right direction (issue 27). Expected shares come
from the rule: share_i ∝ written_i x (landed_i / reference_i)^-elasticity."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import run_priced
from rackline.cli import main
from rackline.scenario import load_scenario
from rackline.scenario.assumptions import register
from test_sourcing import DETERMINISTIC, split_of

SCENARIOS = Path(__file__).parent.parent / "scenarios"
STEPS = "tariffs: {overseas: [{from: 0 w, rate: 10%}, {from: 5 w, rate: 30%}]}"


def sourced(sourcing: str, tariffs: str = STEPS) -> str:
    """The deterministic cost scenario (trays from asia at $1,000, usa at $1,500, half
    each) with a cost-aware split and the given tariffs."""
    return DETERMINISTIC.replace("suppliers: {asia: 0.5, usa: 0.5}",
                                 "suppliers: {asia: 0.5, usa: 0.5}\n        " + sourcing).replace(STEPS, tariffs)


def asia_share(ratio: float, elasticity: float) -> float:
    """Two suppliers at half each, only asia's landed cost at `ratio` x its reference."""
    return 1 / (1 + ratio ** elasticity)


def test_a_tariff_above_the_reference_moves_the_split_from_week_0(load_text):
    text = sourced('sourcing: {elasticity: 4, lag: 4 w, reference: {asia: "$1,000", usa: "$1,500"}}',
                   "tariffs: {overseas: 25%}")
    steps = split_of(load_text(text))
    a = asia_share(1.25, 4)                  # 1,250 landed against 1,000: 1 / (1 + 1.25^4) = 0.2906
    assert a == pytest.approx(0.29058, abs=1e-5)
    assert len(steps) == 1                   # a level, not a step: no lag, no later move
    assert steps[0][0] == 0.0 and steps[0][1] == pytest.approx((a, 1 - a), rel=1e-12)
    rep = run_priced(load_text(text.replace("horizon: 10 w", "horizon: 20 w")).scenario, 0)
    asia, usa = (float(rep.suppliers[n].ordered[-1]) for n in ("asia", "usa"))
    assert asia + usa > 100
    assert abs(asia - a * (asia + usa)) <= 1  # every order from the start follows the split, within a unit


def test_a_tariff_below_the_reference_moves_it_the_other_way(load_text):
    text = sourced('sourcing: {elasticity: 4, reference: {asia: "$1,320", usa: "$1,500"}}',
                   "tariffs: {overseas: 10%}")
    (_, shares), = split_of(load_text(text))
    assert shares == pytest.approx((asia_share(1100 / 1320, 4), 1 - asia_share(1100 / 1320, 4)))
    assert shares[0] > 0.5


def test_a_later_step_is_measured_from_the_reference_after_the_lag(load_text):
    steps = split_of(load_text(sourced('sourcing: {elasticity: 4, lag: 1 w, reference: {asia: "$1,000", '
                                       'usa: "$1,500"}}')))
    assert [at for at, _ in steps] == [0.0, 6 * 168]           # week 0 (10% above), week 5 + 1 w (30% above)
    for (_, shares), ratio in zip(steps, (1.1, 1.3)):
        assert shares[0] == pytest.approx(asia_share(ratio, 4), rel=1e-12)


def test_a_reference_at_the_start_changes_nothing(load_text):
    """Stating the start's landed costs (tariff_shock does) keeps every order as before."""
    implied = load_text(sourced("sourcing: {elasticity: 4, lag: 1 w}"))
    stated = load_text(sourced('sourcing: {elasticity: 4, lag: 1 w, reference: {asia: "$1,100", usa: "$1,500"}}'))
    assert split_of(stated) == split_of(implied)
    a, b = run_priced(implied.scenario, 0), run_priced(stated.scenario, 0)
    for name in ("asia", "usa"):
        np.testing.assert_array_equal(a.suppliers[name].ordered, b.suppliers[name].ordered)


def test_the_register_lists_the_reference():
    rows = register(load_scenario(SCENARIOS / "tariff_shock.yaml")).set_index("path")
    row = rows.loc["sites.texas.inventories.optics.sourcing.reference.optics_asia"]
    assert row.base_value == pytest.approx(800 * 1.10)           # the baseline's price with its 10% tariff
    assert row.has_note


def test_optics_at_50_percent_lowers_the_overseas_share_and_says_by_how_much(tmp_path, capsys):
    """The issue's what-if: before levels counted, a flat 50% was 'no change since week 0'
    and the overseas share went up."""
    assert main(["compare", str(SCENARIOS / "tariff_shock.yaml"), "--variant", "optics50:costs.tariffs.optics_asia=50%",
                 "--no-plots", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    import re
    share = next(line for line in out.splitlines() if line.startswith("region share: overseas"))
    diff = re.split(r"\s{2,}", share)[-1]                              # compare's table: the difference column
    assert diff.startswith("-") and diff.endswith(": clear"), share    # lower, by how much (points, CI), and clear
    r = 800 * 1.5 / 880                                                 # landed at 50% vs the reference at 10%
    asia = 0.8 * r ** -3 / (0.8 * r ** -3 + 0.2)                        # elasticity 3; optics_us (0.39) under its 0.6 cap
    assert (f"optics50: Sourcing texas/optics follows landed cost: optics_asia 80% → {asia:.0%}, optics_us 20% → "
            f"{1 - asia:.0%} of new orders from week 0 (landed cost optics_asia $1.2k = {r:.3g}× its reference $880)"
            ) in out


def test_a_what_if_on_a_fixed_split_says_orders_do_not_follow():
    """The baseline keeps its written shares: a tariff what-if moves its cost, never its
    orders, and says so instead of moving silently."""
    from rackline.scenario.landed import fixed_splits_touched
    base = load_scenario(SCENARIOS / "baseline.yaml").scenario
    (line,) = fixed_splits_touched(base, ["costs.tariffs.optics_asia"])
    assert line.startswith("costs.tariffs.optics_asia changes the landed cost of optics_asia, but "
                           "sites.texas.inventories.optics keeps its written shares (no 'sourcing:'")
    region = fixed_splits_touched(base, ["costs.tariffs.overseas"])     # psu and optics split; boards are sole-sourced
    assert [x.split(" keeps")[0].split("but ")[1] for x in region] == ["sites.ohio.inventories.psu",
                                                                      "sites.texas.inventories.optics"]
    assert fixed_splits_touched(base, ["costs.prices.trays_us", "run.horizon"]) == []
    shock = load_scenario(SCENARIOS / "tariff_shock.yaml").scenario                     # its splits follow cost
    assert fixed_splits_touched(shock, ["costs.tariffs.optics_asia", "costs.tariffs.overseas"]) == []
