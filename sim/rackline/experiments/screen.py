"""`rackline screen`: which guesses move the answer.

Every numeric assumption whose note says GUESS (or every one) is varied over its
declared or default range (`scenario.ranges`) in a Morris design: SALib samples
trajectories that move one assumption at a time through the whole space, each point run
on common random numbers. The design runs as a sweep does (tasks, executor and resumable
store of `experiments.sweep`), so an interrupted screen finishes where it stopped.

An elementary effect is the change of a KPI over one step, scaled to the assumption's
whole range: "this guess, from its low to its high, moves throughput by this much".
They are computed from the values actually run (whole numbers are rounded, so a step
can be shorter than the design's, or vanish), and a failed point costs only its own
two effects, not its trajectory. Per KPI: mu* (mean absolute effect: influence), mu
(its sign, when monotone) and sigma (spread: interactions or curvature).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from rackline.errors import ScenarioError
from rackline.experiments.sweep import prepare
from rackline.experiments.sweep.analysis import outcome, point_summary
from rackline.experiments.sweep.design import Design, build
from rackline.experiments.sweep.execute import executor_for, run_tasks
from rackline.experiments.sweep.spec import Axis, Parameter, Sweep, SweepSpec
from rackline.experiments.task import scenario_of
from rackline.scenario.assumptions import register
from rackline.scenario.load import Loaded
from rackline.scenario.ranges import AssumptionRange, screening_ranges

PARTS_DROPPED = {"sites", "stations", "inventories", "workforce", "suppliers"}


def label(path: str) -> str:
    """A path in words, the site kept: 'wisconsin l11_test servers'."""
    return " ".join(p for p in path.split(".") if p not in PARTS_DROPPED)


@dataclass
class Screen:
    """A planned screen: the ranges varied (in design order), those left out and why,
    the Morris sweep and its design, and the KPIs it ranks on."""

    loaded: Loaded
    ranges: list[AssumptionRange]
    skipped: dict[str, str]
    sweep: Sweep
    design: Design
    kpis: list[str]

    @property
    def runs(self) -> int:
        return len(self.design.overrides) * self.sweep.spec.replications


def _checked(loaded: Loaded, ranges: list[AssumptionRange], skipped: dict[str, str]) -> list[AssumptionRange]:
    """The ranges at whose ends, one at a time, the scenario is valid; the others go to
    `skipped` with the scenario's own words (a point that fails costs its effects)."""
    out = []
    for r in ranges:
        why = None
        try:
            Axis(r.path, Parameter(low=r.low, high=r.high, complement=r.complement), r.value)
            for end in (r.low, r.high):
                ov = {r.path: end} | ({r.complement: float(round(1.0 - float(end), 12))} if r.complement else {})
                scenario_of(loaded.data, ov)
        except ScenarioError as exc:
            why = f"invalid at {end!r}: {exc.problems[0].message}"
        except ValueError as exc:
            why = str(exc)
        if why:
            skipped[r.path] = why
        else:
            out.append(r)
    return out


def plan(loaded: Loaded, *, everything: bool = False, trajectories: int = 8, reps: int = 1,
         seed: int | None = None, kpis: list[str] | None = None) -> Screen:
    """The Morris screen of `loaded`'s GUESS assumptions (all numeric ones with `everything`)."""
    reg = register(loaded)
    reg = reg[reg.base_value.map(lambda v: isinstance(v, float) and np.isfinite(v))]
    if not everything:
        reg = reg[reg.note.str.contains("GUESS")]
    ranges, skipped = screening_ranges(loaded, reg)
    ranges = _checked(loaded, ranges, skipped)
    question = loaded.scenario.question
    kpis = list(kpis or (question.kpis if question is not None and question.kpis else ["throughput"]))
    if len(ranges) < 2:
        from rackline.errors import Problem
        raise ScenarioError([Problem(loaded.source, None, "", f"expected at least two assumptions to screen, got "
                                                              f"{len(ranges)} (add --all, or declare ranges)")])
    spec = SweepSpec.model_validate({
        "scenario": loaded.source, "name": f"screen-{loaded.scenario.name}", "method": "morris",
        "parameters": {r.path: {"low": r.low, "high": r.high, "complement": r.complement} for r in ranges},
        "samples": trajectories, "replications": reps, "seed": loaded.scenario.run.resolve(seed=seed)[1],
        "kpis": kpis})
    sweep = Sweep(spec, loaded, loaded.source)
    return Screen(loaded, ranges, skipped, sweep, build(sweep), kpis)


def elementary_effects(design: Design, y: np.ndarray) -> list[list[float]]:
    """Per parameter, its elementary effects: the change of y over each step that moved
    it, divided by the step as a share of its range."""
    k = len(design.names)
    bounds = np.asarray(design.problem["bounds"], dtype=float)
    span = np.where(bounds[:, 1] > bounds[:, 0], bounds[:, 1] - bounds[:, 0], 1.0)
    effects: list[list[float]] = [[] for _ in range(k)]
    for start in range(0, len(y) - k, k + 1):
        for j in range(start, start + k):
            dx = (design.X[j + 1] - design.X[j]) / span
            i = int(np.argmax(np.abs(dx)))
            if dx[i] != 0 and np.isfinite(y[j]) and np.isfinite(y[j + 1]):
                effects[i].append(float((y[j + 1] - y[j]) / dx[i]))
    return effects


def morris_table(design: Design, y: np.ndarray) -> pd.DataFrame:
    """parameter, effects, mu, mu_star, mu_star_conf (normal 95% half-width), sigma."""
    rows = []
    for name, ee in zip(design.names, elementary_effects(design, y)):
        a = np.asarray(ee, dtype=float)
        n = len(a)
        rows.append({"parameter": name, "effects": n, "mu": a.mean() if n else np.nan,
                     "mu_star": np.abs(a).mean() if n else np.nan,
                     "mu_star_conf": 1.96 * np.abs(a).std(ddof=1) / np.sqrt(n) if n > 1 else np.nan,
                     "sigma": a.std(ddof=1) if n > 1 else np.nan})
    return pd.DataFrame(rows)


@dataclass
class ScreenOutcome:
    """A finished screen: per KPI its Morris table, the overall `ranking` (each
    assumption's largest influence on any question KPI, relative to that KPI's most
    influential), what was skipped and why, and how it ran."""

    screen: Screen
    folder: Path
    per_kpi: dict[str, pd.DataFrame]
    ranking: pd.DataFrame
    skipped: pd.DataFrame
    summary: pd.DataFrame
    ran: int
    failed: int
    wall: float
    notes: list[str] = field(default_factory=list)


def rank(screen: Screen, per_kpi: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per assumption: where it lies, and the KPI it moves most (mu* relative to
    the top mu* of that KPI), sorted by that relative influence."""
    by_path = {r.path: r for r in screen.ranges}
    rows = []
    for kpi, t in per_kpi.items():
        top = t.mu_star.max()
        for r in t.itertuples():
            rel = r.mu_star / top if top and np.isfinite(top) and top > 0 else 0.0
            rng = by_path[r.parameter]
            rows.append({"parameter": r.parameter, "label": label(r.parameter), "value": str(rng.value),
                         "low": str(rng.low), "high": str(rng.high), "range": rng.how, "kpi": kpi,
                         "unit": t.attrs.get("unit", ""), "mu_star": r.mu_star, "mu_star_conf": r.mu_star_conf,
                         "mu": r.mu, "sigma": r.sigma, "relative": rel})
    if not rows:
        return pd.DataFrame(columns=["rank", "parameter", "label", "value", "low", "high", "range", "kpi", "unit",
                                     "mu_star", "mu_star_conf", "mu", "sigma", "relative"])
    df = pd.DataFrame(rows).fillna({"relative": 0.0})
    best = df.sort_values("relative", ascending=False, kind="stable").drop_duplicates("parameter")
    best = best.reset_index(drop=True)
    best.insert(0, "rank", range(1, len(best) + 1))
    return best


def run_screen(screen: Screen, folder: str | Path, jobs: int = 1, scheduler: str | None = None,
               progress: Callable[[int], None] | None = None) -> ScreenOutcome:
    """Run what the store in `folder` lacks (a new folder, or one this same screen
    started), then rank the assumptions."""
    t0 = time.perf_counter()
    sweep = screen.sweep
    design, store = prepare(sweep, folder, resume=True)
    try:
        reps, seed = sweep.spec.replications, sweep.spec.seed
        with executor_for(jobs, scheduler) as ex:
            ran, failed = run_tasks(store, sweep.base.data, design, reps, seed, ex, progress)
        results, errors = store.results(), store.errors()
    finally:
        store.close()
    summary = point_summary(results) if len(results) else pd.DataFrame()
    notes = []
    per_kpi = {}
    for kpi in screen.kpis:
        y = outcome(design, summary, kpi) if len(summary) else np.full(len(design.overrides), np.nan)
        if np.isnan(y).all():
            notes.append(f"{kpi}: no results (every point failed; see errors.csv)")
            continue
        if np.isnan(y).any():
            notes.append(f"{kpi}: {int(np.isnan(y).sum())} of {len(y)} points failed; their effects are left out")
        t = morris_table(design, y).sort_values("mu_star", ascending=False).reset_index(drop=True)
        name, _, subject = kpi.partition(":")
        units = summary[summary.kpi == name].unit if not subject else \
            summary[(summary.kpi == name) & (summary.subject == subject)].unit
        t.attrs["unit"] = str(units.iloc[0]) if len(units) else ""
        per_kpi[kpi] = t
    skipped = pd.DataFrame(sorted(screen.skipped.items()), columns=["parameter", "why"])
    if len(errors):
        notes.append(f"{len(errors)} runs failed (errors.csv)")
    return ScreenOutcome(screen, Path(folder), per_kpi, rank(screen, per_kpi), skipped, summary, ran, failed,
                         time.perf_counter() - t0, notes)


def seconds_per_run(screen: Screen) -> float:
    """The wall time of one replication of the base scenario, for the estimate printed
    before a screen starts (it also validates and caches the base scenario)."""
    from rackline.experiments.task import replicate
    t0 = time.perf_counter()
    replicate(screen.loaded.data, {}, 0, screen.sweep.spec.seed)
    return time.perf_counter() - t0


def default_folder(screen: Screen) -> Path:
    """results/screen/<scenario>-<design hash>: the same screen finds its own store (and
    resumes), a different one (other ranges, seed, trajectories) gets its own folder."""
    from rackline.experiments.sweep.execute import design_hash
    sw = screen.sweep
    h = design_hash(sw.base.data, screen.design, sw.spec.replications, sw.spec.seed)
    return Path("results") / "screen" / f"{screen.loaded.scenario.name}-{h[:8]}"
