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


def _legend_texts(fig) -> list[str]:
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend() is not None)]
    return [t.get_text() for lg in legends for t in lg.get_texts()]


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
def bands(ts):
    """What a run's plots read: the weekly bands analysis computes from the series."""
    from rackline.analysis.run_tables import weekly_bands
    return weekly_bands(ts)


@pytest.fixture
def table():
    states = dict(share_busy=[0.9, 0.4], share_setup=[0, 0], share_starved=[0.05, 0.5], share_blocked=[0.05, 0.1],
                  share_idle=[0, 0], share_waiting_crew=[0, 0], share_down=[0, 0], share_off_shift=[0, 0])
    return pd.DataFrame(dict(rank=[1, 2], station=["s.test", "s.build"], utilization=[0.9, 0.4],
                             bottleneck_sole=[0.8, 0.05], bottleneck_sole_hw=[0.05, 0.02],
                             bottleneck_shifting=[0.1, 0.1], bottleneck_shifting_hw=[0.02, 0.02], **states))


def test_throughput_plot_has_band_demand_units_and_footer(bands):
    fig = throughput_plot(bands, "demo", {"rack_a": ["orders_a"]}, warmup_weeks=2)
    ax = fig.axes[0]
    labels = [l.get_label() for l in ax.get_lines()]
    assert labels == ["rack_a made", "orders_a ordered", "rack_b made"]
    assert ax.get_ylabel() == "units per week" and ax.get_xlabel() == "week"
    assert len(ax.collections) >= 2          # CI bands (and the warm-up span)
    assert f"{FOOTER} · scenario: demo" in _texts(fig)
    made = ax.get_lines()[0].get_ydata()
    assert np.allclose(made, 11.0)           # mean of 10, 11, 12


def test_colors_are_stable_per_name(bands):
    fig = throughput_plot(bands, "demo")
    assert fig.axes[0].get_lines()[0].get_color() == color_for("rack_a")


def test_other_time_plots(bands):
    for fig, ylabel, n in [(cumulative_plot(bands, "d", {"rack_a": ["orders_a"]}), "units (cumulative)", 3),
                           (backlog_plot(bands, "d"), "units", 1)]:
        ax = fig.axes[0]
        assert ax.get_ylabel() == ylabel and len(ax.get_lines()) == n
        assert any(FOOTER in t for t in _texts(fig))
    cum = cumulative_plot(bands, "d").axes[0].get_lines()[0].get_ydata()
    assert cum[-1] == pytest.approx(110)


def test_inventory_plot_one_panel_per_stock_in_its_own_unit_with_reorder_points(bands):
    fig = inventory_plot(bands, "d", units={"optics": "transceiver", "trays": "tray"}, reorder={"wi/optics": 50.0})
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_ylabel() for ax in axes] == ["transceivers on hand", "trays on hand"]
    assert all(len(ax.get_lines()) == (2 if i == 0 else 1) for i, ax in enumerate(axes))   # + reorder line
    assert axes[0].get_lines()[1].get_ydata()[0] == 50.0 and "reorder when position <= 50" in axes[0].get_title()
    assert "inventory position (on hand + on order)" in fig.get_suptitle()    # why the line floats above the stock
    # finished products come first even when their stock hardly moves
    fin = inventory_plot(bands, "d", top=1, finished=["wi/trays"])
    assert [ax.get_title() for ax in fin.axes if ax.get_visible()] == ["wi/trays  (finished)", "wi/optics"]


def test_station_plots_mark_the_bottleneck(table):
    fig = station_states_plot(table, "d")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["s.build", "★ s.test"]
    assert len(ax.patches) == 8 * 2
    share = bottleneck_share_plot(table, "d").axes[0]
    assert share.get_xlabel() == "share of measured time"


def test_lead_time_and_welch(ts):
    lead = pd.DataFrame({"replication": [0, 1] * 25, "demand": ["a"] * 50, "lead_h": np.linspace(24, 240, 50)})
    kpis = pd.DataFrame({"kpi": ["order_lead_time", "order_lead_time_p90"], "subject": ["a", "a"],
                         "mean": [120.5, 200.25]})
    fig = lead_time_plot(lead, "d", {"a": 72}, kpis)
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("days")
    assert "2 replications pooled" in ax.get_title()
    labels = _legend_texts(fig)
    assert labels[0] == "a: 50 orders; mean 120 h, p90 200 h (KPI table)"   # 3 significant figures, as the table
    welch = pd.DataFrame({"week": range(10), "mean": range(10), "moving_avg_3": range(10)})
    assert len(welch_plot(welch, "d", warmup_weeks=2).axes[0].get_lines()) == 3


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    from rackline.cli import main
    out = tmp_path_factory.mktemp("r") / "baseline"
    assert main(["run", "scenarios/baseline.yaml", "--reps", "3", "--out", str(out), "--all-plots"]) == 0
    return out


def test_a_default_run_draws_the_answers_plots_and_says_how_to_draw_the_rest(tmp_path):
    """Drawing every figure cost three times the rest of a run: by default a run draws the
    answer's plot, the report says how to get the others, and `plot --all` adds them
    (the same bytes as a run with --all-plots)."""
    from rackline.cli import main
    from rackline.output.report import ANSWER_PLOTS
    out = tmp_path / "few"
    assert main(["run", "scenarios/minimal.yaml", "--reps", "2", "--out", str(out)]) == 0
    assert {p.stem for p in (out / "plots").glob("*.png")} == set(ANSWER_PLOTS)
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") == len(ANSWER_PLOTS) and "rackline plot FOLDER --all" in page
    assert "also draws the network with its flows and bottleneck, station time in states" in page
    assert main(["plot", str(out)]) == 0                       # redraws what the folder has
    assert {p.stem for p in (out / "plots").glob("*.png")} == set(ANSWER_PLOTS)
    (out / "plots" / "flow.png").write_bytes(b"")      # a folder of a release that drew the network by default
    assert main(["plot", str(out)]) == 0
    assert {p.stem for p in (out / "plots").glob("*.png")} == set(ANSWER_PLOTS) | {"flow"}
    assert (out / "plots" / "flow.png").read_bytes().startswith(b"\x89PNG")
    note = (out / "report.html").read_text()     # offers what is not drawn yet, not what is
    assert "also draws station time in states" in note and "the network with its flows" not in note
    assert main(["plot", str(out), "--all"]) == 0
    every = {p.stem for p in (out / "plots").glob("*.png")}
    assert set(ANSWER_PLOTS) < every and {"throughput", "welch"} <= every
    assert "rackline plot FOLDER --all" not in (out / "report.html").read_text()
    full = tmp_path / "all"
    assert main(["run", "scenarios/minimal.yaml", "--reps", "2", "--out", str(full), "--all-plots"]) == 0
    assert {p.stem for p in (full / "plots").glob("*.png")} == every
    assert (full / "plots" / "welch.png").read_bytes() == (out / "plots" / "welch.png").read_bytes()


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


# ---- every figure reads at a glance: nothing clipped, legends off the data ---------------------------
def _renderer(fig):
    """Draw as the PNG is drawn (Agg, same dpi) and return the renderer."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def clipped_texts(fig) -> list[str]:
    """Visible texts (titles, labels, ticks, legends, annotations) whose tight bounding
    box leaves the figure."""
    from matplotlib.text import Text
    r = _renderer(fig)
    box = fig.bbox
    undrawn = set()      # tick labels outside the axis' view are kept but not drawn
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if not ax.axison:
                undrawn |= {id(t) for t in axis.get_ticklabels(which="both")}
                continue
            lo, hi = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not lo - 1e-9 * max(1.0, abs(hi - lo)) <= tick.get_loc() <= hi + 1e-9 * max(1.0, abs(hi - lo)):
                    undrawn |= {id(tick.label1), id(tick.label2)}
    out = []
    for t in fig.findobj(Text):
        if not t.get_visible() or not t.get_text().strip() or (t.axes is not None and not t.axes.get_visible()) \
                or id(t) in undrawn:
            continue
        e = t.get_window_extent(r)
        if e.x0 < box.x0 - 1 or e.y0 < box.y0 - 1 or e.x1 > box.x1 + 1 or e.y1 > box.y1 + 1:
            out.append(t.get_text())
    return out


def legend_covers_data(fig) -> list[str]:
    """Legends (of an axes or the figure) drawn over a plotted point or bar."""
    r = _renderer(fig)
    out = []
    for ax in fig.axes:
        legends = [lg for lg in [ax.get_legend(), *fig.legends] if lg is not None]
        for lg in legends:
            lb = lg.get_window_extent(r)
            for line in ax.get_lines():
                xy = line.get_xydata()
                if len(xy) == 0:
                    continue
                pts = ax.transData.transform(xy[np.isfinite(xy).all(axis=1)])
                if len(pts) > 1:     # the segments between points too, not only the points
                    f = np.linspace(0, 1, 25)[:, None, None]
                    pts = (pts[:-1] + f * (pts[1:] - pts[:-1])).reshape(-1, 2)
                if ((pts[:, 0] > lb.x0) & (pts[:, 0] < lb.x1) & (pts[:, 1] > lb.y0) & (pts[:, 1] < lb.y1)).any():
                    out.append(f"{ax.get_title()}: {line.get_label()}")
            for patch in ax.patches:
                if patch.get_visible() and patch.get_window_extent(r).overlaps(lb):
                    out.append(f"{ax.get_title()}: bar")
            for text in [*fig.texts, ax.xaxis.label]:      # the footer and the x label stay readable
                if text.get_text() and text.get_window_extent(r).overlaps(lb):
                    out.append(f"{ax.get_title()}: text {text.get_text()[:20]}")
    return out


def _report_figures(folder):
    from rackline.output.report import figures
    return figures(folder)


def test_no_run_plot_is_clipped_or_covered_by_its_legend(run_folder):
    figs = _report_figures(run_folder)
    assert {"inventory", "lead_time", "cumulative", "bottleneck_share"} <= set(figs)
    for name, fig in figs.items():
        assert clipped_texts(fig) == [], name
        assert legend_covers_data(fig) == [], name


def test_plot_annotations_equal_the_kpi_table(run_folder):
    from rackline.output.html import num
    kpis = pd.read_csv(run_folder / "kpis.csv")
    figs = _report_figures(run_folder)
    labels = " ".join(_legend_texts(figs["lead_time"]))
    for kpi in ("order_lead_time", "order_lead_time_p90"):
        value = kpis[(kpis.kpi == kpi) & (kpis.subject == "openai_gen1")]["mean"].iloc[0]
        word = "p90" if kpi.endswith("p90") else "mean"
        assert f"{word} {num(value)} h" in labels
    # cumulative: ordered minus shipped at the end is the backlog at the end (mean over replications)
    ax = figs["cumulative"].axes[0]
    lines = {ln.get_label(): ln.get_ydata() for ln in ax.get_lines()}
    ts = pd.read_csv(run_folder / "timeseries.csv")
    back = ts[(ts.metric == "backlog") & (ts.subject == "openai_gen1")]
    end = back[back.week == back.week.max()].value.mean()
    assert lines["openai_gen1 ordered"][-1] - lines["openai_gen1 shipped"][-1] == pytest.approx(end, abs=1e-6)
    from rackline.output.report import CAPTIONS
    assert "ordered − shipped" in CAPTIONS["cumulative"] and "gap is the backlog" not in CAPTIONS["cumulative"]


def test_bottleneck_share_bars_and_error_bars_stay_within_0_and_100_percent(table):
    t = table.assign(bottleneck_sole=[1.0, 0.0], bottleneck_sole_hw=[0.33, 0.0], bottleneck_shifting=[0.0, 0.2])
    fig = bottleneck_share_plot(t, "d")
    ax = fig.axes[0]
    assert ax.get_xlim() == (0.0, 1.0)
    for coll in ax.collections:      # error bar segments
        for seg in coll.get_segments():
            assert seg[:, 0].min() >= -1e-9 and seg[:, 0].max() <= 1 + 1e-9
    assert _legend_texts(fig) == ["sole bottleneck", "shifting bottleneck"] and legend_covers_data(fig) == []


def test_two_demands_at_one_site_have_separate_labels_in_the_flow_picture():
    from conftest import SCENARIOS
    from rackline.output.plots import flow_picture
    from rackline.scenario.load import load_scenario
    sc = load_scenario(SCENARIOS / "gen2_ramp.yaml").scenario
    kpis = pd.DataFrame(columns=["kpi", "subject", "mean"])
    table = pd.DataFrame(columns=["station", "utilization", "throughput_per_week"])
    fig = flow_picture(sc, kpis, table, "gen2_ramp")
    r = _renderer(fig)
    boxes = [t.get_window_extent(r) for t in fig.axes[0].texts if "/wk shipped" in t.get_text()]
    assert len(boxes) == 2 and not boxes[0].overlaps(boxes[1])
    assert clipped_texts(fig) == []
    assert any("'shipped' = units sent to the customer" in t.get_text() for t in fig.axes[0].texts)  # vs made


def _compare_inputs():
    rows = []
    for level in (20.0, 25.0):
        for rep in range(3):
            rows += [(rep, w, "output", "rack", level + rep) for w in range(1, 21)]
    ts = pd.DataFrame(rows, columns=["replication", "week", "metric", "subject", "value"])
    from rackline.analysis.run_tables import weekly_bands
    return {n: weekly_bands(ts[(ts.value >= lv) & (ts.value < lv + 3)])
            for n, lv in [("base", 20), ("same", 20), ("more", 25)]}


def test_compare_throughput_keeps_identical_lines_visible_with_bands_and_disruptions():
    from rackline.output.plots.compare import throughput_overlay
    series = _compare_inputs()
    fig = throughput_overlay(series, "t", {"more": [("outage", 5 * 168.0, 8 * 168.0)]})
    ax = fig.axes[0]
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    assert np.allclose(lines["base"].get_ydata(), lines["same"].get_ydata())
    assert lines["base"].get_linestyle() != lines["same"].get_linestyle()       # the second is not hidden
    assert len(ax.collections) >= 3                                                # one CI band each
    spans = [p for p in ax.patches if p.get_label() == "more: outage (disruption)"]
    assert len(spans) == 1 and spans[0].get_x() == pytest.approx(5.0)
    assert spans[0].get_hatch() and not spans[0].get_fill()      # hatched, unlike the filled CI bands
    assert clipped_texts(fig) == [] and legend_covers_data(fig) == []


def test_compare_station_panels_list_stations_in_the_same_order(table):
    from rackline.output.plots.compare import states_side_by_side
    other = table.iloc[::-1].assign(rank=[1, 2])                 # the other scenario ranks s.build first
    fig = states_side_by_side({"a": table, "b": other}, "t")
    orders = [[t.get_text().removeprefix("★ ") for t in ax.get_yticklabels()] for ax in fig.axes[:2]]
    assert orders[0] == orders[1] == ["s.build", "s.test"]
    assert [t.get_text() for t in fig.axes[1].get_yticklabels()] == ["★ s.build", "s.test"]
    assert clipped_texts(fig) == [] and legend_covers_data(fig) == []


def test_compare_difference_and_kpi_plots_are_not_clipped():
    from rackline.output.plots.compare import difference_plot, kpi_bars
    diffs = pd.DataFrame([(s, k, "x", u, d, hw, clear) for s in ["a_long_scenario_name", "another_long_name"]
                          for k, u, d, hw, clear in [("throughput", "units/week", -0.25, 0.5, False),
                                                     ("backlog", "units", 0.00004, 0.0001, False),
                                                     ("fill_rate", "share of orders", -0.03, 0.1, True),
                                                     ("order_lead_time", "h", 3.0, 12.0, False)]],
                         columns=["scenario", "kpi", "subject", "unit", "diff", "half_width", "clear"])
    fig = difference_plot(diffs, "t")
    assert clipped_texts(fig) == []
    ticks = [t.get_text() for ax in fig.axes for t in ax.get_xticklabels() if t.get_text()]
    assert all(len(t) <= 8 for t in ticks), ticks          # short tick labels that don't run into each other
    kpis = diffs.rename(columns={"diff": "mean"}).assign(scenario=lambda d: d.scenario)
    assert clipped_texts(kpi_bars(kpis, ["a_long_scenario_name", "another_long_name"], "t")) == []


def _oat(values, means, low, high, unit=""):
    n = len(values)
    return pd.DataFrame({"parameter": ["sites.w.stations.integrate.servers"] * n, "unit": [unit] * n,
                         "value": values, "mean": means, "ci_low": low, "ci_high": high, "ci_note": [""] * n,
                         "base": [i == 1 for i in range(n)]})


def test_oat_plot_keeps_share_bands_inside_0_1_and_integer_ticks_whole():
    from rackline.output.plots.sweep import oat_plot
    t = _oat([2, 3, 4, 5], [0.5, 0.9, 0.98, 1.0], [0.2, 0.7, 0.9, 0.95], [0.8, 1.1, 1.06, 1.05])
    fig = oat_plot(t, "fill_rate (share of orders)", "sweep s", "share of orders")
    ax = fig.axes[0]
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].min() >= 0 and band[:, 1].max() <= 1 + 1e-12
    assert ax.get_ylim()[1] <= 1.02 + 1e-12
    ticks = [x for x in ax.get_xticks() if ax.get_xlim()[0] <= x <= ax.get_xlim()[1]]
    assert ticks and all(float(x).is_integer() for x in ticks)
    assert clipped_texts(fig) == [] and legend_covers_data(fig) == []


def test_sweep_tornado_and_indices_plots_are_not_clipped_nor_covered():
    from rackline.output.plots.sweep import indices_plot, tornado_plot
    tor = pd.DataFrame({"parameter": ["suppliers.optics_asia.lead_time.mean", "sites.w.stations.i.servers"],
                        "unit": ["w", ""], "low_value": [8, 2], "high_value": [20, 5], "at_low": [22.0, 15.0],
                        "at_high": [12.0, 24.0], "base": [22.5, 22.5], "swing": [10.0, 9.0]})
    fig = tornado_plot(tor, "throughput (units/week)", "sweep s")
    assert clipped_texts(fig) == [] and legend_covers_data(fig) == []
    ix = pd.DataFrame({"parameter": ["a.b.c", "d.e.f"], "S1": [0.6, 0.2], "S1_conf": [0.1, 0.1], "ST": [0.7, 0.3],
                       "ST_conf": [0.1, 0.1]})
    fig = indices_plot(ix, "throughput", "sweep s")
    assert clipped_texts(fig) == [] and legend_covers_data(fig) == []


def test_the_checks_catch_a_clipped_label_and_a_legend_over_data():
    from matplotlib.figure import Figure
    fig = Figure(figsize=(4, 3))
    ax = fig.subplots()
    ax.plot([0, 1], [1, 0], label="line")     # starts in the upper left corner, under the legend
    ax.legend(loc="upper left")
    ax.set_ylabel("a very long label " * 6)
    assert "a very long label" in clipped_texts(fig)[0]
    assert legend_covers_data(fig) == [": line"]


def test_a_legend_of_long_names_below_the_plot_wraps_instead_of_leaving_the_figure():
    from rackline.output.plots.compare import throughput_overlay
    series = _compare_inputs()
    long = {f"{n}_with_a_rather_long_scenario_name": ts for n, ts in series.items()}
    windows = {n: [("optics_asia_outage_with_a_long_name", 5 * 168.0, 8 * 168.0)] for n in long}
    fig = throughput_overlay(long, "t", windows)
    assert clipped_texts(fig) == [] and legend_covers_data(fig) == []


def test_every_cost_category_has_its_own_colour():
    from rackline.kpi_names import CATEGORIES, OCCASIONAL_CATEGORIES
    from rackline.output.plots.costs import CATEGORY_COLORS
    assert set(CATEGORY_COLORS) == set(CATEGORIES) | set(OCCASIONAL_CATEGORIES)
    assert len(set(CATEGORY_COLORS.values())) == len(CATEGORIES) + len(OCCASIONAL_CATEGORIES)


def _wide_numbers(sc) -> tuple[pd.DataFrame, pd.DataFrame]:
    """KPIs and a station table with the widest numbers a label can show (12,300/wk, 100%)."""
    stations = [f"{site}.{st}" for site, st, _ in sc.station_items()]
    table = pd.DataFrame(dict(station=stations, utilization=1.0, share_off_shift=0.0,
                              throughput_per_week=12345.6))
    rows = [("supplier_delivered", n, 12345.6) for n in sc.suppliers]
    rows += [("lane_shipped", n, 12345.6) for n in sc.lanes] + [("shipped", n, 12345.6) for n in sc.demand]
    return pd.DataFrame(rows, columns=["kpi", "subject", "mean"]), table


@pytest.mark.parametrize("name", ["baseline", "national", "minimal"])
def test_flow_labels_fit_their_boxes_and_never_overlap(name):
    from conftest import SCENARIOS
    from rackline.output.plots.flow import flow_layout
    from rackline.scenario.load import load_scenario
    sc = load_scenario(SCENARIOS / f"{name}.yaml").scenario
    pic = flow_layout(sc, *_wide_numbers(sc), name)
    r = _renderer(pic.figure)
    assert len(pic.stations) == sum(len(s.stations) for s in sc.sites.values())
    for st in pic.stations:
        box = st.box.get_window_extent(r)
        for t in st.texts:
            e = t.get_window_extent(r)
            assert box.x0 <= e.x0 and e.x1 <= box.x1 and box.y0 <= e.y0 and e.y1 <= box.y1, t.get_text()
    labels = [t.get_window_extent(r) for t in pic.supplier_labels]
    assert len(labels) == len(sc.suppliers)
    assert all("12300/wk" in t.get_text() or "12,300/wk" in t.get_text() for t in pic.supplier_labels)
    for i, a in enumerate(labels):
        assert not any(a.overlaps(b) for b in labels[i + 1:]), pic.supplier_labels[i].get_text()
    texts = [t for t in pic.figure.axes[0].texts if t.get_text()]       # nor any other two texts
    extents = [t.get_window_extent(r) for t in texts]
    clashes = [(texts[i].get_text(), texts[j].get_text()) for i in range(len(texts))
               for j in range(i + 1, len(texts)) if extents[i].overlaps(extents[j])]
    assert clashes == [] and clipped_texts(pic.figure) == []


def test_flow_picture_grows_with_the_network_and_long_names_widen_the_boxes():
    from conftest import SCENARIOS
    from rackline.output.plots.flow import flow_layout
    from rackline.scenario.load import load_scenario
    small, big = (load_scenario(SCENARIOS / f"{n}.yaml").scenario for n in ("minimal", "national"))
    w_small, h_small = flow_layout(small, *_wide_numbers(small), "m").figure.get_size_inches()
    w_big, h_big = flow_layout(big, *_wide_numbers(big), "n").figure.get_size_inches()
    assert w_big > 2 * w_small and h_big > 1.5 * h_small
    site = next(iter(small.sites.values()))
    site.stations = {("a_station_name_far_longer_than_any_shipped_" + k): v for k, v in site.stations.items()}
    pic = flow_layout(small, *_wide_numbers(small), "long")
    r = _renderer(pic.figure)
    for st in pic.stations:
        box, name = st.box.get_window_extent(r), st.texts[0].get_window_extent(r)
        assert name.width > 3 * 72 and box.x0 <= name.x0 and name.x1 <= box.x1


def _whisker_ends(ax) -> list[tuple[float, float]]:
    """(low, high) of each error bar drawn in `ax`, along the bar's own direction."""
    ends = []
    for coll in ax.collections:
        for seg in coll.get_segments():
            (x0, y0), (x1, y1) = seg
            ends.append((min(y0, y1), max(y0, y1)) if x0 == x1 else (min(x0, x1), max(x0, x1)))
    return ends


def test_compare_whiskers_run_from_ci_low_to_ci_high_not_mean_plus_minus_half_width():
    from rackline.output.plots.compare import difference_plot, kpi_bars
    # a backlog whose range-respecting interval is asymmetric: mean ± half-width would go below 0
    kpis = pd.DataFrame({"kpi": ["backlog"] * 2, "subject": ["o"] * 2, "unit": ["units"] * 2, "scenario": ["a", "b"],
                         "mean": [0.8, 0.4], "ci_low": [0.05, 0.02], "ci_high": [9.4, 4.6],
                         "half_width": [4.675, 2.29]})
    ax = kpi_bars(kpis, ["a", "b"], "t").axes[0]
    assert np.allclose(sorted(_whisker_ends(ax)), sorted(zip(kpis.ci_low, kpis.ci_high)))
    diffs = pd.DataFrame({"kpi": ["fill_rate"], "subject": ["o"], "unit": ["share of orders"], "scenario": ["b"],
                          "diff": [0.02], "ci_low": [-0.01], "ci_high": [0.09], "half_width": [0.05], "clear": [False]})
    ax = difference_plot(diffs, "t").axes[0]
    assert np.allclose(_whisker_ends(ax), [(-0.01, 0.09)])


def test_compare_plots_show_the_question_kpis_first_with_money_in_dollars():
    from rackline.output.plots.compare import difference_plot, kpi_bars
    rows = [("throughput", "r", "units/week", 20.0, 19.0, 21.0), ("cost_per_rack", "total", "USD/rack", 3.2e6, 3.1e6,
                                                                  3.3e6),
            ("cost_per_rack", "labour", "USD/rack", 1e4, 9e3, 1.1e4), ("backlog", "o", "units", 1.0, 0.5, 2.0)]
    kpis = pd.DataFrame([(k, s, u, sc, m * (1 + i), lo * (1 + i), hi * (1 + i)) for k, s, u, m, lo, hi in rows
                         for i, sc in enumerate(["a", "b"])],
                        columns=["kpi", "subject", "unit", "scenario", "mean", "ci_low", "ci_high"])
    fig = kpi_bars(kpis, ["a", "b"], "t", ["cost_per_rack:total"])
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titles == ["cost_per_rack: total", "throughput: r", "backlog: o"]
    money = fig.axes[0]
    _renderer(money.figure)
    assert all(t.get_text().startswith("$") for t in money.get_yticklabels() if t.get_text())
    diffs = kpis[kpis.scenario == "b"].rename(columns={"mean": "diff"}).assign(clear=True)
    fig = difference_plot(diffs, "t", ["cost_per_rack:total"])
    assert [ax.get_title() for ax in fig.axes if ax.get_visible()][0] == "cost_per_rack: total"


def test_oat_plot_spans_the_data_in_the_kpis_unit_panels_in_tornado_order_with_full_paths():
    from rackline.output.plots.sweep import oat_plot
    moving = _oat([30, 45, 70], [3.17e6, 3.18e6, 3.19e6], [3.16e6, 3.17e6, 3.18e6], [3.18e6, 3.19e6, 3.2e6],
                  "$ per h").assign(parameter="costs.labour.wisconsin.technicians.rate")
    big = _oat([120e3, 150e3, 170e3], [2.6e6, 3.18e6, 3.5e6], [2.59e6, 3.17e6, 3.49e6], [2.61e6, 3.19e6, 3.51e6],
               "$").assign(parameter="costs.prices.trays_us")
    fig = oat_plot(pd.concat([moving, big]), "cost_per_rack:total (USD/rack)", "s", "USD/rack",
                   order=["costs.prices.trays_us", "costs.labour.wisconsin.technicians.rate"])
    _renderer(fig)
    first, second = fig.axes[:2]
    assert first.get_title() == "costs.prices.trays_us"                     # largest swing first
    assert "costs.labour." in second.get_title() and second.get_title().endswith("technicians.rate")
    low, high = first.get_ylim()
    assert 2.4e6 < low < 2.59e6 and 3.51e6 < high < 3.7e6                  # the data, not 0
    assert first.yaxis.get_offset_text().get_text() == ""                  # no "1e6"
    assert all(t.get_text().startswith("$") and t.get_text().endswith("M")
               for t in first.get_yticklabels() if t.get_text())
    xticks = [t.get_text() for t in second.get_xticklabels() if t.get_text()]
    assert 2 <= len(xticks) <= 5 and all(t.endswith(" per h") for t in xticks), xticks
    assert clipped_texts(fig) == []


def test_heatmap_labels_and_colour_bar_ticks_tell_a_narrow_range_apart():
    from rackline.output.plots.sweep import heatmap_plot
    grid = pd.DataFrame([(x, y, 0.9254 + 0.0008 * y * 10 + 0.00001 * x) for x in (0, 10, 25) for y in (0.1, 0.2, 0.3)],
                        columns=["costs.tariffs.overseas", "optics.suppliers.optics_us", "mean"])
    fig = heatmap_plot(grid, "costs.tariffs.overseas", "optics.suppliers.optics_us", "value_share:domestic", "s",
                       "share of value", ("%", ""))
    _renderer(fig)
    ax, bar = fig.axes
    cells = [t.get_text() for t in ax.texts]                  # 92.62%, not 92.6% for 92.62% and 92.58%
    assert len(set(cells)) == len(cells) and all(len(t) == len("92.62%") for t in cells), cells
    ticks = [t.get_text() for t in bar.get_yticklabels() if t.get_text()]
    assert len(ticks) >= 2 and len(set(ticks)) == len(ticks), ticks
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0%", "10%", "25%"]


def test_idle_and_off_shift_read_apart_in_the_station_states(table):
    from matplotlib.colors import to_rgb

    from rackline.output.plots.style import STATE_COLORS
    grey = {s: np.mean(to_rgb(STATE_COLORS[s])) for s in ("idle", "off_shift")}
    assert grey["off_shift"] - grey["idle"] > 0.3                  # clearly lighter, not two near-equal greys
    t = table.assign(share_idle=[0.0, 0.2], share_off_shift=[0.5, 0.0], share_busy=[0.4, 0.2])
    ax = station_states_plot(t, "d").axes[0]
    hatched = {p.get_label() for p in ax.patches if p.get_hatch()}
    bars = [c for c in ax.containers if c.get_label() == "off shift"]
    assert bars and all(p.get_hatch() for p in bars[0]) and not any(
        p.get_hatch() for c in ax.containers if c.get_label() == "idle" for p in c), hatched


def test_npv_counts_are_whole_and_the_cash_legend_sits_under_the_curve():
    from rackline.output.plots.costs import cash_plot, npv_plot
    reps = pd.DataFrame({"kpi": "npv", "subject": "all", "unit": "USD (net)", "replication": range(3),
                         "value": [4.5e8, 4.9e8, 4.8e8]})
    ax = npv_plot(reps, "d").axes[0]
    _renderer(ax.figure)
    ticks = [float(t) for t in ax.get_yticks() if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]]
    assert ticks and all(t.is_integer() for t in ticks), ticks
    weeks = range(1, 11)
    kpis = pd.DataFrame({"kpi": "cumulative_cash", "subject": [f"week {w}" for w in weeks], "unit": "USD (net)",
                         "mean": [1e7 * (w - 5) for w in weeks], "ci_low": [1e7 * (w - 7) for w in weeks],
                         "ci_high": [1e7 * (w - 3) for w in weeks]})
    kpis = pd.concat([kpis, pd.DataFrame({"kpi": ["payback_week"], "subject": ["all"], "unit": ["w"],
                                          "mean": [5.0]})])
    fig = cash_plot(kpis, "d")
    _renderer(fig)
    ax = fig.axes[0]
    legend, axes_box = ax.get_legend().get_window_extent(), ax.get_window_extent()
    assert legend.y1 <= axes_box.y0 and axes_box.width > 0.8 * fig.bbox.width     # below; the curve keeps the width
    assert clipped_texts(fig) == [] and legend_covers_data(fig) == []
