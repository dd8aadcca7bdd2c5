"""A picture of the network: sites with their stations, suppliers colored by region,
lanes between sites and demand, with units per week on the arrows."""
from __future__ import annotations

import pandas as pd
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from rackline.output.plots.style import REGION_COLORS, footer, new_figure, styled


def _kpi(kpis: pd.DataFrame, kpi: str, subject: str) -> float:
    row = kpis[(kpis.kpi == kpi) & (kpis.subject == subject)]
    return float(row["mean"].iloc[0]) if len(row) else float("nan")


def flow_picture(sc, kpis: pd.DataFrame, table: pd.DataFrame, scenario: str):
    sites = list(sc.sites)
    # busy as a share of open time, as in the headline (off-shift hours are not idle capacity)
    busy = {r.station: r.utilization / (1 - r.share_off_shift) if r.share_off_shift < 1 else 0.0
            for r in table.itertuples()} if len(table) else {}
    rate = dict(zip(table.station, table.throughput_per_week)) if len(table) else {}
    bottleneck = table.station.iloc[0] if len(table) else None
    n_st = max([len(s.stations) for s in sc.sites.values()] + [1])
    site_w, gap, row_h = 3.2, 1.6, 0.55
    site_h = n_st * row_h + 0.9
    suppliers = list(sc.suppliers)
    width = max(len(sites) * (site_w + gap), len(suppliers) * 1.9)
    with styled():
        fig, ax = new_figure(width=min(16, 2.2 + width * 0.95), height=7.2)
        ax.set_axis_off()
        ax.grid(False)
        pos = {}
        for i, name in enumerate(sites):
            x0 = i * (site_w + gap)
            pos[name] = (x0, 0.0)
            ax.add_patch(FancyBboxPatch((x0, 0), site_w, site_h, boxstyle="round,pad=0.05,rounding_size=0.2",
                                        fc="#f4f6f8", ec="#5b6770", lw=1.2))
            state = sc.sites[name].state
            ax.text(x0 + site_w / 2, site_h - 0.3, f"{name}" + (f" ({state})" if state else ""), ha="center",
                    fontweight="bold", fontsize=10)
            for j, st in enumerate(sc.sites[name].stations):
                key = f"{name}.{st}"
                y = site_h - 0.85 - j * row_h
                is_bn = key == bottleneck
                ax.add_patch(FancyBboxPatch((x0 + 0.15, y - 0.2), site_w - 0.3, 0.42, boxstyle="round,pad=0.02",
                                            fc="#ffe0e0" if is_bn else "white", ec="#d62728" if is_bn else "#9aa5ad",
                                            lw=1.5 if is_bn else 0.8))
                label = f"{'★ ' if is_bn else ''}{st}  {rate.get(key, 0):.3g}/wk, busy {busy.get(key, 0):.0%} of open h"
                ax.text(x0 + 0.25, y, label, va="center", fontsize=8)
        top = site_h + 1.6
        step = width / max(len(suppliers), 1)
        for k, name in enumerate(suppliers):
            sp = sc.suppliers[name]
            sx = k * step + step / 2 - 0.6
            color = REGION_COLORS[sp.region]
            ax.add_patch(FancyBboxPatch((sx - 0.75, top), 1.5, 0.5, boxstyle="round,pad=0.03", fc=color, ec=color,
                                        alpha=0.85))
            ax.text(sx, top + 0.25, f"{name}\n{sp.region}", ha="center", va="center", fontsize=7, color="white")
            for site_name, site in sc.sites.items():
                inv = site.inventories.get(sp.item)
                if inv is not None and name in inv.suppliers:
                    x0, _ = pos[site_name]
                    ax.add_patch(FancyArrowPatch((sx, top), (x0 + site_w / 2, site_h + 0.05), arrowstyle="-|>",
                                                 mutation_scale=10, color=color, alpha=0.6, lw=1))
                    units = _kpi(kpis, "supplier_delivered", name)
                    ax.text((sx + x0 + site_w / 2) / 2, (top + site_h) / 2, f"{sp.item}\n{units:.3g}/wk",
                            fontsize=6.5, color=color, ha="center")
        # lanes run under the site boxes, one level each, so they never cross a box
        for k, (name, lane) in enumerate(sc.lanes.items()):
            (xa, _), (xb, _) = pos[lane.origin], pos[lane.to]
            y = -0.45 * (k + 1)
            a, b = xa + site_w * 0.6, xb + site_w * 0.4
            ax.plot([a, a], [0, y], color="#444444", lw=1)
            ax.add_patch(FancyArrowPatch((a, y), (b, y), arrowstyle="-", color="#444444", lw=1))
            ax.add_patch(FancyArrowPatch((b, y), (b, 0), arrowstyle="-|>", mutation_scale=10, color="#444444", lw=1))
            ax.text((a + b) / 2, y + 0.06, f"{name}: {lane.item} {_kpi(kpis, 'lane_shipped', name):.3g}/wk",
                    ha="center", va="bottom", fontsize=7, bbox=dict(fc="white", ec="none", pad=0.5))
        bottom = -0.45 * (len(sc.lanes) + 1)
        at_site: dict[str, int] = {}
        for name, d in sc.demand.items():   # several demands at one site: labels stacked, never overlapping
            k = at_site[d.site] = at_site.get(d.site, -1) + 1
            x0, _ = pos[d.site]
            xd = x0 + site_w * 0.15
            if k == 0:
                ax.add_patch(FancyArrowPatch((xd, 0), (xd, bottom - 0.5), arrowstyle="-|>",
                                             mutation_scale=12, color="#2ca02c", lw=2))
            ax.text(xd + 0.1, bottom - 0.45 - 0.32 * k,
                    f"{name}: {d.item} {_kpi(kpis, 'shipped', name):.3g}/wk shipped", fontsize=8, color="#2ca02c")
        bottom -= 0.32 * max(list(at_site.values()) + [0])
        handles = [FancyBboxPatch((0, 0), 1, 1, fc=c, ec=c) for c in REGION_COLORS.values()]
        ax.legend(handles, [f"{r} supplier" for r in REGION_COLORS], loc="lower right", ncols=3)
        ax.set_xlim(-0.8, width + 0.3)
        ax.set_ylim(bottom - 0.8, top + 0.8)
        ax.set_title("The network: units per week (means after warm-up; busy = share of open hours; ★ = bottleneck)")
        return footer(fig, scenario)
