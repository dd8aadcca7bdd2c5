"""What a sweep's results say: KPI means per point, one-at-a-time effects, a
tornado ranking, and global sensitivity indices (Sobol, Morris) from SALib."""
from __future__ import annotations

import numpy as np
import pandas as pd

from rackline.analysis.stats import summarize
from rackline.experiments.sweep.design import Design


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


def indices(design: Design, y: np.ndarray, seed: int = 1) -> pd.DataFrame:
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


def outcome(design: Design, summary: pd.DataFrame, kpi: str) -> np.ndarray:
    """The KPI's mean per point, in point order (NaN where a point failed)."""
    d = select(summary, kpi).set_index("point")["mean"]
    return d.reindex(range(len(design.overrides))).to_numpy(dtype=float)
