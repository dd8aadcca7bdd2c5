"""Interrupted and crashed runs never leave results that look complete."""
from __future__ import annotations

import signal
import time

import pytest

from conftest import SCENARIOS, interrupt
from rackline.cli import main
from rackline.output.folder import is_complete


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_interrupted_run_leaves_nothing_that_looks_complete(tmp_path, sig):
    out = tmp_path / "run"
    started = time.time()
    code, err = interrupt(["run", str(SCENARIOS / "baseline.yaml"), "--reps", "40", "--jobs", "2", "--out", str(out)],
                          tmp_path, sig, ready=lambda: time.time() - started > 3.0)
    assert not is_complete(out)
    assert not (out / "kpis.csv").exists()
    if sig == signal.SIGINT:
        assert code == 130
        assert "Interrupted; stopped after" in err and "no results were written" in err
        assert "Traceback" not in err
        assert not list(tmp_path.glob(".partial-*"))
    assert main(["plot", str(out)]) == 2


def test_a_crash_while_writing_removes_the_partial_folder(tmp_path, monkeypatch, capsys):
    import rackline.output.report as report
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
