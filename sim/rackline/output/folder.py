"""Results folders: written whole or not at all, and recognisable when complete.

This is the one writer of results folders (run, compare and sweep):

- `check_destination` says before any simulation whether a folder can take results;
- `AtomicDir` writes a run or compare folder into a hidden `.partial-<name>-<pid>`
  folder beside the target and renames it into place only when complete; stale
  partial folders of processes that are gone are removed by the next run there;
- `manifest` builds and `write_manifest` writes `manifest.json`, always last and
  always with the same facts, ending with `"complete": true`; `is_complete` reads it;
- `write_file` replaces one file atomically (the sweep folder is built up over
  time and resumed, so its files are replaced one by one, manifest last);
- `write_workbook` gathers the folder's tables for people (KPIs, stations, capacity,
  assumptions, differences, sweep analysis) into `results.xlsx`, one sheet each:
  planners share spreadsheets. `write_manifest` calls it, so every kind of folder
  has one, written from the same CSVs it holds; a parallel run has a worker write it
  (`WorkbookByWorker`) while it writes the rest.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from types import TracebackType
from typing import Any

from rackline.about import FOOTER, __version__
from rackline.errors import RacklineError, WorkersFailed

PACKAGES = ("simpy", "numpy", "pandas", "matplotlib", "pydantic", "pyyaml", "scipy")
MANIFEST = "manifest.json"
ANSWER = "answer.json"       # a run's typed answer, read back by the report, the plots and `rackline plot`
PARTIAL = ".partial-"
OWNER = ".owner"            # inside a partial folder: the pid and start time of the process writing it
_PARTIAL_NAME = re.compile(r"^\.partial-.+-(\d+)$")


def scenario_hash(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "rackline": __version__}
    for p in PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:  # pragma: no cover
            out[p] = "missing"
    return out


def default_out(name: str, root: str | Path = "results") -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = Path(root) / name / stamp
    k = 1
    while path.exists():
        k += 1
        path = Path(root) / name / f"{stamp}-{k}"
    return path


def check_destination(path: str | Path, may_exist: bool = False, hint: str = "choose another --out") -> Path:
    """Refuse, before anything is simulated, a results folder that could not be written.

    `path` must be new or empty (unless `may_exist`, for a sweep being resumed), its
    nearest existing parent must be a folder we can write in, and every name on the
    way (with the partial folder's suffix) must fit the file system's name limit.
    Raises RacklineError naming `--out`; returns the path.
    """
    path = Path(path)
    if path.exists():
        if not path.is_dir():
            raise RacklineError(f"--out {path}: expected a folder, got a file")
        if not may_exist and any(path.iterdir()):
            raise RacklineError(f"--out {path}: already exists and is not empty; {hint}")
    probe = path.absolute()
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise RacklineError(f"--out {path}: cannot be created, {probe} is a file")
    limit = _name_max(probe)
    longest = max([len(os.fsencode(p)) for p in path.parts] + [len(os.fsencode(_partial_name(path)))])
    if longest > limit:
        raise RacklineError(f"--out {path}: a file name in it would be {longest} bytes long, "
                            f"over this file system's limit of {limit}; choose a shorter --out or scenario name")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".rackline-probe-", dir=probe)
    except OSError as exc:
        raise RacklineError(f"--out {path}: cannot write in {probe} ({exc.strerror or exc}); {hint}") from None
    os.close(fd)
    os.unlink(tmp)
    return path


def _name_max(folder: Path) -> int:
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):  # pragma: no cover - platforms without pathconf
        return 255


def _partial_name(final: Path, pid: int | None = None) -> str:
    return f"{PARTIAL}{final.name}-{os.getpid() if pid is None else pid}"


def _process_start(pid: int) -> float | None:
    """When process `pid` started (seconds since the epoch), if the system says; None if it is gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass                                    # alive, owned by someone else
    try:
        ticks = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime"))
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return 0.0                              # alive, start unknown: assume it is the owner


def is_stale(partial: Path) -> bool:
    """A `.partial-<name>-<pid>` folder whose writer is gone: its pid is not running, or the
    process now holding that pid started after the folder was made (the pid was reused)."""
    m = _PARTIAL_NAME.match(partial.name)
    if not m or not partial.is_dir():
        return False
    pid = int(m.group(1))
    if pid == os.getpid():
        return False
    started = _process_start(pid)
    if started is None:
        return True
    try:
        made = float(json.loads((partial / OWNER).read_text())["created"])
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return started > made + 2.0                 # /proc start times are rounded to clock ticks


def remove_stale_partials(parent: str | Path) -> list[Path]:
    """Delete the partial folders in `parent` left by killed runs; returns what was removed."""
    parent = Path(parent)
    if not parent.is_dir():
        return []
    removed = []
    for p in parent.glob(f"{PARTIAL}*"):
        if is_stale(p):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


class AtomicDir:
    """`with AtomicDir(final) as tmp:` write into tmp; renamed to final on success only.

    On any exception, KeyboardInterrupt and SystemExit included, the partial folder
    is removed and `final` is left as it was.
    """

    def __init__(self, final: str | Path):
        self.final = Path(final)
        self.tmp = self.final.parent / _partial_name(self.final)

    def __enter__(self) -> Path:
        if self.final.exists() and any(self.final.iterdir()):
            raise RacklineError(f"--out {self.final}: already exists and is not empty; choose another --out")
        self.final.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_partials(self.final.parent)
        if self.tmp.exists():
            shutil.rmtree(self.tmp)
        self.tmp.mkdir()
        (self.tmp / OWNER).write_text(json.dumps({"pid": os.getpid(), "created": time.time()}))
        return self.tmp

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            try:
                (self.tmp / OWNER).unlink()
                if self.final.exists():
                    self.final.rmdir()
                os.replace(self.tmp, self.final)
            except BaseException:
                shutil.rmtree(self.tmp, ignore_errors=True)
                raise
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def write_file(path: Path, data: bytes | str) -> None:
    """Replace one file atomically: readers see the old or the new content, never half."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The folder's manifest, or {} when it has none (or an unreadable one)."""
    try:
        meta = json.loads((Path(folder) / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def is_complete(folder: str | Path) -> bool:
    return bool(read_manifest(folder).get("complete"))


def manifest(kind: str, *, scenario_hash: str | dict[str, str], seed: int, replications: int,
             warmup_h: float | str | dict[str, float], wall_time_s: float, command: list[str] | None = None,
             **facts: Any) -> dict[str, Any]:
    """The one manifest: what was run (kind, scenario hash, seed, replications, warm-up), how long it
    took, with which versions; `facts` add what the kind knows; `complete: true` comes last."""
    meta: dict[str, Any] = {
        "kind": kind, "rackline": __version__, "disclaimer": FOOTER,
        "scenario_hash": scenario_hash, "seed": seed, "replications": replications, "warmup_h": warmup_h,
        "wall_time_s": round(wall_time_s, 3), "created": dt.datetime.now().isoformat(timespec="seconds"),
        "command": command or sys.argv, "versions": versions(),
    }
    meta.update(facts)
    meta.pop("complete", None)
    meta["complete"] = True
    return meta


WORKBOOK = "results.xlsx"
# sheets in this order first (when the folder has them), then the folder's other small tables
SHEETS = ("answer", "table", "kpis", "differences", "stations", "capacity", "assumptions", "assumptions_diff", "summary",
          "experiments", "selection")
NOT_SHEETS = {"bands", "timeseries", "replications", "station_metrics", "welch", "lead_times", "bottleneck_timeline",
              "disruptions", "results", "errors", "trials"}
MAX_SHEET_ROWS = 20_000


def sheet_files(folder: str | Path) -> dict[str, Path]:
    """The folder's CSVs that become sheets of its workbook (SHEETS first, in that order)."""
    csvs = {p.stem: p for p in sorted(Path(folder).glob("*.csv"))}
    names = [n for n in SHEETS if n in csvs] + [n for n in csvs if n not in SHEETS and n not in NOT_SHEETS]
    return {n: csvs[n] for n in names}


def write_workbook(folder: str | Path, sheets: dict[str, Path] | None = None) -> Path | None:
    """`results.xlsx` with the folder's tables for people as sheets (read back from its CSVs,
    so the workbook holds exactly their numbers; `sheets`: those of `sheet_files`, if
    already listed); None if the folder has no such table."""
    import io

    import pandas as pd
    folder = Path(folder)
    tables = {}
    for n, path in (sheet_files(folder) if sheets is None else sheets).items():
        try:
            df = pd.read_csv(path)
        except pd.errors.EmptyDataError:
            continue
        if len(df) <= MAX_SHEET_ROWS:
            tables[n[:31]] = df                  # Excel's limit on sheet names
    if not tables:
        return None
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        for n, df in tables.items():
            df.to_excel(xl, sheet_name=n, index=False)
    path = folder / WORKBOOK
    write_file(path, buf.getvalue())
    return path


class WorkbookByWorker:
    """`results.xlsx` written by a worker process (forked: pandas and openpyxl are already
    loaded) while this one writes the folder's other files; `wait` (or `write_manifest`)
    waits for it and raises what it raised. Every sheet's CSV must be in the folder when
    it starts: one written after (that `NOT_SHEETS` does not exclude) is an error, so
    the workbook never differs from the one `write_workbook` would write last."""

    def __init__(self, folder: str | Path) -> None:
        from rackline.experiments.executors import process_pool
        self.folder, self.sheets = Path(folder), sheet_files(folder)
        self._pool = process_pool(1)
        self._future = self._pool.submit(write_workbook, self.folder, self.sheets)

    def wait(self) -> None:
        from concurrent.futures import BrokenExecutor
        try:
            try:
                self._future.result()
            except BrokenExecutor:      # killed, out of memory: the folder is abandoned, as for a replication's
                raise WorkersFailed("the worker writing results.xlsx ended abruptly (killed, or out of memory?); "
                                    "no results were written") from None
            late = sorted(set(sheet_files(self.folder)) - set(self.sheets))
            if late:
                raise RuntimeError(f"{', '.join(late)} written after the workbook started: write every sheet first")
        finally:
            self.close()

    def close(self) -> None:
        """Stop the worker now (the folder is being abandoned) or, after `wait`, let it end."""
        self._pool.shutdown(wait=self._future.done(), cancel_futures=True)


def write_manifest(folder: str | Path, meta: dict[str, Any], workbook: WorkbookByWorker | None = None) -> Path:
    """Write `results.xlsx` (or wait for the `workbook` a worker writes) and then
    `manifest.json` (built by `manifest`); call it last, when everything else is on disk."""
    if workbook is None:
        write_workbook(folder)
    else:
        workbook.wait()
    path = Path(folder) / MANIFEST
    write_file(path, json.dumps(meta, indent=2, default=str))
    return path


def remove_manifest(folder: str | Path) -> None:
    """A folder being (re)completed must not look complete meanwhile."""
    with contextlib.suppress(FileNotFoundError):
        (Path(folder) / MANIFEST).unlink()
