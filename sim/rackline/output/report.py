"""Plots and a self-contained report.html, drawn from a results folder's saved tables.

`rackline run` writes the tables and then calls `render_folder`; `rackline plot`
calls it again on an existing folder, so plots are always redrawn from what was
saved, never from memory.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from rackline.output.folder import read_manifest, write_file
from rackline.output.html import Section, figure, figure_png, manifest_block, num, page, table
from rackline.units import WEEK

PLOTS = ["flow", "throughput", "cumulative", "station_states", "bottleneck_share", "bottleneck_timeline",
         "inventory", "backlog", "lead_time", "welch"]


def _scenario(folder: Path):
    from rackline.experiments.task import validated
    from rackline.scenario.load import validate_data
    from rackline.scenario.yamlfile import load_yaml_file
    doc = load_yaml_file(folder / "scenario.yaml")
    return validated(doc.data) or validate_data(doc.data, doc)   # a run just validated it: once per process


def figures(folder: str | Path, manifest: dict | None = None) -> dict[str, object]:
    """name -> Figure for every plot a run folder supports."""
    from rackline.output import plots
    folder = Path(folder)
    manifest = read_manifest(folder) if manifest is None else manifest
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
    from rackline.output.plots.costs import CAPTIONS as MONEY, cost_figures  # the economic layer's plots
    figs.update(cost_figures(kpis, pd.read_csv(folder / "replications.csv"), name))
    PLOTS.extend(n for n in MONEY if n not in PLOTS)
    CAPTIONS.update(MONEY)
    return figs


def render_folder(folder: str | Path, manifest: dict | None = None) -> list[Path]:
    """Draw every plot into folder/plots/ and write folder/report.html; returns the files."""
    folder = Path(folder)
    (folder / "plots").mkdir(exist_ok=True)
    manifest = read_manifest(folder) if manifest is None else manifest
    images = {}
    written = []
    for name, fig in figures(folder, manifest).items():
        data = figure_png(fig)
        images[name] = data
        path = folder / "plots" / f"{name}.png"
        write_file(path, data)
        written.append(path)
    write_file(folder / "report.html", report_html(folder, images, manifest))
    written.append(folder / "report.html")
    return written


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


def report_html(folder: Path, images: dict[str, bytes], manifest: dict[str, Any]) -> str:
    summary = (folder / "summary.txt").read_text().strip().split("\n\n")[0].splitlines()
    kpis = pd.read_csv(folder / "kpis.csv")
    kpis["95% CI"] = [f"{num(a)} – {num(b)}" for a, b in zip(kpis.ci_low, kpis.ci_high)]
    reg = pd.read_csv(folder / "assumptions.csv").fillna({"note": ""})
    stations = pd.read_csv(folder / "stations.csv")
    name = manifest.get("scenario", folder.name)
    missing = int((~reg.has_note.astype(bool)).sum())
    st_cols = ["rank", "station", "servers", "utilization", "share_starved", "share_blocked", "share_down",
               "share_off_shift", "bottleneck_sole", "bottleneck_shifting", "starved_on", "starved_on_source"]
    plots = "".join(figure(n, images[n], CAPTIONS.get(n, ""), alt=f"{n.replace('_', ' ')} plot")
                    for n in PLOTS if n in images)
    intro = (f'<p class="small">{manifest.get("replications", "?")} replications, seed {manifest.get("seed", "?")}, '
             f'warm-up {num(manifest.get("warmup_h", 0))} h ({manifest.get("warmup_method", "")}), horizon '
             f'{num(manifest.get("horizon_h", 0))} h. Intervals are 95% t-intervals across replications.</p>')
    sections = [
        Section("Plots", plots),
        Section("KPIs", table(kpis[["kpi", "subject", "unit", "mean", "95% CI", "n"]], {"mean", "n"})),
        Section("Stations, ranked as bottlenecks", table(
            stations[[c for c in st_cols if c in stations.columns]],
            {"rank", "servers", "utilization", "share_starved", "share_blocked", "share_down", "share_off_shift",
             "bottleneck_sole", "bottleneck_shifting"})),
        Section("Assumption register",
                f"<p>{len(reg)} parameters; <strong>{missing}</strong> without a note (highlighted).</p>"
                + table(reg[["path", "value", "unit", "note"]], (), lambda r: "" if r["note"] else "nonote")),
        Section("Manifest", manifest_block(manifest)),
    ]
    return page(f"rackline report: {name}",
                "The public sources name the partners, sites and component families but give no volumes; "
                "every number below follows from the assumptions listed at the end.",
                summary, sections, intro=intro, footer=f"scenario: {name}")
