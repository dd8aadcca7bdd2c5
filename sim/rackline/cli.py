"""The `rackline` command line. Each command is a function returning an exit code:
0 ok, 1 the run failed (a saved traceback says why), 2 bad input, 130 interrupted
(Ctrl-C), 143 terminated (SIGTERM).

Heavy libraries (pandas, matplotlib) are imported inside commands, so `--help`
answers at once.
"""
from __future__ import annotations

import gc
import os
import sys
import tempfile
import traceback
from typing import Any

import click

from rackline.about import FOOTER, __version__
from rackline.cli_planning import CONFIRM_ABOVE
from rackline.collector import long_lived
from rackline.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_TERMINATED
from rackline.output.progress import Progress
from rackline.quantities import counted

# One BLAS thread a process unless the user set one, before numpy loads: rackline runs in parallel by
# processes, and OpenBLAS's idle threads spin after each call (~0.25 s CPU of a one-replication run)
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="rackline")
def cli() -> None:
    """rackline: what limits U.S. production of AI data-center racks, and what if?

    Scenarios are YAML files (see scenarios/ and the README's key reference).
    Every number in them is an assumption: no public source gives volumes.

    \b
    Typical session:
      rackline validate scenarios/*.yaml
      rackline assumptions scenarios/baseline.yaml --guess
      rackline run scenarios/baseline.yaml --reps 5 --jobs 2
      rackline run scenarios/baseline.yaml --set sites.wisconsin.stations.l11_test.servers=10
      rackline screen scenarios/baseline.yaml --jobs 2      # which guesses move the answer

    Exit codes: 0 ok, 1 run failed, 2 bad input, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).
    """


@cli.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--reps", type=click.IntRange(min=1), default=None, help="Replications (default: run.replications).")
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Root seed (default: run.seed).")
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUE",
              help="Override a value by dotted path, e.g. --set suppliers.optics_asia.lead_time.mean='8 w'.")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Results folder (default: results/<scenario>/<timestamp>).")
@click.option("--jobs", type=click.IntRange(min=1), default=1, help="Worker processes for replications.")
@click.option("--precision", type=click.FloatRange(min=0.001, max=1), default=None,
              help="Start from --reps or run.replications (at least 3) and add replications until "
                   "throughput CIs are within this share of the mean (e.g. 0.05).")
@click.option("--assumptions", "workbook", type=click.Path(dir_okay=False), default=None,
              help="Apply the edited cells of a register workbook (rackline assumptions --xlsx) as overrides.")
@click.option("--no-plots", is_flag=True, help="Skip plots and report.html (faster).")
@click.option("--all-plots", is_flag=True,
              help="Draw every plot: the network picture, station states, throughput, inventory, lead times, "
                   "money... (by default only the answer's: output vs demand).")
def run(scenario: str, reps: int | None, seed: int | None, sets: tuple[str, ...], out: str | None, jobs: int,
        precision: float | None, no_plots: bool, workbook: str | None, all_plots: bool) -> int:
    """Simulate SCENARIO and write a results folder.

    The folder holds manifest.json, the resolved scenario.yaml, assumptions.csv,
    kpis.csv (mean and 95% CI per KPI, inside its range), replications.csv, stations.csv (ranked
    bottlenecks), timeseries.csv, plots and report.html. Same scenario and seed
    give identical numbers, whatever --jobs.
    """
    from rackline.errors import disk_space, interruptible
    from rackline.experiments.running import Running, first_round
    from rackline.output.folder import check_destination, default_out
    from rackline.scenario.register_xlsx import load_with_workbook  # here: the scenario package is slow to import
    with interruptible("while loading the scenario, before any replication ran"):
        loaded, set_lines = load_with_workbook(scenario, sets, workbook)
        dest = check_destination(out or default_out(loaded.scenario.name))
    n, root = loaded.scenario.run.resolve(reps, seed)
    from rackline.cli_planning import capped_jobs
    jobs = capped_jobs(jobs, None if precision else n)
    bar = Progress(n, f"{loaded.scenario.name}", "rep", jobs=jobs)
    try:       # the workers start here, and this process imports what it analyses with while they run;
        # the collector skips start-up's objects meanwhile, here and in the workers' copies
        with long_lived(), Running(loaded, list(range(first_round(reps, precision, n))), root, jobs) as running:
            from rackline.experiments.replications import run_replications
            from rackline.output.run_folder import run_bytes, write_run
            from rackline.scenario.landed import fixed_splits_touched
            from rackline.scenario.resolve import reorder_warnings
            notices = reorder_warnings(loaded.as_written) + fixed_splits_touched(loaded.scenario,
                                                                                  list(loaded.overrides))
            res = run_replications(loaded, reps, jobs, seed, precision, progress=bar.update, on_total=bar.set_total,
                                   running=running)
    finally:
        bar.close()
    with interruptible(f"after {len(res.reps)} replications, while writing {dest}"), \
            disk_space(dest, run_bytes(res, not no_plots), "no results were written"), long_lived():
        folder = write_run(res, dest, plots=not no_plots, all_plots=all_plots, jobs=jobs)
    for line in set_lines:     # what the flags and the workbook changed, so a mistyped value shows
        click.echo(line)
    for line in res.answer.lines() + res.notes:
        click.echo(line)
    for line in notices:       # about the scenario alone: found while the workers ran
        click.echo(f"Warning: {line}")
    from rackline.output.html import hours
    click.echo(f"Results: {folder}  ({counted(len(res.reps), 'replication')}, warm-up {hours(res.warmup)}, "
               f"{res.wall:.1f} s)")
    click.echo(FOOTER)
    return EXIT_OK


@cli.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--variant", "variant_specs", multiple=True, metavar="NAME:PATH=VALUE",
              help="Compare the (single) scenario with a variant of itself; repeat to add keys or variants.")
@click.option("--set", "sets", multiple=True, metavar="NAME:PATH=VALUE",
              help="Override a value in the scenario called NAME (its `name:` or file stem).")
@click.option("--reps", type=click.IntRange(min=2), default=None, help="Replications per scenario.")
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Root seed shared by all scenarios.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, help="Worker processes.")
@click.option("--out", type=click.Path(file_okay=False), default=None, help="Folder (default results/compare/...).")
@click.option("--assumptions", "workbook", type=click.Path(dir_okay=False), default=None,
              help="Apply the edited cells of a register workbook (rackline assumptions --xlsx) to every scenario.")
@click.option("--no-plots", is_flag=True, help="Skip plots and report.html.")
def compare(scenarios: tuple[str, ...], variant_specs: tuple[str, ...], sets: tuple[str, ...],
            reps: int | None, seed: int | None, jobs: int, out: str | None, no_plots: bool, workbook: str | None) -> int:
    """Compare scenarios with common random numbers and paired differences.

    \b
    rackline compare scenarios/baseline.yaml scenarios/localization.yaml
    rackline compare scenarios/baseline.yaml \\
        --variant more_bays:sites.wisconsin.stations.l11_test.servers=12

    Every scenario runs the same replications with the same seed; differences from
    the first come with paired-t CIs (Bonferroni-adjusted for several scenarios).
    """
    from pathlib import Path

    from rackline.errors import Problem, ScenarioError, disk_space
    from rackline.experiments.compare import compare as run_compare
    from rackline.experiments.compare import variants
    from rackline.output.compare_report import summary_lines, write_compare
    from rackline.output.folder import check_destination, default_out
    from rackline.output.run_folder import run_bytes
    from rackline.scenario import load_scenario
    from rackline.scenario.paths import parse_assignment
    by_name: dict[str, dict[str, Any]] = {}
    for spec in sets:
        name, _, rest = spec.partition(":")
        if not rest:
            raise ScenarioError([Problem("--set", None, "", f"expected NAME:PATH=VALUE, got {spec!r}")])
        path, value = parse_assignment(spec)  # the flag's whole text names it in messages
        path = path.partition(":")[2]
        by_name.setdefault(name, {})[path] = value
    from rackline.scenario.register_xlsx import apply_edits, override_lines, read_edits
    edits = read_edits(workbook) if workbook else []
    loaded, set_lines, first_edits = [], [], None
    for path in scenarios:
        base = load_scenario(path)
        key = next((k for k in (base.scenario.name, Path(path).stem) if k in by_name), None)
        ld, applied = apply_edits(path, edits, by_name.pop(key) if key else {})
        first_edits = {e.path: e.value for e in applied} if first_edits is None else first_edits
        loaded.append((ld.scenario.name, ld))
        set_lines += [f"{ld.scenario.name}: {line}" for line in override_lines(ld, applied) if applied]
    if by_name:
        raise ScenarioError([Problem("--set", None, "", f"expected a scenario name among "
                                                         f"{[n for n, _ in loaded]}, got {sorted(by_name)}")])
    if variant_specs:
        if len(scenarios) != 1:
            raise ScenarioError([Problem("--variant", None, "", "expected one base scenario with --variant")])
        base = loaded[0][1]
        for name, overrides in variants(base, list(variant_specs)):
            loaded.append((name, load_scenario(scenarios[0], {**(first_edits or {}), **overrides}, source="--variant")))
    if len(loaded) < 2:
        raise ScenarioError([Problem("compare", None, "", "expected two or more scenarios (or --variant)")])
    dest = check_destination(out or default_out("compare"))
    n = loaded[0][1].scenario.run.resolve(reps, seed)[0] * len(loaded)
    from rackline.cli_planning import capped_jobs
    jobs = capped_jobs(jobs, n // len(loaded))       # one scenario's replications run at a time
    bar = Progress(n, "compare", "rep", jobs=jobs)
    try:
        cmp = run_compare(loaded, reps, jobs, seed, progress=bar.update)
    finally:
        bar.close()
    with disk_space(dest, sum(run_bytes(r, not no_plots) for r in cmp.runs), "no results were written"), \
            long_lived():
        folder = write_compare(cmp, dest, plots=not no_plots)
    for line in set_lines:
        click.echo(line)
    for line in summary_lines(cmp):
        click.echo(line)
    click.echo(f"Results: {folder}")
    click.echo(FOOTER)
    return EXIT_OK




@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--vary", multiple=True, metavar="PATH=LOW:HIGH[:STEPS]",
              help="Short form on a scenario file: a parameter and its range (repeat).")
@click.option("--method", type=click.Choice(["grid", "oat", "lhs", "sobol", "morris"]), default="oat",
              show_default=True, help="Design for --vary.")
@click.option("--reps", type=click.IntRange(min=1), default=2, show_default=True, help="Replications per point (--vary).")
@click.option("--samples", type=click.IntRange(min=1), default=16, show_default=True,
              help="lhs points / sobol N / morris trajectories (--vary).")
@click.option("--kpi", "kpis", multiple=True, default=("throughput",), show_default=True,
              help="KPI of interest, `kpi` or `kpi:subject` (--vary; repeat).")
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Root seed (--vary).")
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True, help="Local worker processes.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run on a Dask cluster: tcp://HOST:8786, or local-dask to start one here with --jobs workers.")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Sweep folder (default a new results/sweeps/<name>/<timestamp>); the store --resume reads.")
@click.option("--resume", is_flag=True, help="Finish an interrupted sweep (in --out, else the latest of its name): "
                                             "run only the missing tasks.")
@click.option("--yes", is_flag=True, help=f"Do not ask before designs of more than {CONFIRM_ABOVE} runs.")
@click.option("--assumptions", "workbook", type=click.Path(dir_okay=False), default=None,
              help="Apply the edited cells of a register workbook (rackline assumptions --xlsx) to the base scenario.")
@click.option("--no-plots", is_flag=True, help="Skip plots and report.html.")
def sweep(file: str, vary: tuple[str, ...], method: str, reps: int, samples: int, kpis: tuple[str, ...],
          seed: int | None, jobs: int, scheduler: str | None, out: str | None, resume: bool, yes: bool,
          no_plots: bool, workbook: str | None) -> int:
    """Vary assumptions and see which ones matter.

    \b
    rackline sweep scenarios/sweeps/baseline_uncertainty.yaml --jobs 2
    rackline sweep scenarios/baseline.yaml --method oat \\
        --vary sites.wisconsin.stations.integrate.servers=2:5:4 \\
        --vary suppliers.optics_asia.lead_time.mean='8 w:16 w:3'
    rackline sweep FILE --resume                  # after Ctrl-C, a crash or a kill
    rackline sweep FILE --scheduler tcp://10.0.0.5:8786

    Every (point, replication) is a task committed to sweep.db in the sweep folder
    as it finishes; --resume runs only what is missing and gives the same results as
    an uninterrupted sweep. Exports: experiments.csv, results.csv, summary.csv,
    analysis tables, plots/ and report.html.
    """

    from rackline.api import sweep as run_and_write
    from rackline.cli_planning import capped_jobs, confirm_large
    from rackline.errors import disk_space
    from rackline.experiments.sweep import build, load_sweep, sweep_from_args
    from rackline.experiments.sweep.design import design_size
    from rackline.experiments.sweep.execute import design_hash
    from rackline.output.sweep_report import check_sweep_folder, sweep_folder
    from rackline.scenario.budget import estimate_events
    from rackline.scenario.register_xlsx import workbook_loader
    load, set_lines = workbook_loader(workbook)
    if vary:
        sw = sweep_from_args(file, list(vary), method, reps, samples, seed, list(kpis), load)
    else:
        sw = load_sweep(file, load)
    for line in set_lines:
        click.echo(line)
    n = design_size(sw) * sw.spec.replications      # from the spec: nothing is built before it is allowed
    jobs = capped_jobs(jobs, n)
    confirm_large(n, f"{sw.spec.method} design of up to {counted(n // sw.spec.replications, 'point')} x "
                     f"{counted(sw.spec.replications, 'replication')}", estimate_events(sw.base.scenario).seconds(),
                  jobs, yes)
    design = build(sw)
    n = len(design.overrides) * sw.spec.replications
    folder = sweep_folder(sw.name, out, resume)
    check_sweep_folder(folder, resume, design_hash(sw.base.data, design, sw.spec.replications, sw.spec.seed), sw.name)
    click.echo(f"Sweep {sw.name}: {design.method} design, {counted(len(design.overrides), 'point')} x "
               f"{counted(sw.spec.replications, 'replication')} = {counted(n, 'run')} -> {folder}")
    done = 0
    if resume:
        from rackline.experiments.sweep.store import Store
        if (folder / "sweep.db").exists():
            st = Store(folder / "sweep.db")
            done = len(st.done())
            st.close()
    bar = Progress(n, sw.name, "run", initial=done, jobs=jobs)
    try:
        with disk_space(folder, None, "the tasks finished so far are kept in its sweep.db; free some space and "
                                      "rerun with --resume"):
            outcome = run_and_write(sw, folder, jobs, scheduler, resume, not no_plots, bar.update)
    finally:
        bar.close()
    failed = f"{outcome.failed} failed (see errors.csv)" if outcome.failed else "none failed"
    click.echo(f"Done: {counted(outcome.ran, 'run')} now, {failed}; results in {outcome.folder}")
    from rackline.output.sweep_report import influence_lines
    for line in influence_lines(outcome.analysis, list(sw.spec.kpis)):
        click.echo(line)
    for note in outcome.tables.notes:
        click.echo(f"Warning: {note}")
    click.echo(FOOTER)
    return EXIT_OK


@cli.command()
@click.argument("results_dir", type=click.Path(file_okay=False))
@click.option("--all", "every", is_flag=True, help="Draw every plot, not only the answer's.")
def plot(results_dir: str, every: bool) -> int:
    """Redraw plots/ and report.html of RESULTS_DIR from its saved tables (no rerun).

    Without --all it draws the plots the folder has (a run draws the answer's plot;
    run with --all-plots, every plot); with --all, every plot the run supports."""
    from pathlib import Path

    from rackline.errors import RacklineError
    from rackline.output.folder import is_complete, read_manifest
    from rackline.output.report import ANSWER_PLOTS, render_folder
    if not is_complete(results_dir):
        raise RacklineError(f"{results_dir}: expected a complete results folder (with manifest.json "
                            "marked complete), got something else; rerun `rackline run`")
    had = {p.stem for p in (Path(results_dir) / "plots").glob("*.png")}
    every = every or read_manifest(results_dir).get("plots") == "all"      # a run drawn with --all-plots
    files = render_folder(Path(results_dir), every=every, only=None if every else had | set(ANSWER_PLOTS))
    click.echo(f"Redrew {counted(len(files) - 1, 'plot')} and {Path(results_dir) / 'report.html'}")
    return EXIT_OK


from rackline.cli_inspect import assumptions, capacity, schema, validate  # noqa: E402 - defined apart
from rackline.cli_planning import discover, optimize  # noqa: E402 - defined apart, registered here
from rackline.cli_robust import robust  # noqa: E402 - defined apart, registered here
from rackline.cli_screen import screen  # noqa: E402 - defined apart, registered here

for command in (validate, assumptions, capacity, schema, discover):
    cli.add_command(command)
cli.add_command(optimize)
cli.add_command(robust)
cli.add_command(screen)


def _save_traceback() -> str:
    fd, path = tempfile.mkstemp(prefix="rackline-crash-", suffix=".txt")
    with os.fdopen(fd, "w") as fh:
        fh.write(f"rackline {__version__}\nargv: {sys.argv}\n\n")
        traceback.print_exc(file=fh)
    return path


def main(argv: list[str] | None = None) -> int:
    """Entry point: never shows a traceback for bad input; saves one for crashes."""
    from rackline.errors import RacklineError, RunInterrupted
    from rackline.signals import StopSignals
    with StopSignals() as signals:
        try:
            signals.raise_pending()
            rv = cli.main(args=argv, prog_name="rackline", standalone_mode=False)
            return rv if isinstance(rv, int) else EXIT_OK
        except click.exceptions.Abort:     # click's form of a KeyboardInterrupt outside a named step
            click.echo("Interrupted; no results were written.", err=True)
            return signals.exit_code()
        except click.ClickException as exc:
            exc.show()
            return EXIT_BAD_INPUT
        except RacklineError as exc:
            click.echo(str(exc), err=True)
            return getattr(exc, "exit_code", EXIT_BAD_INPUT)
        except (KeyboardInterrupt, RunInterrupted) as exc:
            kept = getattr(exc, "kept", "")
            click.echo("Interrupted; " + (kept or "no results were written."), err=True)
            return signals.exit_code()
        except FileExistsError as exc:
            click.echo(f"error: {exc}", err=True)
            return EXIT_BAD_INPUT
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            if signals.received is not None:  # an error the interruption caused, e.g. in a library
                click.echo(f"Interrupted ({type(exc).__name__}: {exc}); no results were written.", err=True)
                return signals.exit_code()
            from rackline.errors import disk_error
            why = disk_error(exc)
            if why is not None:     # a full or failing disk outside a named write: no traceback file either
                where = getattr(exc, "filename", None)
                click.echo(f"{where or 'rackline'}: could not write ({why}); free some space and rerun", err=True)
                return EXIT_FAILED
            path = _save_traceback()
            click.echo(f"rackline failed: {type(exc).__name__}: {exc} (traceback saved to {path})", err=True)
            return EXIT_FAILED


def entry() -> None:  # pragma: no cover
    code = main()
    if code in (EXIT_INTERRUPTED, EXIT_TERMINATED):
        # Exit at once with our code: the interruption is handled and workers are gone,
        # but if the KeyboardInterrupt passed through certain C code (scipy's lazy
        # imports), CPython's exit re-raises SIGINT on itself (status -2 instead of 130).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    # The process ends here: spare the interpreter's last full collection of everything it
    # holds (~0.1 s CPU of a one-replication baseline run); modules and atexit hooks still
    # run, only cycles are left to the operating system to reclaim.
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    entry()
