"""Commands that only read a scenario start without the heavy libraries: most of a
`rackline validate` used to be importing pandas (reached through the sweep module).
Each command runs in a fresh interpreter, which then lists what it imported; the test
fails if a library it never needs is among them (no timing: timings live in bench/)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "numpy", "scipy", "sklearn", "optuna", "dask", "openpyxl", "matplotlib", "simpy", "SALib")

PROBE = """
import json, sys
from rackline.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def imported_by(*args: str) -> tuple[int, set[str]]:
    """Run `rackline ARGS` in a new interpreter; its exit code and the top-level packages it imported."""
    out = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=ROOT, capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": str(ROOT / "sim")})
    got = json.loads(out.stdout.strip().splitlines()[-1])
    return got["code"], {m.partition(".")[0] for m in got["modules"]}


@pytest.mark.parametrize("args", [
    ["validate", "scenarios/baseline.yaml"],
    ["validate", "scenarios/national.yaml", "scenarios/gen2_ramp.yaml"],
    ["capacity", "scenarios/baseline.yaml"],
    ["capacity", "scenarios/baseline.yaml", "--csv"],
    ["--help"],
])
def test_reading_a_scenario_imports_no_heavy_library(args):
    code, modules = imported_by(*args)
    assert code == 0
    assert sorted(modules & set(HEAVY)) == []


def test_the_probe_sees_heavy_imports_when_a_command_needs_them():
    """The same probe on a sweep file (its design needs pandas) does list pandas: the test
    above would notice an import that comes back."""
    code, modules = imported_by("validate", "scenarios/sweeps/baseline_uncertainty.yaml")
    assert code == 0
    assert "pandas" in modules


def test_a_run_without_plots_does_not_import_matplotlib(tmp_path):
    """`--no-plots` is the cheap path of a run (the denominator of bench section (f)):
    matplotlib's import alone is ~0.2 s CPU, so only a run that draws pays for it."""
    code, modules = imported_by("run", "scenarios/minimal.yaml", "--reps", "1", "--no-plots",
                                "--out", str(tmp_path / "run"))
    assert code == 0
    assert "matplotlib" not in modules
    code, modules = imported_by("run", "scenarios/minimal.yaml", "--reps", "1", "--out", str(tmp_path / "drawn"))
    assert code == 0 and "matplotlib" in modules
    assert sorted(p.name for p in (tmp_path / "drawn" / "plots").iterdir()) == ["answer.png"]


WORKER_PROBE = """
import json, os, sys
import rackline.cli
from rackline.experiments.running import Running
from rackline.scenario import load_scenario
loaded = load_scenario("scenarios/minimal.yaml")
seen = {}
os.register_at_fork(before=lambda: seen.setdefault("forked_with", sorted(sys.modules)))
with Running(loaded, [0, 1], 7, jobs=2) as running:
    for _ in running.results():
        pass
print(json.dumps({"forked_with": seen["forked_with"], "now": sorted(sys.modules)}))
"""


def test_run_workers_start_before_the_analysis_libraries():
    """`rackline run --jobs N` forks its workers before the parent imports pandas, scipy,
    openpyxl or matplotlib, and the replication task (simulate and measure) never imports
    them: the parent imports them while the workers simulate, the workers not at all."""
    out = subprocess.run([sys.executable, "-c", WORKER_PROBE], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "sim")})
    got = json.loads(out.stdout.strip().splitlines()[-1])
    at_fork, after = ({m.partition(".")[0] for m in got[k]} for k in ("forked_with", "now"))
    late = {"pandas", "scipy", "openpyxl", "matplotlib"}
    assert "numpy" in at_fork and not at_fork & late
    assert not after & late     # the parent, having collected the outcomes: the task brought none of them in


BLAS_PROBE = """
import json
import rackline.cli
import numpy
from threadpoolctl import threadpool_info
print(json.dumps(sorted({p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"})))
"""


@pytest.mark.parametrize("chosen, threads", [(None, [1]), ("2", [2])])
def test_the_command_line_runs_numpy_on_one_blas_thread_unless_told(chosen, threads):
    """OpenBLAS's idle threads spin after each call (~0.25 s CPU of a one-replication run,
    taken from the workers' cores under --jobs): the command line asks for one thread per
    process before numpy loads, and leaves a user's own setting alone."""
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                                             "MKL_NUM_THREADS")}
    if chosen:
        env["OPENBLAS_NUM_THREADS"] = chosen
    out = subprocess.run([sys.executable, "-c", BLAS_PROBE], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**env, "PYTHONPATH": str(ROOT / "sim")})
    assert json.loads(out.stdout.strip().splitlines()[-1]) == threads
