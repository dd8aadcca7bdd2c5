"""Plots on small synthetic tables, the report, and `rackline plot`."""
from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from rackline import FOOTER
from rackline.output.plots import (
    backlog_plot,
    bottleneck_share_plot,
    cumulative_plot,
    inventory_plot,
    lead_time_plot,
    station_states_plot,
    throughput_plot,
    welch_plot,
)
from rackline.output.plots.style import color_for


def _texts(fig):
    return [t.get_text() for t in fig.texts]


@pytest.fixture
def ts():
    rows = []
    for rep in range(3):
        for week in range(1, 11):
            rows += [(rep, week, "output", "rack_a", 10 + rep), (rep, week, "output", "rack_b", 5.0),
                     (rep, week, "ordered", "orders_a", 12.0), (rep, week, "backlog", "orders_a", week * 2.0),
                     (rep, week, "inventory", "wi/optics", 100 - week), (rep, week, "inventory", "wi/trays", 5.0)]
    return pd.DataFrame(rows, columns=["replication", "week", "metric", "subject", "value"])


@pytest.fixture
def table():
    states = dict(share_busy=[0.9, 0.4], share_setup=[0, 0], share_starved=[0.05, 0.5], share_blocked=[0.05, 0.1],
                  share_idle=[0, 0], share_waiting_crew=[0, 0], share_down=[0, 0], share_off_shift=[0, 0])
    return pd.DataFrame(dict(rank=[1, 2], station=["s.test", "s.build"], utilization=[0.9, 0.4],
                             bottleneck_sole=[0.8, 0.05], bottleneck_sole_hw=[0.05, 0.02],
                             bottleneck_shifting=[0.1, 0.1], bottleneck_shifting_hw=[0.02, 0.02], **states))


def test_throughput_plot_has_band_demand_units_and_footer(ts):
    fig = throughput_plot(ts, "demo", {"rack_a": ["orders_a"]}, warmup_weeks=2)
    ax = fig.axes[0]
    labels = [l.get_label() for l in ax.get_lines()]
    assert labels == ["rack_a made", "orders_a ordered", "rack_b made"]
    assert ax.get_ylabel() == "units per week" and ax.get_xlabel() == "week"
    assert len(ax.collections) >= 2          # CI bands (and the warm-up span)
    assert f"{FOOTER} · scenario: demo" in _texts(fig)
    made = ax.get_lines()[0].get_ydata()
    assert np.allclose(made, 11.0)           # mean of 10, 11, 12


def test_colors_are_stable_per_name(ts):
    fig = throughput_plot(ts, "demo")
    assert fig.axes[0].get_lines()[0].get_color() == color_for("rack_a")


def test_other_time_plots(ts):
    for fig, ylabel, n in [(cumulative_plot(ts, "d", {"rack_a": ["orders_a"]}), "units (cumulative)", 3),
                           (inventory_plot(ts, "d"), "units on hand", 2), (backlog_plot(ts, "d"), "units", 1)]:
        ax = fig.axes[0]
        assert ax.get_ylabel() == ylabel and len(ax.get_lines()) == n
        assert any(FOOTER in t for t in _texts(fig))
    cum = cumulative_plot(ts, "d").axes[0].get_lines()[0].get_ydata()
    assert cum[-1] == pytest.approx(110)


def test_station_plots_mark_the_bottleneck(table):
    fig = station_states_plot(table, "d")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["s.build", "★ s.test"]
    assert len(ax.patches) == 8 * 2
    share = bottleneck_share_plot(table, "d").axes[0]
    assert share.get_xlabel() == "share of measured time"


def test_lead_time_and_welch(ts):
    lead = pd.DataFrame({"demand": ["a"] * 50, "lead_h": np.linspace(24, 240, 50)})
    ax = lead_time_plot(lead, "d", {"a": 72}).axes[0]
    assert ax.get_xlabel().startswith("days")
    welch = pd.DataFrame({"week": range(10), "mean": range(10), "moving_avg_3": range(10)})
    assert len(welch_plot(welch, "d", warmup_weeks=2).axes[0].get_lines()) == 3


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    from rackline.cli import main
    out = tmp_path_factory.mktemp("r") / "baseline"
    assert main(["run", "scenarios/baseline.yaml", "--reps", "3", "--out", str(out)]) == 0
    return out


def test_run_writes_plots_and_a_self_contained_report(run_folder):
    names = {p.stem for p in (run_folder / "plots").glob("*.png")}
    assert {"flow", "throughput", "cumulative", "station_states", "bottleneck_share", "welch"} <= names
    page = (run_folder / "report.html").read_text()
    assert page.count("data:image/png;base64,") == len(names)
    assert "Throughput rack_gen1" in page and "Assumption register" in page and FOOTER in page
    assert "src=\"http" not in page and "<script" not in page


def test_plot_redraws_from_saved_results(run_folder, capsys):
    from rackline.cli import main
    before = (run_folder / "plots" / "throughput.png").read_bytes()
    (run_folder / "plots" / "throughput.png").unlink()
    assert main(["plot", str(run_folder)]) == 0
    assert (run_folder / "plots" / "throughput.png").read_bytes() == before


def test_plot_refuses_an_incomplete_folder(tmp_path, capsys):
    from rackline.cli import main
    (tmp_path / "kpis.csv").write_text("kpi\n")
    assert main(["plot", str(tmp_path)]) == 2
    assert "expected a complete results folder" in capsys.readouterr().err


def _chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def test_report_renders_in_a_real_browser(run_folder, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium on this machine (.ci/run installs Debian's chromium); report not rendered")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    url = (run_folder / "report.html").resolve().as_uri()
    dom = subprocess.run([browser, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'id="headline"' in dom.stdout and "Throughput rack_gen1" in dom.stdout
    assert 'id="plot-flow"' in dom.stdout
    shot = tmp_path / "shot.png"
    subprocess.run([browser, *flags, f"--screenshot={shot}", "--window-size=1200,1600", url],
                   capture_output=True, timeout=120)
    from matplotlib.image import imread
    img = imread(shot)
    assert img.shape[0] >= 1000 and img[:, :, :3].std() > 0.05    # not a blank page
