"""Shared helpers: scenarios from text, paths to shipped files."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
ANALYTIC = Path(__file__).parent / "analytic"


@pytest.fixture
def load_text():
    from rackline.scenario import load_scenario_text

    def _load(text: str, overrides=None):
        return load_scenario_text(text, "test.yaml", overrides)

    return _load


def run_network(loaded, seed: int = 3):
    """Run one replication and hand back the live Network, to inspect its objects."""
    from rackline.engine.clock import Clock
    from rackline.engine.network import Network
    clock = Clock(seed, 0)
    net = Network(loaded.scenario, clock)
    net.start()
    clock.run(loaded.scenario.run.horizon)
    return net


def handles_signals(pid: int) -> bool:
    """Whether process `pid` catches SIGINT and SIGTERM yet (its SigCgt mask in /proc): the
    moment the command can be stopped cleanly, whatever the machine's load."""
    import signal
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True                # no /proc: nothing to wait for
    mask = int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), 16)
    return all(mask >> (s - 1) & 1 for s in (signal.SIGINT, signal.SIGTERM))


def interrupt(cmd: list[str], tmp_path, sig, ready, timeout: float = 60):
    """Start `cmd` (a rackline command line), wait until it handles signals and then until
    `ready()` (or `timeout`), send `sig`, and return (return code, what it printed on stderr)."""
    import subprocess
    import sys
    import time
    log = open(tmp_path / "stderr.txt", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "rackline", *cmd], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=log, text=True)
    deadline = time.time() + timeout
    while not handles_signals(proc.pid) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.01)           # a loaded machine may take a second to start Python
    while not ready() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the command finished before it could be interrupted"
    proc.send_signal(sig)
    proc.wait(timeout=timeout)
    log.seek(0)
    return proc.returncode, log.read()


_PLANS: dict[int, object] = {}


def run_priced(sc, replication: int = 0, seed=None):
    """One replication of `sc`, its cost plan kept beside it (the engine knows no prices):
    `plan_of(rep)` hands it to `replication_kpis` or `money`."""
    from rackline.analysis.cost_plan import cost_plan
    from rackline.engine.network import run_replication
    rep = run_replication(sc, replication, seed)
    _PLANS[id(rep)] = cost_plan(sc, rep.times)
    return rep


def plan_of(rep):
    return _PLANS[id(rep)]
