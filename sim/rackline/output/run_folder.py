"""A run's results folder: every table of the run (`RunResults.frames`), its typed answer
(`answer.json`, read back by the report, the plots and `rackline plot`), the assumption
register, the summary, then the plots and report.html, written through the one folder
writer (`output.folder.AtomicDir`), manifest last."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import openpyxl  # noqa: F401 - the workbook's writer, imported with this module: a run imports it while its workers simulate
import yaml

from rackline.about import FOOTER
from rackline.output.folder import ANSWER, AtomicDir, WorkbookByWorker, manifest, scenario_hash, write_manifest
from rackline.scenario.assumptions import register

if TYPE_CHECKING:
    from rackline.experiments.replications import RunResults


def run_manifest(res: RunResults, command: list[str] | None = None, plots: str = "none") -> dict[str, Any]:
    """The run's manifest; `plots` says what was drawn (`answer`, `all` or `none`: what
    `rackline plot` redraws)."""
    sc = res.scenario
    return manifest(
        "run", scenario_hash=scenario_hash(res.loaded.data), seed=res.seed, replications=len(res.reps),
        warmup_h=res.warmup, wall_time_s=res.wall, command=command,
        scenario=sc.name, source=res.loaded.source, overrides=dict(res.loaded.overrides),
        horizon_h=sc.run.horizon, warmup_method=res.warmup_method,
        events=int(sum(r.events for r in res.reps)), notes=res.notes, plots=plots)


PLOTS_BYTES = 2_000_000     # plots/ and report.html of a run (baseline: about 1.5 MB)


def run_bytes(res: RunResults, plots: bool = True) -> int:
    """About the space a run's folder takes: its tables as text take about twice their
    memory (measured on baseline: 1.3 MB of frames, 2.8 MB folder with plots)."""
    tables = sum(int(df.memory_usage(index=False, deep=True).sum()) for df in res.frames().values())
    return 2 * tables + (PLOTS_BYTES if plots else 0)


SHEETS = {"kpis": "kpis", "ranking": "stations", "capacity": "capacity"}    # frame -> CSV, sheets of the workbook
TABLES = {"replications": "replications", "stations": "station_metrics", "timeseries": "timeseries", "welch": "welch",
          "disruptions": "disruptions", "lead_times": "lead_times", "bottleneck_timeline": "bottleneck_timeline",
          "bands": "bands"}                                                   # the rest (folder.NOT_SHEETS)


def write_run(res: RunResults, out: str | Path, command: list[str] | None = None, plots: bool = True,
              all_plots: bool = False, jobs: int = 1) -> Path:
    """Write a run's results folder atomically; returns the final path. Every table is one
    of the run's (`RunResults.frames`); `answer.json` keeps the typed answer the report,
    the plots and `rackline plot` read back. `plots` draws the answer's plots and the
    report, `all_plots` every plot. With `jobs` > 1 a worker writes the workbook from
    the sheets' CSVs, written first, while this process writes the rest."""
    out = Path(out)
    with AtomicDir(out) as tmp:
        frames = res.frames()
        register(res.loaded).to_csv(tmp / "assumptions.csv", index=False)
        for name, stem in SHEETS.items():
            frames[name].to_csv(tmp / f"{stem}.csv", index=False)
        if res.scenario.rules:      # which adaptive rules fired, when, doing what
            frames["rules"].to_csv(tmp / "rules.csv", index=False)
        (tmp / "answer.csv").write_text(res.answer.to_frame().to_csv(index=False))
        book = WorkbookByWorker(tmp) if jobs > 1 else None
        try:
            (tmp / "scenario.yaml").write_text(
                f"# Resolved scenario ({FOOTER}).\n" + yaml.safe_dump(res.loaded.data, sort_keys=False))
            for name, stem in TABLES.items():
                frames[name].to_csv(tmp / f"{stem}.csv", index=False)
            (tmp / ANSWER).write_text(res.answer.model_dump_json(indent=1))
            (tmp / "summary.txt").write_text("\n".join(res.answer.lines() + res.notes) + f"\n\n{FOOTER}\n")
            meta = run_manifest(res, command, "all" if plots and all_plots else "answer" if plots else "none")
            if plots:      # matplotlib only when drawing: --no-plots never imports it
                from rackline.output.report import render_folder
                render_folder(tmp, meta, every=all_plots)
            write_manifest(tmp, meta, book)
        except BaseException:
            if book is not None:
                book.close()
            raise
    return out
