"""Scenario discovery: under which assumptions does the plan fail?

Over a finished sweep (ideally LHS or Sobol samples that fill the space), a
condition on one KPI (`fill_rate < 0.9`) marks each case as of interest or not.
PRIM (Friedman and Fisher 1999; Bryant and Lempert 2010) then peels the box of
assumptions down, 5% of the cases at a time, to where those cases concentrate,
leaving a trajectory of ever smaller, denser boxes to choose from; a CART tree
(scikit-learn) gives a second view of the same split.

PRIM comes from the EMA Workbench (BSD-3-Clause, maintained, the reference
implementation that sdtoolkit's users moved to). The lighter standalone `prim`
package on PyPI is the same code but GPL-3, which does not fit an Apache-2.0
project; rackline only reads its trajectory and box limits, in `prim_boxes`.

A case is one sweep point by default: the mean of the KPI over the point's
replications, because a planner asks whether a set of assumptions fails, not
whether one random draw did; noisy replications would blur the box edges. With
`per_replication=True` every (point, replication) is its own case instead.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rackline.errors import RacklineError

PEEL_ALPHA = 0.05
OPERATORS = ("<=", ">=", "<", ">")
_WHERE = re.compile(r"^\s*(?P<kpi>[A-Za-z_][^<>=]*?)\s*(?P<op><=|>=|<|>)\s*"
                    r"(?P<value>[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)\s*$")
_VALUE = re.compile(r"^\s*[-+]?[\d.]+(?:[eE][-+]?\d+)?\s*(?P<unit>.*?)\s*$")
WHERE_HELP = "'KPI < NUMBER' (or <=, >, >=), e.g. \"fill_rate < 0.9\" or \"throughput:rack_gen1 < 22\""


@dataclass(frozen=True)
class Condition:
    """What makes a case of interest: `kpi[:subject] op threshold`, in the KPI's unit."""

    kpi: str
    subject: str | None
    op: str
    threshold: float

    @property
    def text(self) -> str:
        name = f"{self.kpi}:{self.subject}" if self.subject else self.kpi
        return f"{name} {self.op} {self.threshold:g}"

    def holds(self, values: np.ndarray) -> np.ndarray:
        t = self.threshold
        return {"<": values < t, "<=": values <= t, ">": values > t, ">=": values >= t}[self.op]


def parse_where(text: str) -> Condition:
    """`"throughput:rack < 22"` -> Condition; the subject is resolved later against the results."""
    m = _WHERE.match(text or "")
    if not m:
        raise RacklineError(f"--where: expected {WHERE_HELP}, got {text!r}")
    return Condition(m["kpi"].strip(), None, m["op"], float(m["value"]))


@dataclass(frozen=True)
class Parameter:
    """A swept assumption: its dotted path, unit as the sweep wrote it, and sampled range."""

    path: str
    unit: str          # 'w', 'h', 'per week', '' for plain numbers
    integer: bool
    low: float
    high: float

    def show(self, x: float) -> str:
        v = f"{x:.0f}" if self.integer else f"{x:.4g}"
        return f"{v} {self.unit}" if self.unit else v

    def below(self, x: float) -> str:
        """'servers <= 1' for a cut at 1.5 servers; 'lead time < 13.5 w' otherwise."""
        return f"{self.path} <= {self.show(math.floor(x + 1e-9))}" if self.integer else f"{self.path} < {self.show(x)}"

    def above(self, x: float) -> str:
        return f"{self.path} >= {self.show(math.ceil(x - 1e-9))}" if self.integer else f"{self.path} > {self.show(x)}"


@dataclass
class Cases:
    """One row per case: parameter values, the KPI, and whether the case is of interest."""

    condition: Condition
    kpi_unit: str
    parameters: list[Parameter]
    table: pd.DataFrame          # point, [replication], <parameter paths>, value, of_interest
    per_replication: bool
    method: str
    dropped: int = 0             # points with no value of the KPI (failed runs)

    @property
    def X(self) -> pd.DataFrame:
        """Parameter values as floats, whole-number ones too: the EMA Workbench's integer
        pasting fails under pandas 3, and real-valued peeling of whole numbers puts box
        edges half-way between them (1.5 servers), which `restrictions` reads back."""
        return self.table[[p.path for p in self.parameters]].astype(np.float64)

    @property
    def y(self) -> np.ndarray:
        return np.asarray(self.table["of_interest"].to_numpy(dtype=bool))


def read_sweep(folder: str | Path) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """(manifest, experiments, results) of a complete sweep folder, or a clear error."""
    folder = Path(folder)
    need = ("manifest.json", "experiments.csv", "results.csv")
    missing = [n for n in need if not (folder / n).is_file()]
    meta: dict[str, Any] = {}
    if not missing:
        try:
            meta = json.loads((folder / "manifest.json").read_text())
        except ValueError:
            meta = {}
    if missing or not meta.get("complete") or meta.get("kind") != "sweep":
        got = f"missing {', '.join(missing)}" if missing else "a manifest.json not marked as a complete sweep"
        raise RacklineError(f"{folder}: expected a complete sweep folder (manifest.json with \"complete\": true, "
                            f"experiments.csv, results.csv, as `rackline sweep` writes), got {got}")
    return meta, pd.read_csv(folder / "experiments.csv"), pd.read_csv(folder / "results.csv")


def parameters(meta: dict[str, Any], experiments: pd.DataFrame) -> list[Parameter]:
    """The swept parameters, with their unit read back from the overrides as written."""
    out = []
    for path in meta.get("parameters") or [c for c in experiments.columns if c not in ("point", "overrides")]:
        unit = ""
        for ov in experiments.get("overrides", pd.Series(dtype=str)).astype(str):
            for part in ov.split("; "):
                name, _, value = part.partition("=")
                if name == path:
                    m = _VALUE.match(value)
                    unit = m["unit"] if m else ""
                    break
            else:
                continue
            break
        col = experiments[path].to_numpy(dtype=float)
        integer = bool(np.all(np.isclose(col, np.round(col)))) and not unit
        out.append(Parameter(path, unit, integer, float(col.min()), float(col.max())))
    return out


def resolve(cond: Condition, results: pd.DataFrame) -> tuple[Condition, str, str]:
    """Match the condition's KPI (and subject) to the results; (condition, unit, note)."""
    kpis = set(results.kpi.unique())
    name, subject = cond.kpi, None
    if name not in kpis and ":" in name:
        name, _, subject = name.rpartition(":")
    if name not in kpis:
        known = ", ".join(sorted(k for k in kpis if not k.startswith("station:")))
        raise RacklineError(f"--where: expected a KPI of this sweep ({known}; station metrics as "
                            f"station:METRIC:STATION), got {cond.kpi!r}")
    rows = results[results.kpi == name]
    subjects = sorted(rows.subject.astype(str).unique())
    note = ""
    if subject is None:
        subject = subjects[0]
        if len(subjects) > 1:
            note = f"{name} has {len(subjects)} subjects; using {subject!r} (name one as {name}:SUBJECT)"
    elif subject not in subjects:
        raise RacklineError(f"--where: expected a subject of {name} among {subjects}, got {subject!r}")
    unit = str(rows[rows.subject.astype(str) == subject].unit.iloc[0])
    return Condition(name, subject, cond.op, cond.threshold), unit, note


def build_cases(folder: str | Path, where: str, per_replication: bool = False) -> tuple[Cases, list[str]]:
    """Read a sweep folder and mark its cases by the `--where` condition; (cases, notes)."""
    meta, exp, res = read_sweep(folder)
    cond, unit, note = resolve(parse_where(where), res)
    notes = [note] if note else []
    params = parameters(meta, exp)
    rows = res[(res.kpi == cond.kpi) & (res.subject.astype(str) == cond.subject)].dropna(subset=["value"])
    if per_replication:
        vals = rows[["point", "replication", "value"]]
    else:
        vals = rows.groupby("point", as_index=False)["value"].mean()
    table = exp[["point"] + [p.path for p in params]].merge(vals, on="point")
    dropped = len(exp) - table.point.nunique()
    if dropped:
        notes.append(f"{dropped} point(s) have no value of {cond.kpi}:{cond.subject} (failed runs) and are left out")
    table["of_interest"] = cond.holds(table["value"].to_numpy(dtype=float))
    method = str(meta.get("method", ""))
    if method in ("oat", "grid", "morris"):
        notes.append(f"this sweep is {method}: PRIM box edges are sharpest on samples that fill the space "
                     "(lhs, sobol)")
    k, n = int(table.of_interest.sum()), len(table)
    if k == 0 or k == n:
        lo, hi = table["value"].min(), table["value"].max()
        which = "none" if k == 0 else "every one"
        raise RacklineError(f"--where {cond.text!r}: {which} of the {n} cases is of interest, so there is "
                            f"nothing to tell apart; {cond.kpi}:{cond.subject} ranges from {lo:.4g} to "
                            f"{hi:.4g} {unit} in this sweep: choose a threshold inside that range")
    return Cases(cond, unit, params, table.reset_index(drop=True), per_replication, method, dropped), notes


@dataclass
class Box:
    """One box of the peeling trajectory, with its limits per parameter."""

    index: int
    coverage: float
    density: float
    mass: float
    n: int
    k: int
    limits: pd.DataFrame         # parameter, unit, low, high, sampled_low, sampled_high, restricted, qp_low, qp_high

    @property
    def restricted(self) -> pd.DataFrame:
        return self.limits[self.limits.restricted]


@dataclass
class Discovery:
    cases: Cases
    trajectory: pd.DataFrame     # box, coverage, density, mass, n, k, res_dim
    boxes: list[Box]
    chosen: int
    in_box: np.ndarray           # which cases the chosen box holds
    tree_text: str
    leaf: dict[str, Any] = field(default_factory=dict)   # the CART leaf holding most cases of interest
    min_mass: float = 0.05

    @property
    def box(self) -> Box:
        return self.boxes[self.chosen]

    def restrictions(self, box: Box | None = None) -> list[str]:
        """The chosen box (or `box`) as readable limits in the sweep's units."""
        return restrictions(self.box if box is None else box, self.cases.parameters)


def prim_boxes(cases: Cases, min_mass: float) -> tuple[pd.DataFrame, list[pd.DataFrame], list[dict[str, Any]]]:
    """EMA Workbench PRIM: (trajectory, box limits per step, quasi-p values per step)."""
    import logging
    import warnings
    with warnings.catch_warnings():
        # it warns about optional parallel back-ends at import, and about pandas deprecations
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
        logging.getLogger("EMA").setLevel(logging.WARNING)
        p = prim.Prim(cases.X, cases.y, threshold=0.5, peel_alpha=PEEL_ALPHA, mass_min=min_mass)
        found = p.find_box()
    traj = found.peeling_trajectory[["coverage", "density", "mass", "n", "k", "res_dim"]].copy()
    return traj.reset_index(drop=True), list(found.box_lims), list(found.qp)


def _limits(cases: Cases, lims: pd.DataFrame, qp: dict[str, Any]) -> pd.DataFrame:
    x = cases.X
    rows = []
    for p in cases.parameters:
        lo, hi = float(lims.loc[0, p.path]), float(lims.loc[1, p.path])
        col = x[p.path].to_numpy(dtype=float)
        q = qp.get(p.path, [np.nan, np.nan])
        rows.append({"parameter": p.path, "unit": p.unit, "low": lo, "high": hi,
                     "sampled_low": col.min(), "sampled_high": col.max(),
                     "restricted": bool(lo > col.min() or hi < col.max()),
                     "qp_low": q[0] if q[0] != -1 else np.nan, "qp_high": q[1] if q[1] != -1 else np.nan})
    return pd.DataFrame(rows)


def balanced(traj: pd.DataFrame) -> int:
    """Default box: the best balance of coverage and density (their harmonic mean)."""
    f = 2 * traj.coverage * traj.density / (traj.coverage + traj.density)
    return int(f.to_numpy().argmax())


def inside(cases: Cases, limits: pd.DataFrame) -> np.ndarray:
    keep = np.ones(len(cases.table), dtype=bool)
    for r in limits.itertuples():
        col = cases.table[r.parameter].to_numpy(dtype=float)
        keep &= (col >= r.low) & (col <= r.high)
    return keep


def discover(cases: Cases, box: int | None = None, min_mass: float = 0.05) -> Discovery:
    """PRIM trajectory and the chosen box (`box`, or the balanced one), plus a CART view."""
    if not 0 < min_mass < 1:
        raise RacklineError(f"--min-mass: expected a share between 0 and 1, got {min_mass:g}")
    traj, lims, qps = prim_boxes(cases, min_mass)
    traj.insert(0, "box", range(len(traj)))
    boxes = [Box(i, float(r.coverage), float(r.density), float(r.mass), int(r.n), int(r.k),
                 _limits(cases, lims[i], qps[i] if i < len(qps) else {})) for i, r in enumerate(traj.itertuples())]
    if box is not None and not 0 <= box < len(boxes):
        raise RacklineError(f"--box: expected a box number from 0 to {len(boxes) - 1} on the peeling "
                            f"trajectory (see trajectory.csv), got {box}")
    chosen = balanced(traj) if box is None else box
    traj["chosen"] = traj.box == chosen
    text, leaf = cart(cases, min_mass)
    return Discovery(cases, traj, boxes, chosen, inside(cases, boxes[chosen].limits), text, leaf, min_mass)


def cart(cases: Cases, min_mass: float, depth: int = 3) -> tuple[str, dict[str, Any]]:
    """A shallow classification tree: its text, and the leaf with most cases of interest."""
    from sklearn.tree import DecisionTreeClassifier, export_text
    X, y = cases.X, cases.y
    leaf_min = max(1, math.ceil(min_mass * len(y)))
    tree = DecisionTreeClassifier(max_depth=depth, min_samples_leaf=leaf_min, random_state=0).fit(X.to_numpy(), y)
    names = [f"{p.path} ({p.unit})" if p.unit else p.path for p in cases.parameters]
    text = export_text(tree, feature_names=names, show_weights=True, decimals=3)
    t = tree.tree_
    best: dict[str, Any] = {}

    def walk(node: int, rule: list[str]) -> None:
        nonlocal best
        if t.children_left[node] == -1:
            counts = t.value[node][0] * t.n_node_samples[node]   # fractions in recent scikit-learn
            k = int(round(counts[list(tree.classes_).index(True)])) if True in tree.classes_ else 0
            n = int(t.n_node_samples[node])
            if k > best.get("k", -1):
                best = {"rule": rule, "n": n, "k": k}
            return
        p = cases.parameters[t.feature[node]]
        thr = float(t.threshold[node])
        walk(t.children_left[node], rule + [p.below(thr)])
        walk(t.children_right[node], rule + [p.above(thr) if not p.integer else p.above(math.floor(thr) + 1)])

    walk(0, [])
    total = int(y.sum())
    best.update(coverage=best["k"] / total, density=best["k"] / best["n"])
    return text, best


def restrictions(box: Box, params: list[Parameter]) -> list[str]:
    """The box as readable limits in the sweep's units: 'lead_time > 13.5 w'."""
    by = {p.path: p for p in params}
    out = []
    for r in box.restricted.itertuples():
        p = by[r.parameter]
        lo_cut, hi_cut = r.low > r.sampled_low, r.high < r.sampled_high
        if lo_cut:
            out.append(p.above(r.low))
        if hi_cut:
            out.append(p.below(r.high))
    return out
