"""What `rackline discover` prints and writes: the chosen box as readable limits,
tables (trajectory.csv, box.csv, cases.csv, tree.txt), plots and report.html.

The page comes from the shared builder (output/html.py), the manifest from the one
`manifest` (output/folder.py).
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from rackline.about import FOOTER
from rackline.analysis.discover import Discovery
from rackline.output.folder import AtomicDir, manifest, read_manifest, write_manifest
from rackline.output.html import Section, esc, figure, figure_png, page, paragraphs, table


def slug(where: str) -> str:
    """`throughput:rack < 9` -> `throughput_rack_lt_9` (a folder name)."""
    text = where.replace("<=", " le ").replace(">=", " ge ").replace("<", " lt ").replace(">", " gt ")
    return re.sub(r"[^A-Za-z0-9.+-]+", "_", text).strip("_")


def default_folder(sweep: Path, where: str) -> Path:
    base = sweep / "discover" / slug(where)
    path, k = base, 1
    while path.exists():
        k += 1
        path = base.with_name(f"{base.name}-{k}")
    return path


def box_sentence(d: Discovery) -> str:
    """'a > 1 w and b <= 2: 81% of the cases where ..., 74% of the cases in the box have it'."""
    b, cond = d.box, d.cases.condition.text
    limits = " and ".join(d.restrictions(b)) or "(no restriction: the whole sampled space)"
    return (f"{limits}: {b.coverage:.0%} of the cases with {cond} lie in this box (coverage); "
            f"{b.density:.0%} of the cases in the box have it (density)")


def summary_lines(d: Discovery, notes: list[str]) -> list[str]:
    c = d.cases
    k, n = int(c.y.sum()), len(c.y)
    what = "(point, replication) pairs" if c.per_replication else "sweep points (KPI mean over replications)"
    b = d.box
    lines = [f"Cases: {n} {what}; {k} ({k / n:.0%}) with {c.condition.text} {c.kpi_unit}.",
             f"PRIM box {b.index} of {len(d.boxes) - 1} on the peeling trajectory (mass {b.mass:.0%}, "
             f"{b.n} cases; choose another with --box N):"]
    lines += [f"  {r}" for r in d.restrictions(b)] or ["  (no restriction)"]
    lines.append(f"  -> {b.coverage:.0%} of the cases with {c.condition.text} lie in the box (coverage); "
                 f"{b.density:.0%} of the cases in the box have it (density).")
    leaf = d.leaf
    if leaf:
        lines.append(f"CART view (depth <= 3): {' and '.join(leaf['rule']) or '(root)'}: "
                     f"coverage {leaf['coverage']:.0%}, density {leaf['density']:.0%} ({leaf['n']} cases).")
    return lines + [f"Note: {x}" for x in notes]


def figures(d: Discovery, title: str) -> dict[str, object]:
    """The three plots as Figures, keyed by file stem."""
    from rackline.output.plots import discover as dp
    c, lim = d.cases, d.box.limits
    where = c.condition.text
    figs: dict[str, object] = {"trajectory": dp.trajectory_plot(d.trajectory, d.chosen, where, title),
                               "box_limits": dp.limits_plot(lim, title)}
    if len(lim) >= 2:
        span = (lim.sampled_high - lim.sampled_low).replace(0, 1.0)
        width = (lim.high - lim.low) / span
        x, y = list(lim.assign(w=width).sort_values("w", kind="stable").parameter[:2])
        figs["pairs"] = dp.pairs_plot(c.table, x, y, lim, {p.path: p.unit for p in c.parameters}, where, title)
    return figs


def write_discovery(d: Discovery, out: Path, sweep: Path, notes: list[str], command: list[str] | None = None,
                    plots: bool = True) -> Path:
    """Write the discovery folder atomically; returns its path."""
    title = f"discover {sweep.name}: {d.cases.condition.text}"
    with AtomicDir(out) as tmp:
        d.trajectory.to_csv(tmp / "trajectory.csv", index=False)
        d.box.limits.to_csv(tmp / "box.csv", index=False)
        d.cases.table.assign(in_box=d.in_box).to_csv(tmp / "cases.csv", index=False)
        (tmp / "tree.txt").write_text(f"# CART (scikit-learn), class True = {d.cases.condition.text}; "
                                      f"weights = [other, of interest]\n{d.tree_text}\n{FOOTER}\n")
        lines = summary_lines(d, notes)
        (tmp / "summary.txt").write_text("\n".join(lines) + f"\n\n{FOOTER}\n")
        images: dict[str, bytes] = {}
        if plots:
            (tmp / "plots").mkdir()
            for name, fig in figures(d, title).items():
                images[name] = figure_png(fig)
                (tmp / "plots" / f"{name}.png").write_bytes(images[name])
            (tmp / "report.html").write_text(report_html(d, lines, images, title))
        sw = read_manifest(sweep) or {}
        meta = manifest("discover", scenario_hash=sw.get("scenario_hash", ""), seed=sw.get("seed", 0),
                        replications=sw.get("replications", 0), warmup_h=sw.get("warmup_h", ""), wall_time_s=0.0,
                        command=command, sweep=str(sweep), where=d.cases.condition.text, kpi_unit=d.cases.kpi_unit,
                        per_replication=d.cases.per_replication, min_mass=d.min_mass, box=d.chosen,
                        coverage=d.box.coverage, density=d.box.density, mass=d.box.mass,
                        restrictions=d.restrictions())
        write_manifest(tmp, meta)
    return out


def _html_table(df: pd.DataFrame) -> str:
    return table(df, [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])
                      and not pd.api.types.is_bool_dtype(df[c])])


def section(d: Discovery, lines: list[str], images: dict[str, bytes]) -> Section:
    """The report section: summary, plots, box and trajectory tables, the CART tree."""
    imgs = "".join(figure(k, v) for k, v in images.items())
    body = (f'<div class="headline">{paragraphs(lines)}</div>{imgs}'
            f"<h3>Chosen box (box.csv)</h3>{_html_table(d.box.limits)}"
            f"<h3>Peeling trajectory (trajectory.csv)</h3>{_html_table(d.trajectory)}"
            f"<h3>CART tree (tree.txt)</h3><pre>{esc(d.tree_text)}</pre>")
    return Section(f"Where {d.cases.condition.text}", body)


def report_html(d: Discovery, lines: list[str], images: dict[str, bytes], title: str) -> str:
    return page(f"rackline {title}", "A box says where, among the sampled assumptions, the cases of interest "
                "concentrate; it does not make any of them likely.", lines[:4], [section(d, lines, images)])
