"""`rackline screen`: which of a scenario's guesses move its answer (registered on the
`rackline` group in `rackline.cli`)."""
from __future__ import annotations

import sys

import click

from rackline.about import FOOTER
from rackline.cli_planning import CONFIRM_ABOVE
from rackline.errors import EXIT_OK
from rackline.output.progress import Progress


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--all", "everything", is_flag=True, help="Every numeric assumption, not only those noted GUESS.")
@click.option("--trajectories", type=click.IntRange(min=2), default=8, show_default=True,
              help="Morris trajectories (each runs every assumption once).")
@click.option("--reps", type=click.IntRange(min=1), default=1, show_default=True, help="Replications per point.")
@click.option("--kpi", "kpis", multiple=True, help="KPI to rank on, `kpi` or `kpi:subject` (default: the question's).")
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Root seed (default: run.seed).")
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True, help="Local worker processes.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run on a Dask cluster: tcp://HOST:8786, or local-dask to start one here with --jobs workers.")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Folder (default results/screen/<scenario>-<design hash>; rerun the same command to resume).")
@click.option("--yes", is_flag=True, help=f"Do not ask before screens of more than {CONFIRM_ABOVE} runs.")
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help="Override a value first (repeat).")
@click.option("--assumptions", "workbook", type=click.Path(dir_okay=False), default=None,
              help="Apply the edited cells of a register workbook first.")
@click.option("--no-plots", is_flag=True, help="Skip plots and report.html.")
def screen(scenario: str, everything: bool, trajectories: int, reps: int, kpis: tuple[str, ...],
           seed: int | None, jobs: int, scheduler: str | None, out: str | None, yes: bool,
           sets: tuple[str, ...], workbook: str | None, no_plots: bool) -> int:
    """Which guesses move the answer: a Morris screen of SCENARIO's GUESS assumptions.

    \b
    rackline screen scenarios/baseline.yaml --jobs 2
    rackline screen scenarios/baseline.yaml --all --trajectories 12 --kpi fill_rate:openai_gen1

    Each numeric assumption whose note says GUESS varies over its declared range
    (`{value: 3, note: "GUESS", range: [2, 4]}`) or a default one: ±25% for fractions
    within 0-1, ±50% for counts, durations, rates and money. Morris trajectories move one
    assumption at a time; the influence of each (μ*, the mean change of a KPI across its
    range) and its spread (σ: interactions, curvature) rank them on the question's KPIs.
    Prints the top ten; writes ranking.csv, morris_<kpi>.csv, skipped.csv, plots and
    report.html. Interrupted? Run the same command again: it resumes.
    """
    from rackline.experiments.screen import default_folder, plan, run_screen, seconds_per_run
    from rackline.output.folder import check_destination, remove_manifest
    from rackline.output.screen_report import summary_lines, write_screen
    from rackline.scenario.register_xlsx import load_with_workbook
    from rackline.units import format_hours
    loaded, set_lines = load_with_workbook(scenario, sets, workbook)
    for line in set_lines:
        click.echo(line)
    sc = plan(loaded, everything=everything, trajectories=trajectories, reps=reps, seed=seed, kpis=list(kpis))
    from pathlib import Path
    folder = Path(out) if out else default_folder(sc)
    check_destination(folder, may_exist=True)
    from rackline.experiments.sweep.store import STORE, Store
    done = 0
    if (folder / STORE).exists():
        st = Store(folder / STORE)
        done = len(st.done())
        st.close()
    left = sc.runs - done
    per_run = seconds_per_run(sc) if left else 0.0
    click.echo(f"Screen {loaded.scenario.name}: {len(sc.ranges)} assumptions ({len(sc.skipped)} not varied), "
               f"{trajectories} trajectories x {len(sc.design.names) + 1} points x {reps} replication"
               f"{'s' if reps > 1 else ''} = {sc.runs} runs -> {folder}")
    secs = per_run * left / jobs
    rounded = (round(secs) / 3600 if secs < 90 else round(secs / 60) / 60 if secs < 5400
               else round(secs / 360) / 10)     # '45 s', '8 min', '2.5 h'
    click.echo(f"Estimate: at least {format_hours(rounded)} for {left} runs with --jobs {jobs} "
               f"({per_run:.2f} s a run here; more if other work shares the cores)"
               + (f"; resuming, {done} runs already done" if done else ""))
    if left > CONFIRM_ABOVE and not yes:
        if not sys.stdin.isatty():
            raise click.UsageError(f"{left} runs is a large screen; add --yes to run it without a prompt "
                                   f"(or fewer --trajectories)")
        click.confirm("Run it?", abort=True)
    remove_manifest(folder)
    bar = Progress(sc.runs, sc.sweep.name, "run", initial=done, jobs=jobs)
    try:
        outcome = run_screen(sc, folder, jobs, scheduler, bar.update)
    finally:
        bar.close()
    write_screen(outcome, plots=not no_plots, command=sys.argv)
    for line in summary_lines(outcome):
        click.echo(line)
    click.echo(f"Results: {folder}")
    click.echo(FOOTER)
    return EXIT_OK
