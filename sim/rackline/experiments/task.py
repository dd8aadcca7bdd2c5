"""The replication task: one replication of one scenario, from plain inputs.

`rackline run`, `compare` and every sweep point run replications through
`replicate`, so they simulate and measure the same way. A task is defined by its
inputs alone (scenario data, overrides, replication number, root seed): any worker
(this process, a process pool, a Dask worker) computes the same numbers.

A scenario is validated once per process: the validated model is kept under the
hash of its data, and a parent that already holds it (`remember`) validates nothing
again, in its own process or in workers forked from it.
"""
from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy.ma  # noqa: F401 - numpy loads these on first use: a replication draws from numpy.random and
import numpy.random  # noqa: F401 - np.quantile reaches numpy.ma; imported once here, before workers fork, not in each

from rackline.analysis.cost_plan import cost_plan
from rackline.analysis.kpis import ReplicationKpis, products_made, replication_kpis, weekly_series
from rackline.analysis.warmup import warmup_for
from rackline.engine.network import run_replication
from rackline.engine.records import Replication
from rackline.scenario.model import Scenario

if TYPE_CHECKING:
    import pandas as pd

KEEP = 16   # validated scenarios kept per process (a sweep worker interleaves a few points)

_validated: OrderedDict[str, Scenario] = OrderedDict()


@dataclass(slots=True)
class ReplicationOutcome:
    """What one replication gives back: its record, its weekly series, and its KPI
    rows when the warm-up is known in advance (`None` under `warmup: auto`, which
    needs every replication of the scenario first)."""

    record: Replication
    weekly: pd.DataFrame | None
    kpis: ReplicationKpis | None


def data_hash(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def remember(data: dict[str, Any], scenario: Scenario) -> None:
    """Keep a scenario this process has already validated from `data`."""
    _validated[data_hash(data)] = scenario
    _validated.move_to_end(data_hash(data))
    while len(_validated) > KEEP:
        _validated.popitem(last=False)


def validated(data: dict[str, Any]) -> Scenario | None:
    """The scenario this process already validated from exactly `data`, if any."""
    return _validated.get(data_hash(data))


def scenario_of(data: dict[str, Any], overrides: dict[str, Any] | None = None) -> Scenario:
    """The validated scenario for `data` with `overrides` applied (validated at most once
    per process); raises ScenarioError for an invalid one."""
    if overrides:
        from rackline.scenario.paths import apply_overrides
        data, _ = apply_overrides(data, overrides)
    key = data_hash(data)
    sc = _validated.get(key)
    if sc is None:
        from rackline.scenario.load import scenario_from
        from rackline.scenario.yamlfile import Document
        sc = scenario_from(data, Document(data, "<scenario>" if not overrides else "<sweep point>"))
        remember(data, sc)
    return sc


def undisrupted(sc: Scenario) -> Scenario:
    """The scenario without its disruptions: every other random process draws the same
    numbers (streams are named after the process), so the two runs pair exactly."""
    return sc.model_copy(update={"disruptions": {}})


def replicate(data: dict[str, Any], overrides: dict[str, Any] | None, replication: int, seed: int,
              weekly: bool = False) -> ReplicationOutcome:
    """Run replication `replication` of the scenario `data` (+ `overrides`) from root `seed`
    and measure it. The weekly series is left to whoever needs it (`weekly=True` builds
    it here): it is a pure function of the record, takes a millisecond to build, and a
    DataFrame pickles to about 100 KB per replication, against ~240 KB for the record's
    arrays, so a worker returns the arrays and the parent builds frames."""
    sc = scenario_of(data, overrides)
    rec = run_replication(sc, replication, seed)
    if sc.run.disruption_loss:    # without disruptions nothing is lost: the run is its own twin
        twin = run_replication(undisrupted(sc), replication, seed) if sc.disruptions else rec
        rec.undisrupted = products_made(twin)
    kpis = measured(rec, sc, float(sc.run.warmup)) if sc.run.warmup != "auto" else None
    return ReplicationOutcome(rec, weekly_series(rec) if weekly else None, kpis)


def measured(rec: Replication, sc: Scenario, warmup: float) -> ReplicationKpis:
    """The KPI rows of one replication of `sc` after `warmup`, money included: the cost
    plan is compiled from the scenario here, outside the engine."""
    return replication_kpis(rec, warmup, cost_plan(sc, rec.times))


def measure(outcomes: list[ReplicationOutcome], sc: Scenario,
            warmup: float | None = None) -> tuple[float, str, list[ReplicationKpis]]:
    """(warm-up hours, method, KPI rows per replication) of the replications of `sc`.

    The warm-up is `warmup` if given, else the scenario's `run.warmup` by the one rule
    in `rackline.analysis.warmup`; KPI rows the workers computed for that same warm-up
    are reused, the others are computed here."""
    method = "fixed"
    if warmup is None:
        warmup, method = warmup_for(sc.run.warmup, [o.record for o in outcomes])
    out = [o.kpis if o.kpis is not None and o.kpis.warmup == warmup else measured(o.record, sc, warmup)
           for o in outcomes]
    return warmup, method, out
