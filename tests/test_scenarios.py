"""The shipped scenario library: each runs with 3 replications, and each answers the
question its header asks in a way the results show."""
from __future__ import annotations

import pytest

import rackline
from conftest import SCENARIOS

NAMES = sorted(p.stem for p in SCENARIOS.glob("*.yaml"))


@pytest.fixture(scope="module")
def runs():
    return {name: rackline.run(SCENARIOS / f"{name}.yaml", reps=3, jobs=2) for name in NAMES}


def weekly(res, metric="output", subject=None):
    ts = res.timeseries[res.timeseries.metric == metric]
    if subject:
        ts = ts[ts.subject == subject]
    return ts.groupby("week").value.mean()


def test_every_scenario_runs_and_states_its_question(runs):
    for name in NAMES:
        text = (SCENARIOS / f"{name}.yaml").read_text()
        assert text.startswith("# Question:"), name
        assert len(runs[name].reps) == 3
        assert runs[name].kpis[runs[name].kpis.kpi == "throughput"]["mean"].sum() > 0, name


def test_overseas_outage_dips_output_then_recovers_and_safety_stock_absorbs_it(runs):
    base, out, safe = (weekly(runs[n]) for n in ("baseline", "overseas_disruption",
                                                 "overseas_disruption_safety_stock"))
    during = slice(17, 28)                           # the outage is weeks 16-22; stock covers the first weeks
    assert out.loc[during].min() < 0.75 * base.loc[during].mean()   # optics s: 11 w of use at 26/week
    assert out.loc[36:].mean() == pytest.approx(base.loc[36:].mean(), rel=0.1)
    assert safe.loc[during].min() > out.loc[during].min()
    log = runs["overseas_disruption"].reps[0].disruptions
    assert log == [("optics_asia_outage", "supplier:optics_asia", 16 * 168.0, 22 * 168.0, 0.0)]


def test_gen2_output_starts_only_after_its_introduction(runs):
    g2 = weekly(runs["gen2_ramp"], subject="rack_gen2")
    assert g2.loc[:20].sum() == 0 and g2.loc[24:].sum() > 0


def test_localization_raises_the_domestic_share(runs):
    share = lambda r: r.kpi("region_share", "domestic")["mean"]
    assert share(runs["localization"]) > share(runs["baseline"]) + 0.1


def test_demand_surge_shows_what_breaks_first(runs):
    surge, base = runs["demand_surge"], runs["baseline"]
    assert surge.kpi("backlog", "openai_gen1")["mean"] > 5 * base.kpi("backlog", "openai_gen1")["mean"]
    assert surge.kpi("fill_rate", "openai_gen1")["mean"] < base.kpi("fill_rate", "openai_gen1")["mean"]
    assert surge.ranking.station.iloc[0] == "wisconsin.integrate"


def test_workforce_scenario_waits_for_crew_until_hires_are_trained(runs):
    res = runs["workforce"]
    table = res.ranking.set_index("station")
    assert table.loc["wisconsin.integrate", "share_waiting_crew"] > 0.05
    out = weekly(res)
    assert out.loc[:8].mean() < 0.6 * out.loc[40:].mean()


def test_tariff_shock_shifts_orders_to_mexican_and_domestic_sources(runs):
    shock, base = runs["tariff_shock"], runs["baseline"]
    got = lambda r, s: r.kpi("supplier_delivered", s)["mean"]
    assert got(shock, "psu_mexico") > 1.15 * got(base, "psu_mexico")    # 30% -> 44% of PSU orders from week 28
    assert got(shock, "optics_us") > 1.10 * got(base, "optics_us")      # 20% -> 32% of optics orders from week 32
    assert shock.kpi("region_share", "overseas")["mean"] < base.kpi("region_share", "overseas")["mean"] - 0.02
    assert shock.kpi("cost_per_rack", "total")["mean"] > base.kpi("cost_per_rack", "total")["mean"]


def test_the_readme_library_table_lists_every_shipped_scenario():
    from conftest import ROOT
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## The scenario library"):readme.index("## Writing a scenario")]
    for path in SCENARIOS.rglob("*.yaml"):
        assert f"`{path.relative_to(SCENARIOS).as_posix()}`" in table, path
