"""Plots and a self-contained report.html, drawn from a results folder's saved tables.

`rackline run` writes the tables and then calls `render_folder`; `rackline plot`
calls it again on an existing folder, so plots are always redrawn from what was
saved, never from memory.
"""
from __future__ import annotations

import base64
import html
import io
import json
import os
from pathlib import Path

import pandas as pd

from rackline import FOOTER
from rackline.units import WEEK

PLOTS = ["flow", "throughput", "cumulative", "station_states", "bottleneck_share", "bottleneck_timeline",
         "inventory", "backlog", "lead_time", "welch"]


def _scenario(folder: Path):
    from rackline.scenario.load import validate_data
    from rackline.scenario.yamlfile import load_yaml_file
    from rackline.experiments.task import validated
    doc = load_yaml_file(folder / "scenario.yaml")
    return validated(doc.data) or validate_data(doc.data, doc)   # a run just validated it: once per process


def _manifest(folder: Path) -> dict:
    path = folder / "manifest.json"
    return json.loads(path.read_text()) if path.exists() else {}


def figures(folder: str | Path, manifest: dict | None = None) -> dict[str, object]:
    """name -> Figure for every plot a run folder supports."""
    from rackline.output import plots
    folder = Path(folder)
    manifest = _manifest(folder) if manifest is None else manifest
    sc = _scenario(folder)
    name = sc.name
    ts = pd.read_csv(folder / "timeseries.csv")
    kpis = pd.read_csv(folder / "kpis.csv")
    table = pd.read_csv(folder / "stations.csv")
    warmup_w = float(manifest.get("warmup_h", 0.0)) / WEEK
    demand_of: dict[str, list[str]] = {}
    for dname, d in sc.demand.items():
        demand_of.setdefault(d.item, []).append(dname)
    figs = {
        "flow": plots.flow_picture(sc, kpis, table, name),
        "throughput": plots.throughput_plot(ts, name, demand_of, warmup_w),
        "cumulative": plots.cumulative_plot(ts, name, demand_of),
        "station_states": plots.station_states_plot(table, name),
        "bottleneck_share": plots.bottleneck_share_plot(table, name),
    }
    seg = folder / "bottleneck_timeline.csv"
    if seg.exists():
        figs["bottleneck_timeline"] = plots.bottleneck_timeline_plot(pd.read_csv(seg), name)
    if (ts.metric == "inventory").any():
        figs["inventory"] = plots.inventory_plot(ts, name)
    if (ts.metric == "backlog").any():
        figs["backlog"] = plots.backlog_plot(ts, name)
    lead = folder / "lead_times.csv"
    if lead.exists():
        lt = pd.read_csv(lead)
        if len(lt):
            figs["lead_time"] = plots.lead_time_plot(lt, name, {n: d.due for n, d in sc.demand.items()})
    if (folder / "welch.csv").exists():
        figs["welch"] = plots.welch_plot(pd.read_csv(folder / "welch.csv"), name, warmup_w)
    return figs


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def render_folder(folder: str | Path, manifest: dict | None = None) -> list[Path]:
    """Draw every plot into folder/plots/ and write folder/report.html; returns the files."""
    folder = Path(folder)
    (folder / "plots").mkdir(exist_ok=True)
    manifest = _manifest(folder) if manifest is None else manifest
    images = {}
    written = []
    for name, fig in figures(folder, manifest).items():
        data = _png(fig)
        images[name] = data
        path = folder / "plots" / f"{name}.png"
        _write(path, data)
        written.append(path)
    page = report_html(folder, images, manifest)
    _write(folder / "report.html", page.encode("utf-8"))
    written.append(folder / "report.html")
    return written


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;
 padding:0 1em;color:#1d2329;line-height:1.45}
h1{margin-bottom:.2em} h2{border-bottom:2px solid #e3e7ea;padding-bottom:.2em;margin-top:2em}
.banner{background:#fff4e5;border-left:5px solid #ff9800;padding:.6em 1em;margin:1em 0}
.headline{background:#eef6ee;border-left:5px solid #2ca02c;padding:.6em 1em;font-size:1.05em}
.headline p{margin:.25em 0} table{border-collapse:collapse;font-size:.86em;margin:.5em 0}
th,td{border-bottom:1px solid #e3e7ea;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f4f6f8} td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.nonote td{background:#fdecea} img{max-width:100%;border:1px solid #e3e7ea;margin:.6em 0}
pre{background:#f4f6f8;padding:1em;overflow:auto;font-size:.8em} .small{color:#5b6770;font-size:.85em}
"""


def _num(v) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return html.escape(str(v))
    if pd.isna(f):
        return "–"
    return f"{f:.4g}"


def _table(df: pd.DataFrame, numeric: set[str], row_class=None) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    rows = []
    for _, r in df.iterrows():
        cls = f' class="{row_class(r)}"' if row_class and row_class(r) else ""
        cells = "".join(f'<td class="num">{_num(r[c])}</td>' if c in numeric else f"<td>{html.escape(str(r[c]))}</td>"
                        for c in df.columns)
        rows.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


CAPTIONS = {
    "flow": "The network with average flows. Suppliers are colored by region; the starred station is the bottleneck.",
    "throughput": "Weekly output per product with a 95% confidence band across replications; dashed: orders.",
    "cumulative": "Cumulative output against cumulative orders; the vertical gap is the backlog.",
    "station_states": "How each station's server time splits across states, ranked as bottlenecks.",
    "bottleneck_share": "Share of time each station is the sole or a shifting bottleneck (active-period method).",
    "bottleneck_timeline": "Which station is the momentary bottleneck over time, in replication 0.",
    "inventory": "Inventory levels of the items whose stock moves most.",
    "backlog": "Units ordered and not yet shipped.",
    "lead_time": "Order lead times, with the promised lead time dashed.",
    "welch": "Welch's plot: where weekly output settles (the warm-up is cut before it).",
}


def report_html(folder: Path, images: dict[str, bytes], manifest: dict) -> str:
    summary = (folder / "summary.txt").read_text().strip().split("\n\n")[0].splitlines()
    kpis = pd.read_csv(folder / "kpis.csv")
    kpis["95% CI"] = [f"{_num(a)} – {_num(b)}" for a, b in zip(kpis.ci_low, kpis.ci_high)]
    reg = pd.read_csv(folder / "assumptions.csv").fillna({"note": ""})
    table = pd.read_csv(folder / "stations.csv")
    name = manifest.get("scenario", folder.name)
    missing = int((~reg.has_note.astype(bool)).sum())
    st_cols = ["rank", "station", "servers", "utilization", "share_starved", "share_blocked", "share_down",
               "share_off_shift", "bottleneck_sole", "bottleneck_shifting", "starved_on", "starved_on_source"]
    plots = "".join(
        f'<figure id="plot-{n}"><img alt="{n.replace("_", " ")} plot" src="data:image/png;base64,'
        f'{base64.b64encode(images[n]).decode()}"><figcaption class="small">{html.escape(CAPTIONS.get(n, ""))}'
        f"</figcaption></figure>" for n in PLOTS if n in images)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rackline: {html.escape(name)}</title>
<style>{CSS}</style></head><body>
<h1>rackline report: {html.escape(name)}</h1>
<div class="banner"><strong>{html.escape(FOOTER)}.</strong> The public sources name the partners, sites and
component families but give no volumes; every number below follows from the assumptions listed at the end.</div>
<div class="headline" id="headline">{''.join(f"<p>{html.escape(line)}</p>" for line in summary)}</div>
<p class="small">{manifest.get('replications', '?')} replications, seed {manifest.get('seed', '?')}, warm-up
{_num(manifest.get('warmup_h', 0))} h ({manifest.get('warmup_method', '')}), horizon {_num(manifest.get('horizon_h', 0))} h.
Intervals are 95% t-intervals across replications.</p>
<h2>Plots</h2>{plots}
<h2>KPIs</h2>{_table(kpis[["kpi", "subject", "unit", "mean", "95% CI", "n"]], {"mean", "n"})}
<h2>Stations, ranked as bottlenecks</h2>{_table(table[[c for c in st_cols if c in table.columns]],
    {"rank", "servers", "utilization", "share_starved", "share_blocked", "share_down", "share_off_shift",
     "bottleneck_sole", "bottleneck_shifting"})}
<h2>Assumption register</h2>
<p>{len(reg)} parameters; <strong>{missing}</strong> without a note (highlighted).</p>
{_table(reg[["path", "value", "unit", "note"]], set(), lambda r: "" if r["note"] else "nonote")}
<h2>Manifest</h2><pre>{html.escape(json.dumps(manifest, indent=2, default=str))}</pre>
<p class="small">{html.escape(FOOTER)} · scenario: {html.escape(name)}</p>
</body></html>
"""
