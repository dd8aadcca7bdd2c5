"""Experimental designs: the points (sets of overrides) a sweep runs.

Each point is a dict `dotted path -> value as a scenario writes it`, plus the numeric
row used for analysis. Designs are deterministic given the sweep's seed.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from rackline.experiments.sweep.spec import Axis, Sweep


@dataclass
class Design:
    method: str
    names: list[str]                 # parameter paths
    X: npt.NDArray[np.float64]       # points x parameters, numeric (in each parameter's unit)
    overrides: list[dict[str, Any]]  # per point: path -> value as written
    problem: dict[str, Any]          # SALib problem (names, bounds)
    varied: list[int | None]         # oat: which parameter each point varies (None = base)
    units: list[str] | None = None   # each parameter's unit as written ('w', 'per w', '')


def design_size(sweep: Sweep) -> int:
    """Points the design will have (at most), from the spec alone: a 10^6-point design is
    refused before any of it is built. grid: the product of each axis's values; oat: the
    base and each value of each axis; lhs: samples; sobol: N(D + 2); morris: r(D + 1)."""
    axes, spec = sweep.axes, sweep.spec
    counts = [len(a.values) if a.values is not None else
              (min(spec_steps(a), int(a.high - a.low) + 1) if a.integer else spec_steps(a)) for a in axes]
    d = len(axes)
    return {"grid": math.prod(counts), "oat": 1 + sum(counts), "lhs": spec.samples,
            "sobol": spec.samples * (d + 2), "morris": spec.samples * (d + 1)}[spec.method]


def spec_steps(axis: Axis) -> int:
    return axis.spec.steps if axis.spec.steps > 1 else 1


def build(sweep: Sweep) -> Design:
    axes = sweep.axes
    names = [a.path for a in axes]
    problem = {"num_vars": len(axes), "names": names,
               "bounds": [[a.low, a.high if a.high > a.low else a.low + 1e-9] for a in axes]}
    method = sweep.spec.method
    varied: list[int | None] = []
    if method == "grid":
        rows = [list(p) for p in itertools.product(*(a.grid() for a in axes))]
        varied = [None] * len(rows)
    elif method == "oat":
        base = [a.base if a.base is not None else (a.low + a.high) / 2 for a in axes]
        rows, varied = [base], [None]
        for i, a in enumerate(axes):
            for v in a.grid():
                if not np.isclose(v, base[i]):
                    r = list(base)
                    r[i] = v
                    rows.append(r)
                    varied.append(i)
    elif method == "lhs":
        from scipy.stats import qmc
        u = qmc.LatinHypercube(d=len(axes), seed=np.random.default_rng(sweep.spec.seed)).random(sweep.spec.samples)
        rows = [[a.scale(x) for a, x in zip(axes, r)] for r in u]
    elif method == "sobol":
        from SALib.sample import sobol
        rows = sobol.sample(problem, sweep.spec.samples, calc_second_order=False, seed=sweep.spec.seed).tolist()
        rows = [[float(round(x)) if a.integer else x for a, x in zip(axes, r)] for r in rows]
    else:  # morris
        from SALib.sample import morris
        rows = morris.sample(problem, sweep.spec.samples, num_levels=4, seed=sweep.spec.seed).tolist()
        rows = [[float(round(x)) if a.integer else x for a, x in zip(axes, r)] for r in rows]
    if not varied:
        varied = [None] * len(rows)
    X = np.asarray(rows, dtype=float).reshape(len(rows), len(axes))
    overrides: list[dict[str, Any]] = []
    for i, point in enumerate(X):
        k = varied[i]
        if method == "oat" and k is None:
            overrides.append({})          # the base scenario as written
        elif method == "oat" and k is not None:
            overrides.append(axes[k].overrides(point[k]))
        else:
            overrides.append({path: v for a, x in zip(axes, point) for path, v in a.overrides(x).items()})
    units = [a.label for a in axes]
    return Design(method, names, X, overrides, problem, varied, units)
