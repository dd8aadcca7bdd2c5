"""Results folders: written whole or not at all.

Everything goes into a hidden temporary folder beside the target, which is renamed
into place only after `manifest.json` (written last, with `"complete": true`) is on
disk. An interrupted run leaves at most a `.partial-*` folder that no command reads
as a result.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import platform
import shutil
import sys
from importlib import metadata
from pathlib import Path

import yaml

from rackline import FOOTER, __version__
from rackline.scenario.assumptions import register
from rackline.output.headline import headline
from rackline.analysis.stats import welch

PACKAGES = ("simpy", "numpy", "pandas", "matplotlib", "pydantic", "pyyaml", "scipy")


def scenario_hash(data: dict) -> str:
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
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = Path(root) / name / stamp
    k = 1
    while path.exists():
        k += 1
        path = Path(root) / name / f"{stamp}-{k}"
    return path


class AtomicDir:
    """`with AtomicDir(final) as tmp:` write into tmp; renamed to final on success only."""

    def __init__(self, final: str | Path):
        self.final = Path(final)
        self.tmp = self.final.parent / f".partial-{self.final.name}-{os.getpid()}"

    def __enter__(self) -> Path:
        if self.final.exists() and any(self.final.iterdir()):
            raise FileExistsError(f"{self.final} already exists and is not empty")
        self.final.parent.mkdir(parents=True, exist_ok=True)
        if self.tmp.exists():
            shutil.rmtree(self.tmp)
        self.tmp.mkdir()
        return self.tmp

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            if self.final.exists():
                self.final.rmdir()
            os.replace(self.tmp, self.final)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return False


def is_complete(folder: str | Path) -> bool:
    m = Path(folder) / "manifest.json"
    try:
        return bool(json.loads(m.read_text()).get("complete"))
    except (OSError, ValueError):
        return False


def manifest(res, command: list[str] | None = None) -> dict:
    sc = res.scenario
    return {
        "rackline": __version__, "complete": True, "disclaimer": FOOTER,
        "scenario": sc.name, "source": res.loaded.source, "scenario_hash": scenario_hash(res.loaded.data),
        "overrides": {k: v for k, v in res.loaded.overrides.items()},
        "seed": res.seed, "replications": len(res.reps), "horizon_h": sc.run.horizon,
        "warmup_h": res.warmup, "warmup_method": res.warmup_method,
        "wall_time_s": round(res.wall, 3), "events": int(sum(r.events for r in res.reps)),
        "created": _dt.datetime.now().isoformat(timespec="seconds"),
        "command": command or sys.argv, "versions": versions(), "notes": res.notes,
    }


def write_run(res, out: str | Path, command: list[str] | None = None, plots: bool = True) -> Path:
    """Write a run's results folder atomically; returns the final path."""
    out = Path(out)
    with AtomicDir(out) as tmp:
        (tmp / "scenario.yaml").write_text(
            f"# Resolved scenario ({FOOTER}).\n" + yaml.safe_dump(res.loaded.data, sort_keys=False))
        register(res.loaded).to_csv(tmp / "assumptions.csv", index=False)
        res.kpis.to_csv(tmp / "kpis.csv", index=False)
        res.replications.to_csv(tmp / "replications.csv", index=False)
        res.ranking.to_csv(tmp / "stations.csv", index=False)
        res.stations.to_csv(tmp / "station_metrics.csv", index=False)
        res.timeseries.to_csv(tmp / "timeseries.csv", index=False)
        welch(res.timeseries).to_csv(tmp / "welch.csv", index=False)
        _events(res).to_csv(tmp / "disruptions.csv", index=False)
        _lead_times(res).to_csv(tmp / "lead_times.csv", index=False)
        _timeline(res).to_csv(tmp / "bottleneck_timeline.csv", index=False)
        (tmp / "summary.txt").write_text("\n".join(headline(res) + res.notes) + f"\n\n{FOOTER}\n")
        meta = manifest(res, command)
        if plots:
            from rackline.output.report import render_folder
            render_folder(tmp, meta)
        (tmp / "manifest.json").write_text(json.dumps(meta, indent=2, default=str))
    return out


def _lead_times(res):
    import pandas as pd
    rows = [(r.replication, n, a, f, lt) for r in res.reps for n, d in r.demands.items()
            for a, f, lt in d.lead_times if a >= res.warmup]
    return pd.DataFrame(rows, columns=["replication", "demand", "arrival_h", "filled_h", "lead_h"])


def _timeline(res):
    """Momentary bottleneck segments of replication 0, for the timeline plot."""
    import pandas as pd
    from rackline.analysis.bottleneck import momentary
    rep = res.reps[0]
    segs = momentary(rep.periods, res.warmup, rep.horizon)
    return pd.DataFrame([(s, e, n) for s, e, n, _ in segs], columns=["start_h", "end_h", "station"])


def _events(res):
    import pandas as pd
    rows = [{"replication": r.replication, "disruption": n, "target": t, "start_h": s, "end_h": e, "capacity": c}
            for r in res.reps for n, t, s, e, c in r.disruptions]
    return pd.DataFrame(rows, columns=["replication", "disruption", "target", "start_h", "end_h", "capacity"])
