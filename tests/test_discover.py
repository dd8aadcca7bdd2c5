"""`rackline discover`: PRIM recovers a planted failure region from a sweep's tables,
on synthetic tables and on a real LHS sweep; bad input exits 2 with a pinned message."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import SCENARIOS
from rackline.analysis.discover import Parameter, build_cases, discover, parse_where, restrictions
from rackline.cli import main
from rackline.errors import RacklineError

# scenarios/sweeps/planted_line.yaml: a line whose test bay b must make >= 9 racks a
# week (make to stock: throughput is capacity = servers * 168 h / process time). With
# 1 bay it fails exactly when the test takes more than 168/9 = 18.67 h; with 2 or 3
# bays never over 8-30 h. scenarios/sweeps/planted_failure.yaml sweeps it (LHS, 80).
SERVERS, TEST_TIME = "sites.s.stations.b.servers", "sites.s.stations.b.process_time.value"


def synthetic_sweep(folder: Path, n: int = 300, seed: int = 4) -> None:
    """A sweep folder written by hand: LHS over three parameters, a KPI that is low
    exactly when lead > 12 w and cover < 2 w (the third parameter does nothing)."""
    from scipy.stats import qmc
    u = qmc.LatinHypercube(d=3, seed=np.random.default_rng(seed)).random(n)
    lead, cover, other = 4 + 16 * u[:, 0], 1 + 3 * u[:, 1], 10 + 20 * u[:, 2]
    folder.mkdir(parents=True)
    ov = [f"sup.lead={a:.6g} w; inv.cover={b:.6g} w; st.n={c:.6g}" for a, b, c in zip(lead, cover, other)]
    pd.DataFrame({"point": range(n), "sup.lead": lead, "inv.cover": cover, "st.n": other, "overrides": ov}
                 ).to_csv(folder / "experiments.csv", index=False)
    fail = (lead > 12) & (cover < 2)
    rows = [(p, r, "fill_rate", "orders", "share of orders", (0.7 if fail[p] else 0.97) + 0.01 * r)
            for p in range(n) for r in range(2)]
    rows += [(p, 0, "throughput", "rack", "units/week", 10.0) for p in range(n)]
    pd.DataFrame(rows, columns=["point", "replication", "kpi", "subject", "unit", "value"]).to_csv(
        folder / "results.csv", index=False)
    (folder / "manifest.json").write_text(json.dumps({"complete": True, "kind": "sweep", "method": "lhs",
                                                      "parameters": ["sup.lead", "inv.cover", "st.n"]}))


def samples_between(x: np.ndarray, truth: float, limit: float) -> int:
    """How many sampled values lie between the true threshold and the recovered limit:
    0 is as sharp as the samples allow; 1 is one sampling step off."""
    lo, hi = sorted((truth, limit))
    return int(((x > lo) & (x < hi)).sum())


def test_prim_recovers_a_planted_box_from_synthetic_tables(tmp_path):
    synthetic_sweep(tmp_path / "sw")
    cases, notes = build_cases(tmp_path / "sw", "fill_rate < 0.9")
    assert notes == [] and len(cases.table) == 300           # one case per point: mean of 2 replications
    d = discover(cases)
    assert d.box.coverage > 0.8 and d.box.density > 0.8
    lim = d.box.limits.set_index("parameter")
    assert list(d.box.restricted.parameter) == ["sup.lead", "inv.cover"]   # st.n is left free
    x = cases.table
    hit = x[x["inv.cover"] < 2]                              # the slice where lead decides
    assert samples_between(hit["sup.lead"].to_numpy(), 12, lim.loc["sup.lead", "low"]) <= 1
    hit = x[x["sup.lead"] > 12]                              # the slice where cover decides
    assert samples_between(hit["inv.cover"].to_numpy(), 2, lim.loc["inv.cover", "high"]) <= 1
    assert abs(lim.loc["sup.lead", "low"] - 12) < 16 / 50 and abs(lim.loc["inv.cover", "high"] - 2) < 3 / 50
    text = restrictions(d.box, cases.parameters)
    assert text[0].startswith("sup.lead > 1") and text[0].endswith(" w") and text[1].startswith("inv.cover < ")


def test_default_box_balances_coverage_and_density_and_box_n_picks_another(tmp_path):
    synthetic_sweep(tmp_path / "sw")
    cases, _ = build_cases(tmp_path / "sw", "fill_rate < 0.9")
    d = discover(cases)
    f = 2 * d.trajectory.coverage * d.trajectory.density / (d.trajectory.coverage + d.trajectory.density)
    assert d.chosen == int(f.argmax()) and d.trajectory.chosen.sum() == 1
    first = discover(cases, box=0)
    assert first.box.coverage == 1.0 and first.box.mass == 1.0 and first.box.restricted.empty
    assert (d.trajectory.mass.diff().dropna() <= 0).all()    # peeling only shrinks the box


def test_discover_end_to_end_on_a_real_lhs_sweep(tmp_path, capsys):
    sw = tmp_path / "sw"                                     # the shipped example, as the README runs it
    assert main(["sweep", str(SCENARIOS / "sweeps" / "planted_failure.yaml"), "--jobs", "2", "--out", str(sw),
                 "--no-plots"]) == 0
    capsys.readouterr()
    assert main(["discover", str(sw), "--where", "throughput < 9"]) == 0
    out = capsys.readouterr().out
    folder = sw / "discover" / "throughput_rack_lt_9"
    box = pd.read_csv(folder / "box.csv").set_index("parameter")
    traj = pd.read_csv(folder / "trajectory.csv")
    chosen = traj[traj.chosen].iloc[0]
    assert chosen.coverage > 0.8 and chosen.density > 0.8
    assert f"  {SERVERS} <= 1\n" in out                      # servers: within one step (1 bay)
    cases = pd.read_csv(folder / "cases.csv")
    one = cases[cases[SERVERS] == 1][TEST_TIME].to_numpy()
    assert samples_between(one, 168 / 9, box.loc[TEST_TIME, "low"]) <= 1
    assert not box.loc["sites.s.stations.a.process_time", "restricted"]
    for name in ("trajectory.csv", "box.csv", "cases.csv", "tree.txt", "report.html", "manifest.json"):
        assert (folder / name).exists()
    for name in ("trajectory", "box_limits", "pairs"):
        assert (folder / "plots" / f"{name}.png").stat().st_size > 10_000
    assert "Illustrative model: all inputs are assumptions (no public volumes)" in (folder / "report.html").read_text()
    assert json.loads((folder / "manifest.json").read_text())["complete"] is True
    assert "servers <= 1.500" in (folder / "tree.txt").read_text()


def test_per_replication_cases_and_units_in_print(tmp_path, capsys):
    synthetic_sweep(tmp_path / "sw")
    cases, _ = build_cases(tmp_path / "sw", "fill_rate:orders <= 0.9", per_replication=True)
    assert len(cases.table) == 600 and "replication" in cases.table
    assert main(["discover", str(tmp_path / "sw"), "--where", "fill_rate < 0.9", "--out", str(tmp_path / "o"),
                 "--no-plots"]) == 0
    out = capsys.readouterr().out
    assert "Cases: 300 sweep points (KPI mean over replications)" in out
    assert " of the cases with fill_rate:orders < 0.9 lie in the box (coverage); " in out


def test_integer_limits_read_as_whole_numbers():
    p = Parameter("st.servers", "", True, 1, 5)
    assert p.below(2.5) == "st.servers <= 2" and p.above(2.5) == "st.servers >= 3"
    assert Parameter("x.lead", "w", False, 1, 5).above(13.46) == "x.lead > 13.46 w"


@pytest.mark.parametrize("where, message", [
    ("fill_rate 0.9", "--where: expected 'KPI < NUMBER' (or <=, >, >=), e.g. \"fill_rate < 0.9\" or "
                      "\"throughput:rack_gen1 < 22\", got 'fill_rate 0.9'"),
    ("fill_rat < 0.9", "--where: expected a KPI of this sweep (fill_rate, throughput; station metrics as "
                       "station:METRIC:STATION), got 'fill_rat'"),
    ("fill_rate:x < 0.9", "--where: expected a subject of fill_rate among ['orders'], got 'x'"),
    ("fill_rate < 0.5", "--where 'fill_rate:orders < 0.5': none of the 300 cases is of interest, so there is "
                        "nothing to tell apart; fill_rate:orders ranges from 0.705 to 0.975 share of orders in "
                        "this sweep: choose a threshold inside that range"),
    ("fill_rate < 1", "--where 'fill_rate:orders < 1': every one of the 300 cases is of interest"),
])
def test_bad_where_exits_2_with_a_clear_message(tmp_path, capsys, where, message):
    synthetic_sweep(tmp_path / "sw")
    assert main(["discover", str(tmp_path / "sw"), "--where", where]) == 2
    assert message in capsys.readouterr().err


def test_not_a_complete_sweep_and_box_out_of_range_exit_2(tmp_path, capsys):
    synthetic_sweep(tmp_path / "sw")
    assert main(["discover", str(tmp_path / "sw"), "--where", "fill_rate < 0.9", "--box", "999"]) == 2
    assert "--box: expected a box number from 0 to " in capsys.readouterr().err
    (tmp_path / "sw" / "manifest.json").write_text(json.dumps({"complete": False, "kind": "sweep"}))
    assert main(["discover", str(tmp_path / "sw"), "--where", "fill_rate < 0.9"]) == 2
    assert ("expected a complete sweep folder (manifest.json with \"complete\": true, experiments.csv, "
            "results.csv, as `rackline sweep` writes), got a manifest.json not marked as a complete sweep"
            in capsys.readouterr().err)
    with pytest.raises(RacklineError):
        parse_where("< 3")


def test_shipped_baseline_discover_sweep_is_an_lhs_over_four_uncertainties():
    from rackline.experiments.sweep.spec import load_sweep
    sw = load_sweep(SCENARIOS / "sweeps" / "baseline_discover.yaml")
    assert sw.spec.method == "lhs" and len(sw.spec.parameters) == 4
