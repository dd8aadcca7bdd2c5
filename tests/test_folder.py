"""Results folders: checked before simulating, written atomically, one manifest, one page builder."""
from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT, SCENARIOS
from rackline.cli import main
from rackline.output import folder as fo

MINIMAL = str(SCENARIOS / "minimal.yaml")


@pytest.fixture
def no_simulation(monkeypatch):
    """Fail the test if anything is simulated: the checks must come first."""
    import rackline.api  # noqa: F401 - bound to the real functions before they are patched here
    import rackline.experiments.compare as compare
    import rackline.experiments.replications as replications
    import rackline.experiments.sweep as sweep

    def boom(*a, **k):
        raise AssertionError("simulated before checking --out")
    monkeypatch.setattr(replications, "run_replications", boom)
    monkeypatch.setattr(compare, "run_replications", boom)
    monkeypatch.setattr(sweep, "run_tasks", boom)


# --- issue 16 item 7: where results go is checked before simulating -------------------------------

def test_run_and_compare_refuse_a_non_empty_out_at_once(tmp_path, capsys, no_simulation):
    out = tmp_path / "full"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["run", MINIMAL, "--out", str(out)]) == 2
    assert capsys.readouterr().err.strip() == f"--out {out}: already exists and is not empty; choose another --out"
    assert main(["compare", MINIMAL, "--variant", "b:run.seed=3", "--out", str(out)]) == 2
    assert capsys.readouterr().err.strip() == f"--out {out}: already exists and is not empty; choose another --out"
    assert (out / "notes.txt").read_text() == "mine"


def test_an_existing_empty_folder_is_accepted(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    assert fo.check_destination(out) == out
    assert os.listdir(out) == [] and os.listdir(tmp_path) == ["empty"]     # the probe leaves nothing


def test_out_under_a_file_is_refused_at_once(tmp_path, capsys, no_simulation):
    (tmp_path / "afile").write_text("x")
    out = tmp_path / "afile" / "r"
    assert main(["run", MINIMAL, "--out", str(out)]) == 2
    assert capsys.readouterr().err.strip() == f"--out {out}: cannot be created, {tmp_path / 'afile'} is a file"


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs Linux /proc (a folder nobody can write in)")
def test_out_where_nothing_can_be_written_is_refused_at_once(capsys, no_simulation):
    assert main(["run", MINIMAL, "--out", "/proc/rackline-results"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("--out /proc/rackline-results: cannot write in /proc (") and err.endswith("choose another --out")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes in read-only folders")
def test_out_in_a_read_only_folder_is_refused_at_once(tmp_path, capsys, no_simulation):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        assert main(["run", MINIMAL, "--out", str(ro / "r")]) == 2
        assert capsys.readouterr().err.startswith(f"--out {ro / 'r'}: cannot write in {ro} (Permission denied)")
    finally:
        ro.chmod(0o700)


def test_a_name_too_long_for_the_file_system_is_refused(tmp_path, capsys, no_simulation):
    out = tmp_path / ("x" * 250)          # fits alone, not with the partial folder's prefix and pid
    assert main(["run", MINIMAL, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert re.fullmatch(rf"--out {re.escape(str(out))}: a file name in it would be \d+ bytes long, over this file "
                        r"system's limit of \d+; choose a shorter --out or scenario name\n", err)


def test_scenario_name_is_limited_in_the_schema(tmp_path, capsys, no_simulation):
    text = (SCENARIOS / "minimal.yaml").read_text()
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.startswith("name:"))
    path = tmp_path / "long.yaml"
    path.write_text(re.sub(r"^name: .*$", "name: " + "a" * 300, text, count=1, flags=re.M))
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:{line}: at name: expected a name of at most 100 characters "
                          "(it names the results folder), got 'aaaa")
    from rackline.scenario.jsonschema import scenario_json_schema
    assert scenario_json_schema()["$defs"]["FullScenario"]["properties"]["name"]["anyOf"][0]["maxLength"] == 100


def test_sweep_refuses_a_bad_folder_before_running(tmp_path, capsys, no_simulation):
    vary = ["sweep", MINIMAL, "--reps", "1", "--jobs", "1", "--no-plots",
            "--vary", "sites.wisconsin.stations.l11_test.servers=1:2:2"]
    full = tmp_path / "full"
    full.mkdir()
    (full / "other.csv").write_text("x")
    assert main(vary + ["--out", str(full)]) == 2
    assert capsys.readouterr().err.strip() == f"--out {full}: already exists and is not empty; choose another --out"
    assert main(vary + ["--out", str(tmp_path / "new"), "--resume"]) == 2
    assert capsys.readouterr().err.strip() == f"--out {tmp_path / 'new'}: expected a sweep to resume (sweep.db), got none"
    (full / "sweep.db").write_text("")
    assert main(vary + ["--out", str(full)]) == 2
    assert capsys.readouterr().err.strip().startswith(f"--out {full}: already holds a sweep; rerun with --resume "
                                                      "to finish it, or start this one in a new folder: "
                                                      "--out results/sweeps/minimal/")
    assert not (tmp_path / "new").exists()


# --- issue 16 items 13 and 15: partial folders never outlive their writer -----------------------------

def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _partial(parent: Path, name: str, pid: int, created: float) -> Path:
    p = parent / f".partial-{name}-{pid}"
    p.mkdir(parents=True)
    (p / "kpis.csv").write_text("kpi\n")
    (p / fo.OWNER).write_text(json.dumps({"pid": pid, "created": created}))
    return p


def test_the_next_run_removes_stale_partials_and_keeps_live_ones(tmp_path):
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        time.sleep(0.2)
        dead = _partial(tmp_path, "old", _dead_pid(), time.time())
        alive = _partial(tmp_path, "busy", live.pid, time.time())
        reused = _partial(tmp_path, "older", live.pid, time.time() - 3600)   # its pid is now a newer process's
        assert fo.is_stale(dead) and not fo.is_stale(alive) and fo.is_stale(reused)
        assert main(["run", MINIMAL, "--reps", "1", "--no-plots", "--out", str(tmp_path / "r")]) == 0
        assert not dead.exists() and not reused.exists()
        assert alive.exists() and (alive / "kpis.csv").exists()
        assert fo.is_complete(tmp_path / "r")
    finally:
        live.kill()
        live.wait()


def test_a_partial_of_this_process_or_without_a_pid_is_never_removed(tmp_path):
    mine = _partial(tmp_path, "mine", os.getpid(), time.time() - 3600)
    odd = tmp_path / ".partial-notapid"
    odd.mkdir()
    assert fo.remove_stale_partials(tmp_path) == []
    assert mine.exists() and odd.exists()


@pytest.mark.parametrize("exc", [KeyboardInterrupt, SystemExit, ValueError])
def test_atomic_dir_removes_its_partial_on_any_exception(tmp_path, exc):
    with pytest.raises(exc), fo.AtomicDir(tmp_path / "r") as tmp:
        (tmp / "kpis.csv").write_text("kpi\n")
        assert tmp.name == f".partial-r-{os.getpid()}"
        raise exc()
    assert list(tmp_path.iterdir()) == []


def test_atomic_dir_leaves_only_the_final_folder(tmp_path):
    with fo.AtomicDir(tmp_path / "r") as tmp:
        (tmp / "a.csv").write_text("a\n")
    assert [p.name for p in tmp_path.iterdir()] == ["r"]
    assert [p.name for p in (tmp_path / "r").iterdir()] == ["a.csv"]       # no owner marker left behind


# --- one manifest ------------------------------------------------------------------------------------

def test_run_compare_and_sweep_manifests_come_from_one_function(tmp_path):
    assert main(["run", MINIMAL, "--reps", "2", "--no-plots", "--out", str(tmp_path / "run")]) == 0
    assert main(["compare", MINIMAL, "--variant", "more:sites.wisconsin.stations.l11_test.servers=5", "--reps", "2",
                 "--no-plots", "--out", str(tmp_path / "cmp")]) == 0
    assert main(["sweep", MINIMAL, "--reps", "1", "--jobs", "1", "--no-plots", "--out", str(tmp_path / "sw"),
                 "--vary", "sites.wisconsin.stations.l11_test.servers=1:2:2"]) == 0
    common = list(fo.manifest("x", scenario_hash="h", seed=0, replications=1, warmup_h=0.0, wall_time_s=0.0))
    for kind, path in (("run", "run"), ("compare", "cmp"), ("sweep", "sw"), ("run", "cmp/runs/more")):
        meta = json.loads((tmp_path / path / "manifest.json").read_text())
        assert meta["kind"] == kind, path
        assert list(meta)[:len(common) - 1] == common[:-1], path      # same facts, in the same order
        assert list(meta)[-1] == "complete" and meta["complete"] is True, path
        assert meta["rackline"] and meta["versions"]["simpy"] and meta["wall_time_s"] >= 0, path
    run = json.loads((tmp_path / "run" / "manifest.json").read_text())
    cmp = json.loads((tmp_path / "cmp" / "manifest.json").read_text())
    sw = json.loads((tmp_path / "sw" / "manifest.json").read_text())
    assert run["replications"] == 2 and cmp["replications"] == 2 and sw["replications"] == 1
    assert cmp["scenario_hash"]["minimal"] == run["scenario_hash"] == sw["scenario_hash"]
    assert cmp["scenario_hash"]["more"] != run["scenario_hash"]


def test_a_manifest_being_rewritten_never_looks_complete(tmp_path):
    fo.write_manifest(tmp_path, fo.manifest("run", scenario_hash="h", seed=1, replications=1, warmup_h=0,
                                            wall_time_s=1, complete=False))
    assert fo.is_complete(tmp_path)           # `complete` is the manifest's, not the caller's
    fo.remove_manifest(tmp_path)
    assert not fo.is_complete(tmp_path)
    (tmp_path / "manifest.json").write_text("[1, 2]")
    assert not fo.is_complete(tmp_path)


def test_a_workbook_by_a_worker_is_the_one_written_last_and_refuses_a_late_sheet(tmp_path):
    """The worker's workbook has the sheets `write_workbook` writes at the end; a sheet's
    CSV written after the worker started would be missing from it, so waiting says so."""
    pd.DataFrame({"kpi": ["throughput"], "mean": [1.5]}).to_csv(tmp_path / "kpis.csv", index=False)
    pd.DataFrame({"week": [1.0], "value": [2.0]}).to_csv(tmp_path / "timeseries.csv", index=False)
    book = fo.WorkbookByWorker(tmp_path)
    book.wait()
    by_worker = pd.read_excel(tmp_path / fo.WORKBOOK, sheet_name=None)
    fo.write_workbook(tmp_path)
    last = pd.read_excel(tmp_path / fo.WORKBOOK, sheet_name=None)
    assert list(by_worker) == list(last) == ["kpis"] and by_worker["kpis"].equals(last["kpis"])
    book = fo.WorkbookByWorker(tmp_path)
    pd.DataFrame({"a": [1]}).to_csv(tmp_path / "capacity.csv", index=False)
    with pytest.raises(RuntimeError, match="capacity written after the workbook started"):
        book.wait()


def _killed(*args: object) -> None:
    import os
    os._exit(9)


def test_a_workbook_worker_that_dies_ends_the_command_as_a_dead_replication_worker_does(tmp_path, monkeypatch):
    """Killed or out of memory, the workbook's worker gets the same clean message and exit 1
    as a replication's (WorkersFailed), not a crash report."""
    from rackline.errors import WorkersFailed
    pd.DataFrame({"kpi": ["throughput"], "mean": [1.5]}).to_csv(tmp_path / "kpis.csv", index=False)
    monkeypatch.setattr(fo, "write_workbook", _killed)     # what the forked worker runs
    with pytest.raises(WorkersFailed, match="writing results.xlsx ended abruptly"):
        fo.WorkbookByWorker(tmp_path).wait()


# --- one page builder, no private imports ---------------------------------------------------------

def test_page_is_self_contained_with_the_footer():
    from rackline import FOOTER
    from rackline.output.html import Section, figure, page, table
    df = pd.DataFrame({"name": ["<b>x</b>"], "value": [1.23456789]})
    html = page("t <1>", "banner", ["line & more"], [Section("Table", table(df, {"value"})),
                                                     Section("Plot", figure("p", b"\x89PNG"))])
    assert FOOTER in html and "<title>t &lt;1&gt;</title>" in html and "line &amp; more" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and '<td class="num">1.23</td>' in html
    assert 'id="plot-p"' in html and "data:image/png;base64,iVBORw==" in html
    assert "<script" not in html and "http" not in html.split("</style>")[1]


def test_no_module_imports_a_private_name_from_another():
    offenders = []
    for path in (ROOT / "sim" / "rackline").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module != "__future__":
                offenders += [f"{path.name}: {a.name}" for a in node.names
                              if a.name.startswith("_") and not a.name.startswith("__")]
    assert offenders == []


# --- one place for run defaults and one unit parser ------------------------------------------------------

def test_run_settings_resolve_the_defaults(load_text):
    from rackline.scenario.model import RunSettings
    run = RunSettings(replications=4, seed=9)
    assert run.resolve() == (4, 9)
    assert run.resolve(2, 0) == (2, 0)          # seed 0 is a seed, not "no seed"


def test_sweep_axes_read_units_with_the_scenario_parser():
    from rackline.experiments.sweep.spec import Axis, Parameter
    from rackline.units import unit_of
    assert unit_of("12 w") == ("duration", "w") and unit_of("40 per week") == ("rate", "week")
    assert unit_of("2/h") == ("rate", "h") and unit_of("12 parsecs") is None and unit_of(12) is None
    d = Axis("x", Parameter(low="8 w", high="2 d"), None)
    assert (d.kind, d.unit, d.low, d.high) == ("duration", "w", 8.0, pytest.approx(2 / 7))
    r = Axis("x", Parameter(low="40 per week", high="1e1/week"), None)
    assert (r.kind, r.unit, r.low, r.high) == ("rate", "week", pytest.approx(40.0), pytest.approx(10.0))
    assert "import re" not in (ROOT / "sim/rackline/experiments/sweep/spec.py").read_text()
