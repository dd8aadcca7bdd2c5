"""Interrupted and crashed runs never leave results that look complete."""
from __future__ import annotations

import os
import re
import signal
import sys
import time

import pytest

from conftest import SCENARIOS, interrupt
from rackline.cli import main
from rackline.output.folder import is_complete


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_interrupted_run_leaves_nothing_that_looks_complete(tmp_path, sig):
    out = tmp_path / "run"
    started = time.time()
    code, err = interrupt(["run", str(SCENARIOS / "national.yaml"), "--reps", "40", "--jobs", "2", "--out", str(out)],
                          tmp_path, sig, ready=lambda: time.time() - started > 3.0)
    assert not is_complete(out)
    assert not (out / "kpis.csv").exists()
    if sig == signal.SIGINT:
        assert code == 130
        assert re.search(r"Interrupted; stopped (after \d+ of 40 replications|while loading)", err), err
        assert "no results were written" in err
        assert "Traceback" not in err
        assert not list(tmp_path.glob(".partial-*"))
    assert main(["plot", str(out)]) == 2


def test_a_crash_while_writing_removes_the_partial_folder(tmp_path, monkeypatch, capsys):
    import rackline.output.report as report  # the run folder imports it from here when it draws
    monkeypatch.setattr(report, "render_folder", lambda *a, **k: 1 / 0)
    out = tmp_path / "r"
    assert main(["run", str(SCENARIOS / "minimal.yaml"), "--reps", "2", "--out", str(out)]) == 1
    assert not out.exists() and not list(tmp_path.glob(".partial-*"))
    assert "traceback saved to" in capsys.readouterr().err


def test_run_refuses_to_overwrite_a_results_folder(tmp_path, capsys):
    out = tmp_path / "r"
    args = ["run", str(SCENARIOS / "minimal.yaml"), "--reps", "2", "--no-plots", "--out", str(out)]
    assert main(args) == 0
    before = (out / "kpis.csv").read_bytes()
    assert main(args) == 2
    assert "already exists" in capsys.readouterr().err
    assert (out / "kpis.csv").read_bytes() == before


# national: 40 replications outlast every moment below even on the compiled engine (baseline's took < 4 s)
RUN_ARGS = ["run", str(SCENARIOS / "national.yaml"), "--reps", "40", "--jobs", "2", "--no-plots"]
SWEEP_ARGS = ["sweep", str(SCENARIOS / "minimal.yaml"), "--method", "lhs", "--samples", "64", "--reps", "2",
              "--jobs", "2", "--no-plots", "--vary", "sites.wisconsin.stations.l11_test.servers=1:4"]
LONG_SWEEP_ARGS = [*SWEEP_ARGS[:5], "1024", *SWEEP_ARGS[6:], "--yes"]  # far longer than any moment below
CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}
# seconds after the start: while loading, while the pool starts and imports run, while working
MOMENTS = [0.8, 2.2, 4.0]


def _stop(cmd: str, sig, after: float, tmp_path) -> None:
    out = tmp_path / cmd
    started = time.time()
    code, err = interrupt([*(RUN_ARGS if cmd == "run" else LONG_SWEEP_ARGS), "--out", str(out)], tmp_path, sig,
                          ready=lambda: time.time() - started > after)
    assert code == CODES[sig], err
    assert "Interrupted" in err and "Traceback" not in err, err
    assert not is_complete(out)
    assert not (out / "manifest.json").exists()
    assert not list(tmp_path.glob(".partial-*"))
    if cmd == "run":
        assert not (out / "kpis.csv").exists()


@pytest.mark.parametrize("after", MOMENTS)
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("cmd", ["run", "sweep"])
def test_signals_stop_parallel_commands_with_their_exit_code(cmd, sig, after, tmp_path):
    _stop(cmd, sig, after, tmp_path)


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("RACKLINE_SLOW_TESTS"), reason="80 interrupted runs (~4 min): set RACKLINE_SLOW_TESTS=1")
@pytest.mark.parametrize("i", range(20))
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("cmd", ["run", "sweep"])
def test_signals_stop_parallel_commands_every_time(cmd, sig, i, tmp_path):
    _stop(cmd, sig, 0.6 + 0.25 * i, tmp_path)


def _tasks(db) -> int:
    import sqlite3
    try:
        with sqlite3.connect(db) as c:
            return c.execute("SELECT count(*) FROM tasks").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_a_terminated_sweep_resumes(tmp_path):
    out = tmp_path / "sweep"
    args = [*SWEEP_ARGS, "--out", str(out)]
    code, err = interrupt(args, tmp_path, signal.SIGTERM, ready=lambda: _tasks(out / "sweep.db") >= 2)
    assert code == 143, err
    assert "rerun with --resume" in err
    kept = _tasks(out / "sweep.db")
    assert 2 <= kept < 128
    assert main([*args, "--resume"]) == 0
    assert is_complete(out) and _tasks(out / "sweep.db") == 128


def test_sigterm_in_process_is_handled_like_ctrl_c(tmp_path, capsys, monkeypatch):
    """The handler turns SIGTERM into the KeyboardInterrupt path and exit code 143."""
    import os

    import rackline.experiments.running as running  # where a run calls the replication task

    def stopped(*a, **k):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler interrupts the sleep
        raise AssertionError("SIGTERM was not handled")

    monkeypatch.setattr(running, "replicate", stopped)
    before = signal.getsignal(signal.SIGTERM)
    assert main(["run", str(SCENARIOS / "minimal.yaml"), "--reps", "2", "--out", str(tmp_path / "r")]) == 143
    assert "Interrupted" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGTERM) is before
    assert not (tmp_path / "r").exists()


def test_a_signal_where_raising_is_unsafe_is_delivered_again(monkeypatch):
    """Inside an extension's init, a fork or a finaliser the interrupt is deferred, not lost."""
    import rackline.signals as signals
    calls = []
    monkeypatch.setattr(signals, "unsafe_to_raise", lambda frame: not calls.append(frame) and len(calls) == 1)
    started = time.time()
    with pytest.raises(KeyboardInterrupt), signals.StopSignals() as stop:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)
    assert len(calls) == 2 and time.time() - started < 2
    assert stop.exit_code() == 130


def test_finalisers_are_unsafe_places_to_raise():
    import sys

    from rackline.signals import unsafe_to_raise
    seen = []

    class Finalised:
        def __del__(self):
            seen.append(unsafe_to_raise(sys._getframe()))

    Finalised()
    assert seen == [True]
    assert not unsafe_to_raise(sys._getframe())


def test_a_database_call_is_an_unsafe_place_to_raise():
    """A SIGTERM that raised inside SQLAlchemy's fetch (an optimize study's storage) left a
    cursor half-closed, which SQLAlchemy logged with a traceback (CI, once): such a frame
    defers the signal like a finaliser does."""
    from sqlalchemy import create_engine, text

    from rackline.signals import unsafe_to_raise
    seen = []
    engine = create_engine("sqlite://")
    with engine.connect() as conn:
        conn.connection.create_function("probe", 0, lambda: seen.append(unsafe_to_raise(sys._getframe())) or 1)
        conn.execute(text("select probe()")).fetchall()
    assert seen == [True]
    assert not unsafe_to_raise(sys._getframe())


def test_an_interrupt_python_swallows_in_a_weakref_callback_is_delivered_again():
    """A Ctrl-C that lands in a weakref callback (SQLAlchemy has them) raises there,
    Python prints "Exception ignored" and carries on; the command must stop anyway."""
    import time
    import weakref

    from rackline.signals import StopSignals

    class Thing:
        pass

    def callback(ref):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)            # the handler runs here, inside the callback

    thing = Thing()
    ref = weakref.ref(thing, callback)
    with pytest.raises(KeyboardInterrupt):
        with StopSignals() as stop:
            del thing               # the callback runs; its KeyboardInterrupt is swallowed
            time.sleep(2)           # ... and the signal comes again here
    assert stop.received == signal.SIGINT and ref() is None
