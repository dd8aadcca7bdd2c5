"""A picture of the network: sites with their stations, suppliers colored by region,
lanes between sites and demand, with units per week on the arrows.

The layout is measured, not guessed: every label is drawn, its extent taken from the
renderer, and the boxes and gaps are sized around it. One data unit is one inch (the
axes fill the figure), so the figure grows with the number of sites, stations and
suppliers, and no station name or number runs out of its box.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch
from matplotlib.text import Text

from rackline.about import FOOTER
from rackline.output.html import num
from rackline.output.plots.style import REGION_COLORS, footer, styled
from rackline.scenario.model import Scenario

MARGIN = 0.25           # inches around the picture
SITE_GAP = 0.8          # least space between two site panels
STATION_PAD = 0.1       # text to station box edge, left and right
PANEL_PAD = 0.15        # station box to site panel edge
SUPPLIER_GAP = 0.18     # least space between two suppliers' columns
BOX_PAD = 0.02          # the rounding pad FancyBboxPatch draws outside its rectangle
LABEL_BOX = dict(fc="white", ec="none", alpha=0.8, pad=1.5)
Measured = tuple[Text, float, float]      # a text artist, its width and its height in inches


@dataclass(frozen=True)
class StationLabel:
    """One station's box and the lines of text written inside it."""
    box: FancyBboxPatch
    texts: tuple[Text, ...]


@dataclass(frozen=True)
class FlowPicture:
    """The flow figure and the artists whose placement a reader relies on, for checks."""
    figure: Figure
    stations: tuple[StationLabel, ...]
    supplier_labels: tuple[Text, ...]     # item and units per week, at the supplier end of its arrows


def _kpi(kpis: pd.DataFrame, kpi: str, subject: str) -> float:
    row = kpis[(kpis.kpi == kpi) & (kpis.subject == subject)]
    return float(row["mean"].iloc[0]) if len(row) else float("nan")


def _busy_text(busy: float) -> str:
    return f"busy {busy:.0%} of open h" if math.isfinite(busy) else "busy —"


def _clear_spot(lo: float, hi: float, w: float, verticals: list[float]) -> float:
    """Where on a lane from `lo` to `hi` a label `w` wide crosses no vertical line (other
    lanes' legs, demand arrows): the free stretch nearest the middle, else the middle."""
    cuts = [lo, *(v for v in verticals if lo < v < hi), hi]
    free = [(a + b) / 2 for a, b in zip(cuts, cuts[1:]) if b - a >= w + 0.12]
    mid = (lo + hi) / 2
    return min(free, key=lambda c: abs(c - mid)) if free else mid


def flow_picture(sc: Scenario, kpis: pd.DataFrame, table: pd.DataFrame, scenario: str) -> Figure:
    """The network picture for a report (see `flow_layout` for the artists inside it)."""
    return flow_layout(sc, kpis, table, scenario).figure


def flow_layout(sc: Scenario, kpis: pd.DataFrame, table: pd.DataFrame, scenario: str) -> FlowPicture:
    """Measure every label, size boxes and gaps around them, then place them top down:
    title, suppliers, site panels, lanes, demand, legend. `table` is stations.csv (ranked)."""
    # busy as a share of open time, as in the headline (off-shift hours are not idle capacity)
    busy = {r.station: r.utilization / (1 - r.share_off_shift) if r.share_off_shift < 1 else 0.0
            for r in table.itertuples()} if len(table) else {}
    rate = dict(zip(table.station, table.throughput_per_week)) if len(table) else {}
    bottleneck = table.station.iloc[0] if len(table) else None
    sites = list(sc.sites)
    with styled():
        fig = Figure()
        renderer = FigureCanvasAgg(fig).get_renderer()
        ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
        ax.set_axis_off()

        def text(s: str, **kw: object) -> Measured:
            """A text artist at the origin (placed later) and its width and height in inches."""
            t = ax.text(0, 0, s, **kw)  # type: ignore[arg-type]
            e = t.get_window_extent(renderer)
            return t, e.width / fig.dpi, e.height / fig.dpi

        # --- measure everything first ------------------------------------------------------------
        title = text("The network: units per week", fontsize=12, fontweight="bold", ha="center", va="top")
        about_suppliers = "\nunder each supplier: its item and the units it delivered to all sites"
        about_shipped = ("\nX/wk at a station = units it made; 'shipped' = units sent to the customer, which can "
                         "exceed what the last station made\nwhile stock on hand at the start is drawn down "
                         "(or fall short while finished stock builds up)") if sc.demand else ""
        sub = text("means after warm-up · busy = share of open hours · ★ = bottleneck"
                   + (about_suppliers if sc.suppliers else "") + about_shipped,
                   fontsize=8.5, color="#555555", ha="center", va="top", multialignment="center")
        probe = text(f"{FOOTER} · scenario: {scenario}", fontsize=7.5)
        probe[0].remove()
        site_titles = {n: text(n + (f" ({sc.sites[n].state})" if sc.sites[n].state else ""),
                               fontsize=10, fontweight="bold", ha="center", va="top") for n in sites}
        lines: dict[str, list[tuple[Text, float, float, str]]] = {}
        for site_name, st, _ in sc.station_items():
            key = f"{site_name}.{st}"
            is_bn = key == bottleneck
            name = text(f"{'★ ' if is_bn else ''}{st}", fontsize=8.5, va="top",
                        fontweight="bold" if is_bn else "normal")
            nums = text(f"{num(rate.get(key, float('nan')))}/wk · {_busy_text(busy.get(key, float('nan')))}",
                        fontsize=7.5, color="#333333", va="top")
            lines.setdefault(site_name, []).append((*name, key))
            lines[site_name].append((*nums, key))
        row_h = max([t[2] for ts in lines.values() for t in ts] + [0.15])
        box_w = max([t[1] for ts in lines.values() for t in ts] + [1.0]) + 2 * STATION_PAD
        box_h = 2 * row_h + 0.12
        n_st = max([len(s.stations) for s in sc.sites.values()] + [1])
        site_w = max([box_w + 2 * PANEL_PAD] + [t[1] + 0.3 for t in site_titles.values()])
        site_title_h = max(t[2] for t in site_titles.values())
        site_h = 0.12 + site_title_h + 0.14 + n_st * (box_h + 0.08) + 0.06

        demands = [(name, d, text(f"{name}: {d.item} {num(_kpi(kpis, 'shipped', name))}/wk shipped",
                                  fontsize=8, color="#2ca02c", va="top")) for name, d in sc.demand.items()]
        widest_demand = max([t[1] for *_, t in demands] + [0.0])
        site_gap = max(SITE_GAP, widest_demand + 0.25 - site_w * 0.85)
        lanes = [(name, lane, text(f"{name}: {lane.item} {num(_kpi(kpis, 'lane_shipped', name))}/wk",
                                   fontsize=7, ha="center", va="bottom", bbox=LABEL_BOX, zorder=4))
                 for name, lane in sc.lanes.items()]

        # suppliers ordered by the sites they serve, left to right, so arrows cross little
        served = {n: [i for i, s in enumerate(sites) if (inv := sc.sites[s].inventories.get(sp.item)) is not None
                      and n in inv.suppliers] for n, sp in sc.suppliers.items()}
        suppliers = sorted(sc.suppliers, key=lambda n: sum(served[n]) / len(served[n]) if served[n] else len(sites))
        sup_texts: dict[str, tuple[Measured, Measured, Measured, float]] = {}   # box lines, label, column width
        for n in suppliers:
            sp = sc.suppliers[n]
            head = text(n, fontsize=7.5, fontweight="bold", color="white", ha="center", va="top")
            region = text(sp.region, fontsize=6.5, color="white", ha="center", va="top")
            units = num(_kpi(kpis, "supplier_delivered", n))
            label = text(f"{sp.item}\n{units}/wk", fontsize=7, color=REGION_COLORS[sp.region], ha="center",
                         va="top", multialignment="center", bbox=LABEL_BOX, zorder=4)
            w_box = max(head[1], region[1]) + 0.16
            sup_texts[n] = (head, region, label, max(w_box, label[1] + 0.06))
        sup_row = sum(t[3] for t in sup_texts.values()) + SUPPLIER_GAP * max(len(suppliers) - 1, 0)
        sup_box_h = max([t[0][2] + t[1][2] for t in sup_texts.values()] + [0.0]) + 0.1
        sup_label_h = max([t[2][2] for t in sup_texts.values()] + [0.0])

        if len(sites) > 1:      # sites spread under a wide row of suppliers: steadier arrows
            site_gap = max(site_gap, (sup_row - len(sites) * site_w) / len(sites))
        sites_row = len(sites) * site_w + (len(sites) - 1) * site_gap
        sites_row = max(sites_row, (len(sites) - 1) * (site_w + site_gap) + site_w * 0.15 + 0.1 + widest_demand)
        regions = [r for r in REGION_COLORS if any(sp.region == r for sp in sc.suppliers.values())]
        legend = ax.legend([Patch(fc=REGION_COLORS[r], ec=REGION_COLORS[r]) for r in regions],
                           [f"{r} supplier" for r in regions], ncols=3, loc="lower right",
                           borderaxespad=0) if regions else None
        legend_w, legend_h = (0.0, 0.0) if legend is None else \
            (legend.get_window_extent(renderer).width / fig.dpi, legend.get_window_extent(renderer).height / fig.dpi)
        width = max(sites_row, sup_row, title[1], sub[1], probe[1] + 0.1, legend_w,
                    *(t[1] for *_, t in lanes)) + 2 * MARGIN

        # --- place, top down (y = 0 is the top edge, y < 0 below) -----------------------------------
        y = -MARGIN
        title[0].set_position((width / 2, y))
        y -= title[2] + 0.05
        sub[0].set_position((width / 2, y))
        y -= sub[2] + 0.25
        x = (width - sup_row) / 2
        arrow_from: dict[str, tuple[float, float]] = {}
        for n in suppliers:
            head, region, label, col_w = sup_texts[n]
            color = REGION_COLORS[sc.suppliers[n].region]
            cx = x + col_w / 2
            w_box = max(head[1], region[1]) + 0.16
            ax.add_patch(FancyBboxPatch((cx - w_box / 2, y - sup_box_h), w_box, sup_box_h,
                                        boxstyle=f"round,pad={BOX_PAD}", fc=color, ec=color, alpha=0.9))
            head[0].set_position((cx, y - 0.04))
            region[0].set_position((cx, y - 0.06 - head[2]))
            label[0].set_position((cx, y - sup_box_h - 0.06))
            arrow_from[n] = (cx, y - sup_box_h - 0.1 - label[2])
            x += col_w + SUPPLIER_GAP
        n_edges = sum(len(v) for v in served.values())
        if suppliers:
            y -= sup_box_h + 0.1 + sup_label_h + min(1.8, 0.9 + 0.04 * n_edges)
        site_top = y
        x_site = {s: (width - sites_row) / 2 + i * (site_w + site_gap) for i, s in enumerate(sites)}
        stations: list[StationLabel] = []
        for s in sites:
            x0 = x_site[s]
            ax.add_patch(FancyBboxPatch((x0, site_top - site_h), site_w, site_h,
                                        boxstyle="round,pad=0.05,rounding_size=0.15", fc="#f4f6f8", ec="#5b6770",
                                        lw=1.2))
            site_titles[s][0].set_position((x0 + site_w / 2, site_top - 0.12))
            yb = site_top - 0.12 - site_title_h - 0.14
            bx = x0 + (site_w - box_w) / 2
            pairs = lines.get(s, [])
            for name_t, nums_t in zip(pairs[::2], pairs[1::2]):
                is_bn = name_t[3] == bottleneck
                box = FancyBboxPatch((bx, yb - box_h), box_w, box_h, boxstyle=f"round,pad={BOX_PAD}",
                                     fc="#ffe0e0" if is_bn else "white", ec="#d62728" if is_bn else "#9aa5ad",
                                     lw=1.5 if is_bn else 0.8)
                ax.add_patch(box)
                name_t[0].set_position((bx + STATION_PAD, yb - 0.05))
                nums_t[0].set_position((bx + STATION_PAD, yb - 0.07 - row_h))
                stations.append(StationLabel(box, (name_t[0], nums_t[0])))
                yb -= box_h + 0.08
            # arrows land spread along the panel's top, in the order of their suppliers: no crossing there
            incoming = [n for n in suppliers if sites.index(s) in served[n]]
            for j, n in enumerate(incoming):
                land = x0 + site_w * (0.2 + 0.6 * (j + 0.5) / len(incoming))
                color = REGION_COLORS[sc.suppliers[n].region]
                ax.add_patch(FancyArrowPatch(arrow_from[n], (land, site_top + 0.04), arrowstyle="-|>",
                                             mutation_scale=10, color=color, alpha=0.6, lw=1, shrinkA=0, shrinkB=0))
        y = site_top - site_h - 0.05
        # lanes run under the site boxes, one level each, so they never cross a box
        lane_h = max([t[2] for *_, t in lanes] + [0.0]) + 0.14
        verticals = sorted({x_site[ln.origin] + site_w * 0.6 for _, ln, _t in lanes}
                           | {x_site[ln.to] + site_w * 0.4 for _, ln, _t in lanes}
                           | {x_site[d.site] + site_w * 0.15 for _, d, _t in demands})
        for k, (_, lane, (t, w, _h)) in enumerate(lanes):
            a, b = x_site[lane.origin] + site_w * 0.6, x_site[lane.to] + site_w * 0.4
            ly = y - lane_h * (k + 1)
            ax.plot([a, a], [y, ly], color="#444444", lw=1)
            ax.add_patch(FancyArrowPatch((a, ly), (b, ly), arrowstyle="-", color="#444444", lw=1))
            ax.add_patch(FancyArrowPatch((b, ly), (b, y), arrowstyle="-|>", mutation_scale=10, color="#444444",
                                         lw=1, shrinkA=0, shrinkB=0))
            mid = _clear_spot(min(a, b), max(a, b), w, verticals)
            t.set_position((min(max(mid, MARGIN + w / 2), width - MARGIN - w / 2), ly + 0.03))
        y -= lane_h * len(lanes) + 0.3
        at_site: dict[str, int] = {}
        for _, d, (t, _w, h) in demands:   # several demands at one site: labels stacked, never overlapping
            k = at_site[d.site] = at_site.get(d.site, -1) + 1
            xd = x_site[d.site] + site_w * 0.15
            if k == 0:
                ax.add_patch(FancyArrowPatch((xd, site_top - site_h - 0.05), (xd, y - 0.05), arrowstyle="-|>",
                                             mutation_scale=12, color="#2ca02c", lw=2, shrinkA=0, shrinkB=0))
            t.set_position((xd + 0.1, y - k * (h + 0.06)))
        demand_h = max([t[2] for *_, t in demands] + [0.0]) + 0.06
        y -= demand_h * max(list(at_site.values()) + [0]) + demand_h + 0.15
        if legend is not None:
            legend.set_bbox_to_anchor((width - MARGIN, y - legend_h), transform=ax.transData)
        height = -(y - legend_h - 0.3)      # and the footer's strip
        fig.set_size_inches(width, height)
        ax.set_xlim(0, width)
        ax.set_ylim(-height, 0)
        fig = footer(fig, scenario)
        return FlowPicture(fig, tuple(stations), tuple(t[2][0] for t in sup_texts.values()))
