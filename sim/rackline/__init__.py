"""rackline: a discrete-event simulator for planning U.S. production of AI data-center racks.

Every input is an assumption (the public sources give no volumes). The public API:

    import rackline
    res = rackline.run("scenarios/baseline.yaml", reps=5)      # -> RunResults
    cmp = rackline.compare(["scenarios/baseline.yaml", "scenarios/localization.yaml"])
    out = rackline.sweep("scenarios/sweeps/baseline_uncertainty.yaml", out="results/sw")

Each returns a typed result whose tables are DataFrames. The names below load their
modules on first use (PEP 562), so `rackline --help` starts without pandas; they are
declared for type checkers and `dir(rackline)` all the same.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from rackline.about import FOOTER, __version__

if TYPE_CHECKING:
    from rackline.api import compare, robust, run, sweep
    from rackline.experiments.compare import Comparison
    from rackline.experiments.replications import RunResults
    from rackline.experiments.robust import RobustOutcome
    from rackline.experiments.sweep import SweepOutcome
    from rackline.scenario import Loaded, load_scenario, load_scenario_text

__all__ = ["FOOTER", "Comparison", "Loaded", "RobustOutcome", "RunResults", "SweepOutcome", "__version__", "compare",
           "load_scenario", "load_scenario_text", "robust", "run", "sweep"]

_LAZY = {
    "run": "rackline.api", "compare": "rackline.api", "sweep": "rackline.api", "robust": "rackline.api",
    "RobustOutcome": "rackline.experiments.robust",
    "RunResults": "rackline.experiments.replications", "Comparison": "rackline.experiments.compare",
    "SweepOutcome": "rackline.experiments.sweep",
    "Loaded": "rackline.scenario", "load_scenario": "rackline.scenario", "load_scenario_text": "rackline.scenario",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'rackline' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
