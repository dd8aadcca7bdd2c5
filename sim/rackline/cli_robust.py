"""`rackline robust`: which plan holds up across many futures.

Registered on the `rackline` group in `rackline.cli`, which handles errors and signals
for every command alike.
"""
from __future__ import annotations

import sys

import click

from rackline.about import FOOTER
from rackline.cli_planning import CONFIRM_ABOVE
from rackline.errors import EXIT_OK
from rackline.output.progress import Progress


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True,
              help="Local worker processes (the answer does not depend on it).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run on a Dask cluster: tcp://HOST:8786, or local-dask to start one here with --jobs workers.")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Study folder (default results/robust/<name>); the store that --resume reads.")
@click.option("--resume", is_flag=True, help="Finish an interrupted study: run only the missing tasks.")
@click.option("--yes", is_flag=True, help=f"Run studies of more than {CONFIRM_ABOVE} runs without asking.")
@click.option("--no-plots", is_flag=True, help="Skip plots and report.html.")
@click.option("--assumptions", "workbook", type=click.Path(dir_okay=False), default=None,
              help="Apply the edited cells of a register workbook (rackline assumptions --xlsx) to the base "
                   "scenario first; every plan and future starts from the edited base.")
def robust(file: str, jobs: int, scheduler: str | None, out: str | None, resume: bool, yes: bool, no_plots: bool,
           workbook: str | None) -> int:
    """Compare plans across many futures: regret, satisficing, a recommended plan.

    \b
    rackline robust scenarios/robust/option_to_buy.yaml --jobs 2
    rackline robust FILE --out results/study --resume     # after Ctrl-C, a crash or a kill
    rackline robust FILE --assumptions register.xlsx      # the base with a planner's edits

    FILE names a base scenario, plans (named sets of --set values, or a grid), futures
    (uncertainties sampled by LHS or Sobol, plus named futures), targets
    (`fill_rate:openai_gen1 >= 0.95`) and the KPI regret is measured on. Every plan runs
    every future with the same seed (common random numbers), so plans are compared in
    pairs. Prints the recommended plan and why, each plan's satisficing share and
    regret, and where the recommended plan fails (PRIM over the sampled futures).

    Writes plans.csv, kpis.csv, values.csv, regret.csv, targets.csv, futures.csv,
    plots/, report.html and results.xlsx.
    """
    from pathlib import Path

    from rackline.api import robust as run_and_write
    from rackline.experiments.robust import load_study, study_hash
    from rackline.output.robust_report import check_robust_folder, summary_lines
    from rackline.scenario.register_xlsx import workbook_loader
    load, set_lines = workbook_loader(workbook)
    study = load_study(file, load)
    for line in set_lines:     # what the workbook changed, so a mistyped value shows
        click.echo(line)
    n = study.runs
    folder = Path(out) if out else Path("results") / "robust" / study.name
    if n > CONFIRM_ABOVE and not yes:
        if not sys.stdin.isatty():
            raise click.UsageError(f"{file}: {n} runs ({len(study.plans)} plans x {len(study.futures)} futures x "
                                   f"{study.spec.replications} replications) is more than {CONFIRM_ABOVE}; "
                                   "add --yes to run it")
        click.confirm(f"{n} runs. Run them?", abort=True)
    check_robust_folder(folder, resume, study_hash(study))
    click.echo(f"Study {study.name}: {len(study.plans)} plans x {len(study.futures)} futures x "
               f"{study.spec.replications} replications = {n} runs -> {folder}")
    done = 0
    if resume:
        from rackline.experiments.robust import STORE
        from rackline.experiments.sweep.store import Store
        st = Store(folder / STORE)
        done = len(st.done())
        st.close()
    bar = Progress(n, study.name, "run", initial=done, jobs=jobs)
    try:
        outcome = run_and_write(study, folder, jobs, scheduler, resume, not no_plots, bar.update)
    finally:
        bar.close()
    for line in summary_lines(outcome):
        click.echo(line)
    failed = f"; {outcome.failed} runs failed (see errors.csv)" if outcome.failed else ""
    click.echo(f"Done: {outcome.ran} runs now{failed}; results in {outcome.folder}")
    click.echo(FOOTER)
    return EXIT_OK
