"""The report and the results folder for people: results.xlsx, the first screen, table formatting."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from rackline.cli import main


@pytest.fixture(scope="module")
def minimal_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "minimal"
    assert main(["run", "scenarios/minimal.yaml", "--reps", "2", "--out", str(out)]) == 0
    return out


def _same_numbers(folder, sheets):
    book = pd.read_excel(folder / "results.xlsx", sheet_name=None)
    for name in sheets:
        csv = pd.read_csv(folder / f"{name}.csv")
        xl = book[name]
        assert list(xl.columns) == list(csv.columns), name
        assert len(xl) == len(csv), name
        for col in csv.columns:
            a, b = csv[col], xl[col]
            if pd.api.types.is_numeric_dtype(a):
                got = pd.to_numeric(b.replace({"inf": math.inf, "-inf": -math.inf}))
                # equal to the last digit or so (CSV and XLSX each print a double their own way)
                assert (np.isclose(a, got, rtol=1e-12, atol=0) | (a == got) | (a.isna() & got.isna())).all(), \
                    (name, col)
            else:
                assert (a.fillna("").astype(str) == b.fillna("").astype(str)).all(), (name, col)
    return book


def test_a_run_folder_has_a_workbook_with_the_csv_numbers(minimal_run):
    book = _same_numbers(minimal_run, ["answer", "kpis", "stations", "capacity", "assumptions"])
    assert list(book)[:5] == ["answer", "kpis", "stations", "capacity", "assumptions"]   # the answer opens it
    assert "timeseries" not in book            # raw per-week data stays in the CSV


def test_compare_and_sweep_folders_have_workbooks(tmp_path):
    cmp = tmp_path / "cmp"
    assert main(["compare", "scenarios/minimal.yaml", "--variant", "more:sites.wisconsin.stations.integrate.servers=3",
                 "--reps", "2", "--out", str(cmp), "--no-plots"]) == 0
    book = _same_numbers(cmp, ["table", "kpis", "differences"])
    assert list(book)[:3] == ["table", "kpis", "differences"]        # the side-by-side table leads
    _same_numbers(cmp / "runs" / "minimal", ["kpis", "stations", "capacity", "assumptions"])
    sw = tmp_path / "sw"
    assert main(["sweep", "scenarios/minimal.yaml", "--vary", "sites.wisconsin.stations.integrate.servers=1:3:3",
                 "--reps", "1", "--jobs", "1", "--out", str(sw), "--no-plots"]) == 0
    book = _same_numbers(sw, ["summary", "experiments"])
    assert any(n.startswith("tornado_") for n in book)


def test_the_register_gives_the_unit_a_value_is_written_in(tmp_path):
    from rackline.scenario import load_scenario
    from rackline.scenario.assumptions import register
    f = tmp_path / "u.yaml"
    f.write_text("name: u\nitems: {a: {}}\nsites:\n  s:\n    stations:\n"
                 "      st: {output: a, servers: 2, process_time: 3 d}\n"
                 "demand:\n  d: {item: a, site: s, rate: 2 per day}\n")
    reg = register(load_scenario(str(f))).set_index("path")
    row = reg.loc["sites.s.stations.st.process_time"]
    assert (row.value, row.unit, row.base_value, row.base_unit) == ("3 d", "d", 72.0, "h")
    rate = reg.loc["demand.d.rate"]
    assert (rate.value, rate.unit, rate.base_value, rate.base_unit) == ("2 per day", "per day", 14.0, "per week")
    assert reg.loc["sites.s.stations.st.servers"][["unit", "base_unit"]].tolist() == ["servers", "servers"]


# ---- the first screen, in a real browser ---------------------------------------------------------
PROBE = """<script>
window.addEventListener('load', () => {
  const box = sel => { const e = document.querySelector(sel); if (!e) return null;
    const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
  const out = {view: [window.innerWidth, window.innerHeight], headline: box('#headline'),
    plot: box('#plot-answer img'), capacity_row3: box('#capacity-top tbody tr:nth-child(3)'),
    capacity_first: (document.querySelector('#capacity-top tbody tr td') || {}).textContent};
  const pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def test_the_first_screen_shows_headline_capacity_and_demand_vs_output(tmp_path_factory, tmp_path):
    import json
    import re
    import shutil
    import subprocess
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        pytest.skip("no Chromium on this machine (.ci/run installs Debian's chromium); first screen not checked")
    out = tmp_path_factory.mktemp("b") / "baseline"
    assert main(["run", "scenarios/baseline.yaml", "--reps", "2", "--out", str(out)]) == 0
    page = (out / "report.html").read_text()
    assert "<script" not in page                        # the report itself stays script-free
    probe = tmp_path / "probe.html"                     # the probe is added to a copy only
    probe.write_text(page.replace("</body>", PROBE + "</body>"))
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1400,900", "--virtual-time-budget=5000"]
    dom = subprocess.run([browser, *flags, "--dump-dom", probe.as_uri()], capture_output=True, text=True,
                         timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom.stdout)
    assert found, dom.stdout[-2000:]
    pos = json.loads(found.group(1).replace("&quot;", '"'))
    # headless Chromium's layout viewport is the window less its (invisible) toolbars, but nothing on
    # the page depends on the viewport's height: page offsets against the screenshot's 900 px are what
    # a reader of a 1400x900 window sees without scrolling
    height = 900
    assert pos["view"][0] == 1400
    for part in ("headline", "plot", "capacity_row3"):
        assert pos[part] is not None, part
        assert 0 <= pos[part]["top"] and pos[part]["bottom"] <= height, (part, pos[part], height)
    assert pos["plot"]["right"] - pos["plot"]["left"] > 400          # the plot is readable, not a thumbnail
    ranked = pd.read_csv(out / "capacity.csv")
    assert pos["capacity_first"] == ranked.resource.iloc[0] == "wisconsin.integrate"
    # the pixels agree: the screenshot is not blank where the plot is
    shot = tmp_path / "shot.png"
    subprocess.run([browser, *flags, f"--screenshot={shot}", (out / "report.html").as_uri()],
                   capture_output=True, timeout=120)
    from matplotlib.image import imread
    img = imread(shot)
    assert img.shape[:2] == (900, 1400)
    p = pos["plot"]
    region = img[int(p["top"]):int(p["bottom"]), int(p["left"]):int(p["right"]), :3]
    assert region.std() > 0.05


def test_numbers_times_and_intervals_read_as_people_write_them():
    from rackline.output.html import hours, num, percent
    from rackline.output.report import interval, kpi_rows
    assert [num(v) for v in (2.786e-05, 1200.4, 22.545, 12_345_678, float("nan"), float("inf"), None)] == \
        ["0.0000279", "1200", "22.5", "12,300,000", "—", "∞", "—"]
    assert [hours(h) for h in (1344, 2083.2, 72, 36, float("nan"))] == ["8 w", "12.4 w", "3 d", "1.5 d", "—"]
    assert percent(0.9642) == "96.4%"
    k = pd.DataFrame({"kpi": ["throughput", "order_lead_time", "backlog", "fill_rate"],
                      "subject": ["r", "d", "d", "d"], "unit": ["units/week", "h", "units", "share of orders"],
                      "mean": [22.545, 2083.2, 0.0, 0.95], "ci_low": [21.9, 1900.0, 0.0, 0.679],
                      "ci_high": [23.13, 2200.0, 0.0, 0.995], "n": [3, 3, 3, 3],
                      "ci_note": [None, None, "0 in every replication", None]})
    rows = kpi_rows(k)
    assert rows.value.tolist() == ["22.5", "12.4 w", "0", "95%"]
    assert rows["95% interval"].tolist() == ["21.9–23.1", "11.3 w–13.1 w", "0 in every replication", "67.9%–99.5%"]
    assert interval(pd.Series({"ci_low": float("nan"), "ci_high": float("nan"), "ci_note": ""})) == "—"


def test_an_html_table_shows_each_cell_by_position_and_any_missing_value_as_a_dash():
    """Rows are read as plain tuples (a Series a row was most of report.html's table time):
    a nullable column's missing value is a dash like NaN, an int column stays an int, and
    two columns of one name each show their own value."""
    import pandas as pd

    from rackline.output.html import MISSING, table
    df = pd.DataFrame({"n": pd.array([3, None], dtype="Int64"), "share": [0.5, float("nan")], "name": ["x", None]})
    page = table(df, {"share"})
    assert "<td>3</td>" in page and page.count(f"<td>{MISSING}</td>") == 2 and f'<td class="num">{MISSING}</td>' in page
    twice = pd.DataFrame([[1, 2]], columns=["x", "x"])
    assert "<td>1</td><td>2</td>" in table(twice)
    marked = table(pd.DataFrame({"u": [0.5, 1.5]}), row_class=lambda r: "over" if r["u"] > 1 else "")
    assert marked.count('class="over"') == 1
