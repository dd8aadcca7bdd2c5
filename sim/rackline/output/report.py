"""Plots and a self-contained report.html, drawn from a results folder's saved tables.

`rackline run` writes the tables and then calls `render_folder`; `rackline plot`
calls it again on an existing folder, so plots are always redrawn from what was
saved, never from memory.
"""
from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from matplotlib.figure import Figure

from rackline.analysis.answer import Answer
from rackline.output.folder import ANSWER, read_manifest, write_file
from rackline.output.html import (
    MISSING,
    Section,
    details,
    figure,
    figure_png,
    hours,
    manifest_block,
    page,
    quantity,
    table,
)
from rackline.output.plots.costs import CAPTIONS as MONEY  # the economic layer's plots and captions
from rackline.units import WEEK

if TYPE_CHECKING:
    from rackline.scenario.model import Scenario

PLOTS = ["answer", "flow", "throughput", "cumulative", "station_states", "bottleneck_share",
         "bottleneck_timeline",
         "inventory", "backlog", "lead_time", "welch"]
PLOTS += [n for n in MONEY if n not in PLOTS]     # the order report.html shows them in


def _scenario(folder: Path) -> Scenario:
    from rackline.experiments.task import validated
    from rackline.scenario.load import scenario_from
    from rackline.scenario.yamlfile import load_yaml_file
    doc = load_yaml_file(folder / "scenario.yaml")
    return validated(doc.data) or scenario_from(doc.data, doc)   # a run just validated it: once per process


def _has_rows(path: Path) -> bool:
    """Whether a CSV file exists with a row under its header, without reading it whole."""
    if not path.exists():
        return False
    with path.open() as f:
        return bool(f.readline() and f.readline().strip())


ANSWER_PLOTS = ("answer",)
"""What a run draws by default: the output against demand, the plot beside the printed
answer; the report's route and station tables name the bottleneck and its time in
states. Every other plot, the network picture first, is drawn on request (`rackline run
--all-plots`, `rackline plot FOLDER --all`): with matplotlib's import, each figure is
a visible share of a one-replication run (bench/README.md, section (f): all fifteen
cost three times the rest of the run; the network picture alone ~0.2 s CPU, mostly its
text)."""


def figures(folder: str | Path, manifest: dict[str, Any] | None = None,
            only: Collection[str] | None = None) -> dict[str, Figure]:
    """name -> Figure for every plot a run folder supports (those in `only`, if given)."""
    from rackline.output import plots
    folder = Path(folder)
    manifest = read_manifest(folder) if manifest is None else manifest
    sc = _scenario(folder)
    name = sc.name
    bands = pd.read_csv(folder / "bands.csv")
    answer = Answer.model_validate_json((folder / ANSWER).read_text())
    kpis = pd.read_csv(folder / "kpis.csv")
    table = pd.read_csv(folder / "stations.csv")
    warmup_w = float(manifest.get("warmup_h", 0.0)) / WEEK
    demand_of: dict[str, list[str]] = {}
    for dname, d in sc.demand.items():
        demand_of.setdefault(d.item, []).append(dname)
    from rackline.output.plots.answer import demand_output_plot
    builders: dict[str, Callable[[], Figure]] = {
        "answer": lambda: demand_output_plot(answer, name, warmup_w),
        "flow": lambda: plots.flow_picture(sc, kpis, table, name),
        "throughput": lambda: plots.throughput_plot(bands, name, demand_of, warmup_w),
        "cumulative": lambda: plots.cumulative_plot(bands, name, demand_of),
        "station_states": lambda: plots.station_states_plot(table, name),
        "bottleneck_share": lambda: plots.bottleneck_share_plot(table, name),
    }
    seg = folder / "bottleneck_timeline.csv"
    if seg.exists():
        builders["bottleneck_timeline"] = lambda: plots.bottleneck_timeline_plot(pd.read_csv(seg), name)
    if (bands.metric == "inventory").any():
        def inventory() -> Figure:
            from rackline.scenario.resolve import reorder_points
            return plots.inventory_plot(
                bands, name, units={k: v.unit if v else "unit" for k, v in sc.items.items()},
                reorder=reorder_points(sc), finished=sorted({f"{d.site}/{d.item}" for d in sc.demand.values()}))
        builders["inventory"] = inventory
    if (bands.metric == "backlog").any():
        builders["backlog"] = lambda: plots.backlog_plot(bands, name)
    lead = folder / "lead_times.csv"
    if _has_rows(lead):     # read only when drawn: every order of every replication (national: ~6 MB)
        builders["lead_time"] = lambda: plots.lead_time_plot(pd.read_csv(lead), name,
                                                             {n: d.due for n, d in sc.demand.items()}, kpis)
    if (folder / "welch.csv").exists():
        builders["welch"] = lambda: plots.welch_plot(pd.read_csv(folder / "welch.csv"), name, warmup_w)
    figs = {n: build() for n, build in builders.items() if only is None or n in only}
    if only is None or not set(only) <= set(builders):
        from rackline.output.plots.costs import cost_figures
        money = cost_figures(kpis, pd.read_csv(folder / "replications.csv"), name)
        figs.update({n: f for n, f in money.items() if only is None or n in only})
    return figs


def render_folder(folder: str | Path, manifest: dict[str, Any] | None = None, every: bool = False,
                  only: Collection[str] | None = None) -> list[Path]:
    """Draw the answer's plots (`every`: all plots; `only`: those named) into folder/plots/
    and write folder/report.html; returns the files."""
    folder = Path(folder)
    (folder / "plots").mkdir(exist_ok=True)
    manifest = read_manifest(folder) if manifest is None else manifest
    images = {}
    written = []
    for name, fig in figures(folder, manifest, None if every else (only or ANSWER_PLOTS)).items():
        data = figure_png(fig)
        images[name] = data
        path = folder / "plots" / f"{name}.png"
        write_file(path, data)
        written.append(path)
    write_file(folder / "report.html", report_html(folder, images, manifest, every))
    written.append(folder / "report.html")
    return written


CAPTIONS = {
    "answer": "Weekly output against weekly orders, each product from its introduction or first demand (95% CI band "
              "across replications); dotted: the mean the answer prints; red: the stretches where the schedule asks "
              "more than was made (the answer's 'short by'). Below: the backlog that gap builds.",
    "flow": "The network with average flows. Suppliers are colored by region; the starred station is the bottleneck. "
            "A station's rate is what it made; 'shipped' is what reached the customer, which exceeds what the last "
            "station made while stock on hand at the start is drawn down.",
    "throughput": "Weekly output per product with a 95% confidence band across replications; dashed: orders.",
    "cumulative": "Cumulative units ordered, shipped and made; ordered − shipped (shaded) is the backlog, "
                  "made − shipped the finished stock.",
    "station_states": "How each station's server time splits across states, ranked as bottlenecks.",
    "bottleneck_share": "Share of time each station is the sole or a shifting bottleneck (active-period method).",
    "bottleneck_timeline": "Which station is the momentary bottleneck over time, in replication 0.",
    "inventory": "Stock of finished products and of the items whose stock moves most, each in its own unit, "
                 "with its reorder point. The policy compares the reorder point with the inventory position (on hand "
                 "+ on order), not with the stock on hand drawn, so the line can sit far above it.",
    "backlog": "Units ordered and not yet shipped.",
    "lead_time": "Share of orders filled within a lead time (all replications pooled), with the promise dashed; "
                 "the mean and p90 are the KPI table's.",
    "welch": "Welch's plot: where weekly output settles (the warm-up is cut before it).",
}
CAPTIONS.update(MONEY)
OTHER_PLOTS = {     # what report.html says `--all` would add, of the plots not drawn
    "flow": "the network with its flows and bottleneck", "station_states": "station time in states",
    "throughput": "weekly throughput", "cumulative": "cumulative output", "bottleneck_share": "bottleneck shares",
    "bottleneck_timeline": "the bottleneck's timeline", "inventory": "inventory", "backlog": "backlog",
    "lead_time": "lead times", "welch": "the Welch plot", "cost_per_rack": "for a scenario with costs, the money plots",
}
FIRST_SCREEN_ROWS = 5          # route rows shown next to the answer plot (at least 3 per product)
DEFAULT_INTEREST = ("throughput", "fill_rate", "backlog")


def kpis_of_interest(scenario: Any) -> list[str]:
    """The KPIs a scenario's `question:` names (`kpi` or `kpi:subject`), else throughput,
    fill rate and backlog: what a report and a compare show first."""
    question = getattr(scenario, "question", None)
    wanted = getattr(question, "kpis", None) if question is not None else None
    if wanted is None and isinstance(question, dict):
        wanted = question.get("kpis")
    return [str(k) for k in wanted] if wanted else list(DEFAULT_INTEREST)


def is_of_interest(df: pd.DataFrame, wanted: list[str]) -> pd.Series:
    """Rows of a KPI table (columns kpi, subject) that match `wanted` (`kpi` or `kpi:subject`)."""
    mask = pd.Series(False, index=df.index)
    for w in wanted:
        kpi, _, subject = w.partition(":")
        m = df.kpi == kpi
        if subject:
            m &= df.subject.astype(str) == subject
        mask |= m
    return mask


def interval(row: pd.Series, unit: str = "") -> str:
    """A KPI's 95% interval as `low–high` (asymmetric where the range demands it), or its note."""
    note = row.get("ci_note")
    if isinstance(note, str) and note.strip():
        return note
    if pd.isna(row.get("ci_low")) or pd.isna(row.get("ci_high")):
        return MISSING
    return f"{quantity(row['ci_low'], unit)}–{quantity(row['ci_high'], unit)}"


def kpi_rows(kpis: pd.DataFrame) -> pd.DataFrame:
    """KPIs as people read them: value in weeks/days or % where that reads better, and the interval."""
    return pd.DataFrame({
        "kpi": kpis.kpi, "subject": kpis.subject.fillna(""),
        "value": [quantity(m, u) for m, u in zip(kpis["mean"], kpis.unit)],
        "95% interval": [interval(r, r.unit) for _, r in kpis.iterrows()],
        "unit": ["" if u == "h" or str(u).startswith("share") else u for u in kpis.unit],
        "n": kpis.n,
    })


def differences_html(diffs: pd.DataFrame, scenario: Any) -> str:
    """A compare's paired differences: the KPIs of interest (the scenario's question, else
    throughput, fill rate and backlog) first, the rest folded away."""
    numeric = {"diff", "ci_low", "ci_high", "half_width", "variance_reduction"}
    first = is_of_interest(diffs, kpis_of_interest(scenario))
    body = table(diffs[first], numeric) if first.any() else ""
    rest = diffs[~first]
    if len(rest):
        body += details(f"The other {len(rest)} differences", table(rest, numeric), open_=not first.any())
    return body


def capacity_html(cap: pd.DataFrame, rows: int | None = None) -> str:
    """The capacity table (its top `rows` for the first screen, where only what binds is shown)."""
    shown = cap.head(rows) if rows else cap
    shown = shown.rename(columns={"capacity": "capacity/week", "load": "load/week", "max_rate": "max products/week"})
    cols = ("resource", "kind", "utilisation", "max products/week") if rows else (
        "resource", "kind", "capacity/week", "load/week", "unit", "utilisation", "needed", "needed_unit",
        "max products/week")
    return table(shown[[c for c in cols if c in shown.columns]],
                 {"capacity/week", "load/week", "needed", "max products/week"}, percent_cols={"utilisation"},
                 row_class=lambda r: "over" if float(r.get("utilisation", 0) or 0) > 1 else "")


def route_html(answer: Answer) -> str:
    """Per product, the tightest finite resources on its route, each in that product's units
    at the simulated mix and marked when shared: the numbers the printed answer quotes."""
    rows = max(3, FIRST_SCREEN_ROWS // max(1, len(answer.products)))
    table_rows = [{"resource": r.resource, "product": p.product, "kind": r.kind,
                   "allows/week": f"{r.capacity:,.3g} {p.unit}s", "utilisation": r.utilisation,
                   "shared with": ", ".join(r.shared_with) or "-"}
                  for p in answer.products for r in p.route[:rows]]
    if not table_rows:
        return ""
    return table(pd.DataFrame(table_rows), (), percent_cols={"utilisation"},
                 row_class=lambda r: "over" if float(r.get("utilisation", 0) or 0) > 1 else "")


def answer_block(images: dict[str, bytes], answer: Answer) -> str:
    """The first screen under the headline: output vs demand (and backlog) beside what binds
    each product first, in its own units."""
    left = figure("answer", images["answer"], CAPTIONS["answer"], alt="output vs demand plot") \
        if "answer" in images else ""
    right = ""
    routes = route_html(answer)
    if routes:
        right = (f'<div id="capacity-top"><h3>Rough-cut capacity: what binds each product first</h3>{routes}'
                 f'<p class="small">The rate of each product a resource allows at the mix the run made (products '
                 f'sharing it scale together), tightest first; no queues or breakdowns (the simulation adds them). '
                 f'Full table below.</p></div>')
    return f'<div class="answer" id="answer">{left}{right}</div>'


STATION_COLUMNS = {"rank": "rank", "station": "station", "servers": "servers",
                   "busy_open": "busy, of open time", "busy_all": "busy, of all hours",
                   "starved_open": "starved, of open time", "blocked_open": "blocked, of open time",
                   "down_open": "down, of open time", "waiting_crew_open": "waiting for crew, of open time",
                   "bottleneck_sole": "sole bottleneck", "bottleneck_shifting": "shifting bottleneck",
                   "window_start_week": "measured from week", "starved_on": "starved on",
                   "starved_on_source": "from"}


def station_html(answer: Answer) -> str:
    """The answer's stations, bottleneck first, each share with its denominator in its name
    (the same numbers as the printed answer's, by construction)."""
    rows = pd.DataFrame([s.model_dump() for site in answer.sites for s in site.stations])
    if rows.empty:
        return "<p>No stations.</p>"
    rows = rows.sort_values("rank")[list(STATION_COLUMNS)].rename(columns=STATION_COLUMNS)
    shares = [v for k, v in STATION_COLUMNS.items() if k.endswith(("_open", "_all")) or k.startswith("bottleneck")]
    return table(rows, {"rank", "servers", "measured from week"}, percent_cols=shares)


def report_html(folder: Path, images: dict[str, bytes], manifest: dict[str, Any], every: bool = True) -> str:
    summary = (folder / "summary.txt").read_text().strip().split("\n\n")[0].splitlines()
    kpis = pd.read_csv(folder / "kpis.csv")
    reg = pd.read_csv(folder / "assumptions.csv").fillna({"note": ""})
    answer = Answer.model_validate_json((folder / ANSWER).read_text())
    cap_file = folder / "capacity.csv"
    cap = pd.read_csv(cap_file) if cap_file.exists() else None
    name = manifest.get("scenario", folder.name)
    missing = int((~reg.has_note.astype(bool)).sum())
    plots = "".join(figure(n, images[n], CAPTIONS.get(n, ""), alt=f"{n.replace('_', ' ')} plot")
                    for n in PLOTS if n in images and n != "answer")     # the answer plot is on the first screen
    undrawn = [what for n, what in OTHER_PLOTS.items() if n not in images]
    if not every and undrawn:
        plots += ('<p class="small">The answer\'s plot is at the top. <code>rackline plot FOLDER --all</code> (or '
                  f'<code>rackline run --all-plots</code>) also draws {", ".join(undrawn[:-1])}'
                  f'{" and " if len(undrawn) > 1 else ""}{undrawn[-1]}.</p>')
    warmup = manifest.get("warmup_h", 0)
    intro = (f'<p class="small">{manifest.get("replications", "?")} replications, seed {manifest.get("seed", "?")}, '
             f'warm-up {hours(warmup)} ({manifest.get("warmup_method", "")}), horizon '
             f'{hours(manifest.get("horizon_h", 0))}. Intervals are 95% across replications.</p>')
    try:
        wanted = kpis_of_interest(_scenario(folder))
    except Exception:                                  # noqa: BLE001 - a report still renders without the question
        wanted = list(DEFAULT_INTEREST)
    first = is_of_interest(kpis, wanted)
    rows = kpi_rows(kpis)
    kpi_body = (table(rows[first], {"n"}) if first.any() else "")
    kpi_body += details(f"All {len(rows)} KPIs", table(rows, {"n"}), open_=not first.any())
    sections = [
        Section("KPIs", kpi_body),
        Section("Stations, ranked as bottlenecks", station_html(answer)),
    ]
    if cap is not None:
        sections.append(Section("Rough-cut capacity", capacity_html(cap)))
    sections += [
        Section("Plots", plots),
        Section("Assumption register",
                f"<p>{len(reg)} parameters; <strong>{missing}</strong> without a note (highlighted).</p>"
                + table(reg[[c for c in ("path", "value", "unit", "note") if c in reg.columns]], (),
                        lambda r: "" if r["note"] else "nonote")),
        Section("Manifest", details("manifest.json", manifest_block(manifest))),
    ]
    return page(f"rackline report: {name}",
                "The public sources name the partners, sites and component families but give no volumes; "
                "every number below follows from the assumptions listed at the end.",
                summary, sections, intro=answer_block(images, answer) + intro, footer=f"scenario: {name}")
