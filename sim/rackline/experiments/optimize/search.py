"""The search: Optuna asks, rackline simulates, Optuna is told, batch by batch.

Resumable and reproducible: the study lives in SQLite; trial n is always sampled by
a sampler seeded with (seed, n) that sees exactly the trials of earlier batches
(TPE without the constant liar ignores running trials), so a search killed at any
point and resumed asks the same candidates and ends with the same plan as one that
never stopped. The batch size comes from the file, never from --jobs.
"""
from __future__ import annotations

import hashlib
import math
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import FrozenTrial, TrialState

from rackline.errors import RacklineError, RunInterrupted, ScenarioError
from rackline.experiments.optimize.evaluate import (
    Scores,
    candidate_key,
    evaluate,
    objective_means,
    overrides_of,
    violations,
)
from rackline.experiments.optimize.spec import OptimizeProblem

STUDY = "optimize"

Constraints = Callable[[FrozenTrial], Sequence[float]]   # optuna's constraints_func: violations per constraint


def distributions(problem: OptimizeProblem) -> dict[str, BaseDistribution]:
    out: dict[str, BaseDistribution] = {}
    for v in problem.variables:
        if v.axis is None:
            out[v.path] = CategoricalDistribution(list(v.choices or ()))
        elif v.integer:
            step = int(v.step or 1)
            lo, hi = int(round(v.axis.low)), int(round(v.axis.high))
            out[v.path] = IntDistribution(lo, lo + (hi - lo) // step * step, step=step)
        elif v.step:
            k = math.floor((v.axis.high - v.axis.low) / v.step + 1e-9)
            out[v.path] = FloatDistribution(v.axis.low, v.axis.low + k * v.step, step=v.step)
        else:
            out[v.path] = FloatDistribution(v.axis.low, v.axis.high)
    return out


def sampler_for(problem: OptimizeProblem, number: int, constraints: Constraints | None) -> optuna.samplers.BaseSampler:
    """A fresh sampler per trial number: what it proposes depends only on the stored trials."""
    seed = int(hashlib.sha256(f"{problem.spec.seed}:{number}".encode()).hexdigest()[:8], 16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        warnings.simplefilter("ignore", FutureWarning)    # constraints_func: kept, it works from optuna 3.5 on
        if len(problem.objectives) == 1:
            return optuna.samplers.TPESampler(seed=seed, n_startup_trials=problem.spec.startup_trials,
                                              multivariate=True, constant_liar=False, constraints_func=constraints)
        return optuna.samplers.NSGAIISampler(seed=seed, population_size=max(problem.spec.batch, 4),
                                             constraints_func=constraints)


def open_study(problem: OptimizeProblem, db: Path, resume: bool) -> optuna.Study:
    """Create the study (refusing to overwrite one) or reopen it (refusing another problem's)."""
    if db.exists() and not resume:
        raise RacklineError(f"{db} already holds a search; rerun with --resume to finish it, or choose --out")
    if resume and not db.exists():
        raise RacklineError(f"{db.parent}: expected a search to resume ({db.name}), got none")
    db.parent.mkdir(parents=True, exist_ok=True)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(storage=f"sqlite:///{db}", study_name=STUDY, load_if_exists=True,
                                directions=[o.direction for o in problem.objectives],
                                sampler=sampler_for(problem, 0, None))
    stored = study.user_attrs.get("problem")
    if stored is None:
        from rackline.experiments.optimize.start import start_of
        start = start_of(problem)
        study.set_user_attr("problem", problem.key())
        study.set_user_attr("start", start.describe())
        for params in start.candidates():
            study.enqueue_trial(dict(params))
    elif stored != problem.key():
        raise RacklineError(f"{db}: expected the same optimize problem to resume, but it differs "
                            f"(stored {stored}, now {problem.key()}); use another --out")
    return study


def stored_scores(study: optuna.Study, key: str) -> tuple[Scores | None, str | None] | None:
    d = study.user_attrs.get("scores:" + hashlib.sha256(key.encode()).hexdigest()[:16])
    if d is None:
        return None
    return (Scores.from_json(d) if d.get("error") is None else None), d.get("error")


def _store(study: optuna.Study, key: str, scores: Scores | None, error: str | None) -> None:
    d = scores.to_json() if scores is not None else {"objectives": [], "constraints": []}
    study.set_user_attr("scores:" + hashlib.sha256(key.encode()).hexdigest()[:16], dict(d, error=error))


def _run(problem: OptimizeProblem, overrides: dict[str, Any], reps: int, executor: Executor | None
         ) -> tuple[Scores | None, str | None]:
    try:
        return evaluate(problem, overrides, reps, executor), None
    except ScenarioError as exc:
        return None, "invalid candidate: " + "; ".join(p.message for p in exc.problems)


def evaluate_many(study: optuna.Study, problem: OptimizeProblem, candidates: list[dict[str, Any]], reps: int,
                  executor: Executor | None, prefix: str = "") -> dict[str, tuple[Scores | None, str | None]]:
    """Scores of each distinct candidate, from the study when stored, else simulated (in parallel)."""
    out: dict[str, tuple[Scores | None, str | None]] = {}
    todo: dict[str, dict[str, Any]] = {}
    for ov in candidates:
        key = prefix + candidate_key(ov)
        got = stored_scores(study, key)
        if got is not None:
            out[key] = got
        else:
            todo.setdefault(key, ov)
    if not todo:
        return out
    if executor is None:
        for key, ov in todo.items():
            out[key] = _run(problem, ov, reps, None)
            _store(study, key, *out[key])
        return out
    with ThreadPoolExecutor(max_workers=len(todo)) as threads:
        futures: dict[Future[tuple[Scores | None, str | None]], str] = {threads.submit(_run, problem, ov, reps, executor): k for k, ov in todo.items()}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.2)
            for f in done:
                out[futures[f]] = f.result()
                _store(study, futures[f], *out[futures[f]])
    return out


def propose(study: optuna.Study, problem: OptimizeProblem, number: int, constraints: Constraints | None,
            dists: dict[str, BaseDistribution]) -> dict[str, Any]:
    """Trial `number`'s parameters, sampled on an in-memory copy of the finished trials.

    The proposal is then stored whole (`enqueue_trial`) before the trial starts, so a
    kill at any moment leaves either no trial or one whose parameters can be read
    back: a resumed search asks exactly what an uninterrupted one asks."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        shadow = optuna.create_study(directions=[o.direction for o in problem.objectives],
                                     sampler=sampler_for(problem, number, constraints))
        shadow.add_trials([t for t in study.get_trials(deepcopy=False) if t.state.is_finished()])
        return dict(shadow.ask(fixed_distributions=dists).params)


def store_params(study: optuna.Study, trial: FrozenTrial, params: dict[str, Any],
                 dists: dict[str, BaseDistribution]) -> None:
    """Write the parameters an interrupted ask did not store, so the trial is whole again.

    Optuna has no public setter for a running trial's parameters: this goes through the
    study's own storage object (the one its cache belongs to)."""
    storage = study._storage   # noqa: SLF001 - see the docstring
    for name, value in params.items():
        if name not in trial.params:
            storage.set_trial_param(trial._trial_id, name, dists[name].to_internal_repr(value), dists[name])


def search(problem: OptimizeProblem, study: optuna.Study, trials: int, executor: Executor | None,
           progress: Callable[[int], None] | None = None, where: str = "the study database") -> int:
    """Run trials until `trials` are finished; returns how many candidates were simulated now."""
    dists = distributions(problem)
    batch = problem.spec.batch
    viol: dict[int, list[float]] = {}
    constraints = (lambda t: viol.get(t.number, [1.0] * len(problem.constraints))) if problem.constraints else None
    simulated = 0
    try:
        while True:
            existing = {t.number: t for t in study.get_trials(deepcopy=False)}
            finished = {n for n, t in existing.items() if t.state.is_finished()}
            for n in finished - viol.keys():   # trials of an earlier process (a resumed search): the
                done = existing[n]             # sampler must see their constraints as the first process did
                if done.state == TrialState.COMPLETE and set(done.params) == set(dists):
                    got = stored_scores(study, candidate_key(overrides_of(problem, done.params)))
                    if got is not None and got[0] is not None:
                        viol[n] = violations(problem.constraints, got[0], problem.spec.confidence)
            if len(finished) >= trials:
                return simulated
            start = min(n for n in range(trials + len(existing) + 1) if n not in finished)
            numbers = range(start, min(start - start % batch + batch, trials))
            params: dict[int, dict[str, Any]] = {}
            for n in numbers:
                t = existing.get(n)
                if t is None or t.state == TrialState.WAITING:
                    study.sampler = sampler_for(problem, n, constraints)
                    if t is None:       # propose first, then store the proposal in one write
                        study.enqueue_trial(propose(study, problem, n, constraints, dists))
                    asked = study.ask(fixed_distributions=dists)
                    assert asked.number == n, f"trial numbers out of step ({asked.number} != {n})"
                    params[n] = asked.params
                elif t.state == TrialState.RUNNING and set(t.params) == set(dists):
                    params[n] = t.params
                elif t.state == TrialState.RUNNING and set(t.system_attrs.get("fixed_params", {})) == set(dists):
                    params[n] = dict(t.system_attrs["fixed_params"])   # killed while its proposal was being stored
                    store_params(study, t, params[n], dists)
                else:   # a trial of an older search whose parameters were never all stored
                    study.tell(n, state=TrialState.FAIL)
            overrides = {n: overrides_of(problem, p) for n, p in params.items()}
            before = len([k for k in study.user_attrs if k.startswith("scores:")])
            results = evaluate_many(study, problem, list(overrides.values()), problem.spec.replications, executor)
            simulated += len([k for k in study.user_attrs if k.startswith("scores:")]) - before
            for n in sorted(params):
                scores, error = results[candidate_key(overrides[n])]
                study.sampler = sampler_for(problem, n, constraints)
                if scores is None:
                    study.tell(n, state=TrialState.FAIL)
                    continue
                viol[n] = violations(problem.constraints, scores, problem.spec.confidence)
                values = objective_means(problem.objectives, scores)
                if not all(math.isfinite(v) for v in values):
                    study.tell(n, state=TrialState.FAIL)
                    continue
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", FutureWarning)
                    study.tell(n, values)
                if progress:
                    progress(1)
    except (KeyboardInterrupt, RunInterrupted):     # RunInterrupted: in a trial's own replications (one job)
        kept = len([t for t in study.get_trials(deepcopy=False) if t.state.is_finished()])
        raise RunInterrupted(f"{kept} of {trials} trials are saved in {where}; "
                             "rerun with --resume to finish") from None


def finished_trials(study: optuna.Study) -> list[FrozenTrial]:
    return sorted((t for t in study.get_trials(deepcopy=False) if t.state.is_finished()), key=lambda t: t.number)
