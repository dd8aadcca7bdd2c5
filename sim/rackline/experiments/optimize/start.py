"""Where the search starts: a plan the rough-cut capacity table says is feasible.

For each decision variable that is a station's `servers` or a crew pool's `size`,
the start is the smallest value on the variable's grid that covers what the resource
needs for the peak demand at the target utilisation (the `needed` column of
`rackline capacity`, one rule for both). Other variables are left to the sampler. The table ignores
queueing and variability, so the start is a lower bound for those resources, not an
answer: the first candidates are the start and the start with each variable one
step higher, and the sampler moves on from there.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from rackline.analysis.capacity import TARGET_UTILISATION
from rackline.errors import ScenarioError
from rackline.experiments.optimize.spec import OptimizeProblem, Variable

_STATION = re.compile(r"^sites\.([^.]+)\.stations\.([^.]+)\.servers$")
_CREW = re.compile(r"^sites\.([^.]+)\.workforce\.([^.]+)\.size$")


@dataclass(frozen=True)
class Start:
    """The first candidate and why: `values` by path; `uncovered` paths whose top value is short."""

    values: dict[str, Any]
    source: str                 # 'file' (start: in the optimize file), 'capacity' or 'none'
    uncovered: tuple[str, ...] = ()
    steps_up: tuple[dict[str, Any], ...] = ()     # the start with one variable a step higher

    def candidates(self) -> list[dict[str, Any]]:
        """What the search tries first: the start, then (capacity starts) its steps up."""
        return ([self.values] if self.values else []) + list(self.steps_up)

    def describe(self) -> str:
        if not self.values:
            return "Start: none (the sampler's own first candidates)."
        text = ", ".join(f"{k.rsplit('.', 2)[-2]}.{k.rsplit('.', 1)[-1]}={v}" for k, v in self.values.items())
        if self.source == "file":
            return f"Start: the file's plan ({text})."
        short = f"; even the top of the range is short for {', '.join(self.uncovered)}" if self.uncovered else ""
        return (f"Start: what the capacity table says is needed at {TARGET_UTILISATION:.0%} utilisation "
                f"({text}){short}, "
                f"then that plan with one variable a step higher ({len(self.steps_up)} plans).")


def resource_of(path: str) -> tuple[str, str] | None:
    """(resource name in the capacity table, kind) for a servers or crew-size path, else None."""
    m = _STATION.match(path)
    if m:
        return f"{m.group(1)}.{m.group(2)}", "station"
    m = _CREW.match(path)
    if m:
        return f"{m.group(1)}.{m.group(2)}", "crew"
    return None


def grid(v: Variable) -> list[float]:
    """The values the search may take, ascending (numeric variables on a step only)."""
    if v.axis is None or not v.step:
        return []
    k = math.floor((v.axis.high - v.axis.low) / v.step + 1e-9)
    return [v.axis.low + i * v.step for i in range(k + 1)]


def capacity_start(problem: OptimizeProblem) -> Start:
    """Each servers / crew-size variable at the smallest grid value that covers what the
    capacity table says its resource needs (`needed`, at the table's target utilisation)
    for the base scenario's peak demand."""
    from rackline.analysis.capacity import capacity_table
    from rackline.experiments.task import scenario_of
    try:
        ct = capacity_table(scenario_of(problem.data))
    except ScenarioError:
        return Start({}, "none")
    values: dict[str, Any] = {}
    numbers: dict[str, tuple[Variable, float, list[float]]] = {}
    uncovered = []
    for v in problem.variables:
        points = grid(v) if v.integer else []
        need = ct.needed_for(v.path) if resource_of(v.path) is not None else None
        if need is None or not points or v.axis is None:
            continue
        chosen = next((x for x in points if x >= need - 1e-9), None)
        if chosen is None:
            chosen = points[-1]
            uncovered.append(v.path)
        values[v.path] = v.axis.render(chosen)
        numbers[v.path] = (v, chosen, points)
    ups = []
    for path, (v, x, points) in numbers.items():    # the table ignores queueing: one step more may be needed
        higher = [p for p in points if p > x]
        if higher and v.axis is not None:
            ups.append({**values, path: v.axis.render(higher[0])})
    return Start(values, "capacity" if values else "none", tuple(uncovered), tuple(ups))


def start_of(problem: OptimizeProblem) -> Start:
    """The file's `start:` when given (`start: none` for no start), else the capacity start."""
    s = problem.spec.start
    if s == "none":
        return Start({}, "none")
    if isinstance(s, dict):
        return Start(dict(s), "file")
    return capacity_start(problem)
