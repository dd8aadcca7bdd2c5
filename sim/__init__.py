"""rackline: a discrete-event simulator for planning U.S. production of AI data-center racks.

Every input is an assumption (the public sources give no volumes). The public API:
`load_scenario`, `run` and `run_replications`; heavier modules load lazily so the
command line starts fast.
"""
from __future__ import annotations

__version__ = "0.1.0"

FOOTER = "Illustrative model: all inputs are assumptions (no public volumes)"


def __getattr__(name):
    if name in ("load_scenario", "load_scenario_text"):
        from . import schema
        return getattr(schema, name)
    if name in ("run", "run_replications"):
        from . import runner
        return getattr(runner, name)
    raise AttributeError(name)
