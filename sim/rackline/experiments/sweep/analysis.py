"""What a sweep's results say: KPI means per point, one-at-a-time effects, a
tornado ranking, a 2-D grid, and global sensitivity indices (Sobol, Morris) from
SALib, gathered in `SweepTables` for whoever writes or prints them."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from rackline.analysis.stats import summarize
from rackline.experiments.sweep.design import Design
from rackline.kpi_names import RUN_MORE, SUMMARY_COLUMNS


def point_summary(results: pd.DataFrame) -> pd.DataFrame:
    """Mean and CI over replications for every point x KPI; each interval stays in
    its KPI's range (a fill rate's never passes 1), with `ci_method` and `ci_note`."""
    return summarize(results, ["point", "kpi", "subject", "unit"])


def select(summary: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """Rows of one KPI (`kpi` or `kpi:subject`); the first subject when not given."""
    name, _, subject = kpi.partition(":")
    d = summary[summary.kpi == name]
    if d.empty:
        return d
    subject = subject or sorted(d.subject.unique())[0]
    return d[d.subject == subject]


def oat_table(design: Design, summary: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """parameter, value, mean, ci_low, ci_high, ci_note (the base point included for every parameter)."""
    d = select(summary, kpi).set_index("point")
    rows = []
    base = [i for i, v in enumerate(design.varied) if v is None]
    for k, name in enumerate(design.names):
        pts = base + [i for i, v in enumerate(design.varied) if v == k]
        for i in pts:
            if i in d.index:
                r = d.loc[i]
                rows.append({"parameter": name, "unit": (design.units or [""] * len(design.names))[k],
                             "value": design.X[i, k], "mean": r["mean"], "ci_low": r.ci_low,
                             "ci_high": r.ci_high, "ci_note": r.ci_note, "base": i in base})
    return pd.DataFrame(rows).sort_values(["parameter", "value"]).reset_index(drop=True) if rows else pd.DataFrame()


def tornado(design: Design, summary: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """KPI at each parameter's low and high value (others at base), sorted by swing."""
    t = oat_table(design, summary, kpi)
    if t.empty:
        return t
    base_mean = t[t.base]["mean"].iloc[0]
    chosen = select(summary, kpi)
    kpi_unit = str(chosen.unit.iloc[0]) if len(chosen) else ""
    rows = []
    for name, g in t.groupby("parameter", sort=False):
        lo, hi = g.iloc[0], g.iloc[-1]
        rows.append({"parameter": name, "unit": lo.unit, "low_value": lo.value, "high_value": hi.value, "at_low": lo["mean"],
                     "at_high": hi["mean"], "base": base_mean, "swing": abs(hi["mean"] - lo["mean"]),
                     "kpi_unit": kpi_unit})
    return pd.DataFrame(rows).sort_values("swing", ascending=False).reset_index(drop=True)


def indices(design: Design, y: npt.NDArray[np.float64], seed: int = 1) -> pd.DataFrame:
    """Sobol (S1, ST with CIs) or Morris (mu*, sigma) indices of outcome y per point."""
    if design.method == "sobol":
        from SALib.analyze import sobol
        si = sobol.analyze(design.problem, y, calc_second_order=False, seed=seed)
        return pd.DataFrame({"parameter": design.names, "S1": si["S1"], "S1_conf": si["S1_conf"], "ST": si["ST"],
                             "ST_conf": si["ST_conf"]})
    if design.method == "morris":
        from SALib.analyze import morris
        si = morris.analyze(design.problem, design.X, y, num_levels=4, seed=seed)
        return pd.DataFrame({"parameter": design.names, "mu_star": si["mu_star"],
                             "mu_star_conf": si["mu_star_conf"], "sigma": si["sigma"]})
    raise ValueError(f"no sensitivity indices for method {design.method!r}")


def outcome(design: Design, summary: pd.DataFrame, kpi: str) -> npt.NDArray[np.float64]:
    """The KPI's mean per point, in point order (NaN where a point failed)."""
    d = select(summary, kpi).set_index("point")["mean"]
    means: npt.NDArray[np.float64] = d.reindex(range(len(design.overrides))).to_numpy(dtype=float)
    return means


def width_note(summary: pd.DataFrame, kpi: str, reps: int) -> str | None:
    """A warning when the KPI's intervals are too wide for what the sweep compares: one
    replication (no interval at all), intervals left out as too wide, or a median 95%
    interval wider than the spread of the point means (noise as large as the effects)
    or than half the typical value (+-25%)."""
    sel = select(summary, kpi)
    if sel.empty:
        return None
    if reps < 2:
        return (f"KPI {kpi!r}: 1 replication per point gives no interval, so differences between points may "
                f"be noise; run more replications (--reps 3 or more)")
    means = sel["mean"].to_numpy(dtype=float)
    widths = (sel.ci_high - sel.ci_low).to_numpy(dtype=float)
    left_out = int((sel.ci_note.fillna("").astype(str) == RUN_MORE).sum())
    finite = widths[np.isfinite(widths)]
    spread = float(np.nanmax(means) - np.nanmin(means)) if np.isfinite(means).any() else 0.0
    median = float(np.median(finite)) if len(finite) else float("nan")
    typical = float(np.nanmedian(np.abs(means))) if np.isfinite(means).any() else 0.0
    if left_out == 0 and not (len(finite) and (median > spread or median > 0.5 * typical)):
        return None
    unit = str(sel.unit.iloc[0])
    parts = [f"median 95% interval {median:.3g} {unit} wide against {spread:.3g} between the points' means"]
    if left_out:
        parts.append(f"{left_out} interval(s) too wide to print")
    return (f"KPI {kpi!r}: intervals at {reps} replications are too wide for this sweep ({'; '.join(parts)}); "
            f"run more replications (--reps)")


@dataclass
class SweepTables:
    """Everything a finished sweep's results give, as tables: the design (`experiments`),
    the raw rows (`results`), failed tasks (`errors`), mean and CI per point (`summary`),
    and per KPI of interest its analysis (`oat_<kpi>`, `tornado_<kpi>`, `grid_<kpi>`,
    `sobol_<kpi>`, `morris_<kpi>`); `notes` say what could not be analysed."""

    experiments: pd.DataFrame
    results: pd.DataFrame
    errors: pd.DataFrame
    summary: pd.DataFrame
    analysis: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def experiments(design: Design) -> pd.DataFrame:
    """One row per point: its parameter values and the overrides that make it."""
    rows = []
    for i, (x, ov) in enumerate(zip(design.X, design.overrides)):
        row: dict[str, object] = {"point": i}
        row.update({name: v for name, v in zip(design.names, x)})
        row["overrides"] = "; ".join(f"{k}={v}" for k, v in ov.items()) or "(base scenario)"
        rows.append(row)
    return pd.DataFrame(rows)


def analyse(design: Design, kpis: list[str], results: pd.DataFrame, errors: pd.DataFrame,
            seed: int = 1) -> SweepTables:
    """The tables of a sweep whose tasks are all in (`results`, `errors` as the store keeps them)."""
    summary = point_summary(results) if len(results) else pd.DataFrame(
        columns=["point", "kpi", "subject", "unit", *SUMMARY_COLUMNS])
    out = SweepTables(experiments(design), results, errors, summary)
    for kpi in kpis:
        tag = kpi.replace(":", "_")
        sel = select(summary, kpi)
        if sel.empty:
            out.notes.append(f"KPI {kpi!r}: no results (unknown KPI, or every point failed)")
            continue
        note = width_note(summary, kpi, int(results.replication.nunique()) if len(results) else 0)
        if note:
            out.notes.append(note)
        if design.method == "oat":
            out.analysis[f"oat_{tag}"] = oat_table(design, summary, kpi)
            out.analysis[f"tornado_{tag}"] = tornado(design, summary, kpi)
        elif design.method == "grid" and len(design.names) == 2:
            g = pd.DataFrame(design.X, columns=["x", "y"]).assign(point=range(len(design.X)))
            g = g.merge(sel[["point", "mean"]], on="point").rename(columns={"x": design.names[0],
                                                                             "y": design.names[1]})
            g.attrs["unit"] = str(sel.unit.iloc[0])
            g.attrs["units"] = list(design.units or ["", ""])
            out.analysis[f"grid_{tag}"] = g
        elif design.method in ("sobol", "morris"):
            y = outcome(design, summary, kpi)
            if np.isnan(y).any():
                out.notes.append(f"KPI {kpi!r}: {int(np.isnan(y).sum())} point(s) failed; no {design.method} indices")
                continue
            out.analysis[f"{design.method}_{tag}"] = indices(design, y, seed)
    return out
