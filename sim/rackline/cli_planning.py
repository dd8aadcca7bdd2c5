"""`rackline discover` and `rackline optimize`: the commands that answer "under which
assumptions does the plan fail?" and "what is the cheapest plan that meets the targets?".

Registered on the `rackline` group in `rackline.cli`, which handles errors and signals
for every command alike.
"""
from __future__ import annotations

import sys

import click

from rackline.about import FOOTER
from rackline.errors import EXIT_OK, disk_space
from rackline.output.progress import Progress
from rackline.quantities import counted

CONFIRM_ABOVE = 2000    # runs a design (sweep, optimize, screen, robust study) may have without --yes


def confirm_large(runs: int, what: str, seconds_per_run: float, jobs: int, yes: bool) -> None:
    """Ask (or, without a terminal, refuse) before more than CONFIRM_ABOVE runs, from the
    design's size alone: nothing is built or run before it is allowed."""
    from rackline.scenario.budget import span_text
    if runs <= CONFIRM_ABOVE or yes:
        return
    text = (f"{what} = {counted(runs, 'run')} is a large design (about {span_text(seconds_per_run * runs / min(jobs, runs))} "
            f"on {jobs} workers by the base scenario's estimate)")
    if not sys.stdin.isatty():
        raise click.UsageError(f"{text}; add --yes to run it without a prompt")
    click.confirm(f"{text}. Run it?", abort=True)


def capped_jobs(jobs: int, tasks: int | None) -> int:
    """--jobs within what can be used (one worker per task, a multiple of the cores), said when capped."""
    from rackline.experiments.executors import usable_jobs
    n, note = usable_jobs(jobs, tasks)
    if note:
        click.echo(note)
    return n


@click.command()
@click.argument("sweep_dir", type=click.Path(file_okay=False))
@click.option("--where", required=True, metavar='"KPI < X"',
              help='Which cases are of interest: "fill_rate < 0.9", "throughput:rack_gen1 < 22" (<, <=, >, >=; '
                   "the threshold in the KPI's unit as in results.csv).")
@click.option("--box", type=click.IntRange(min=0), default=None,
              help="Pick box N on the peeling trajectory (default: best balance of coverage and density).")
@click.option("--min-mass", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.05,
              show_default=True, help="Smallest share of the cases a box may hold (PRIM stops peeling there).")
@click.option("--per-replication", is_flag=True,
              help="One case per (point, replication) instead of per point (KPI mean over replications).")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Folder (default SWEEP_DIR/discover/<condition>).")
@click.option("--no-plots", is_flag=True, help="Skip plots and report.html.")
def discover(sweep_dir: str, where: str, box: int | None, min_mass: float, per_replication: bool,
             out: str | None, no_plots: bool) -> int:
    """Find the assumptions under which a plan fails, from a finished sweep.

    \b
    rackline sweep scenarios/sweeps/FILE.yaml            # method: lhs or sobol
    rackline discover results/sweeps/NAME --where "fill_rate < 0.9"
    rackline discover results/sweeps/NAME --where "throughput:rack_gen1 < 22" --box 12

    Each sweep point is a case (the KPI's mean over its replications); --where marks
    the cases of interest. PRIM peels the sampled space, 5% of the cases at a time,
    down to a box where those cases concentrate, and prints it as limits in the
    sweep's units, with coverage (share of the cases of interest inside the box) and
    density (share of the box's cases that are of interest). Peeling gives a
    trajectory of ever smaller, denser boxes: look at trajectory.csv or the plot,
    and pick one with --box N. A CART tree (tree.txt) is a second view.

    Writes trajectory.csv, box.csv, cases.csv, tree.txt, plots/ and report.html.
    """
    from pathlib import Path

    from rackline.analysis.discover import build_cases
    from rackline.analysis.discover import discover as find_boxes
    from rackline.output.discover_report import default_folder, summary_lines, write_discovery
    cases, notes = build_cases(sweep_dir, where, per_replication)
    found = find_boxes(cases, box, min_mass)
    folder = Path(out) if out else default_folder(Path(sweep_dir), cases.condition.text)
    write_discovery(found, folder, Path(sweep_dir), notes, command=sys.argv, plots=not no_plots)
    for line in summary_lines(found, notes):
        click.echo(line)
    click.echo(f"Results: {folder}")
    click.echo(FOOTER)
    return EXIT_OK


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True,
              help="Worker processes for replications (the answer does not depend on it).")
@click.option("--trials", type=click.IntRange(min=1), default=None, help="Candidates to try (default: the file's).")
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Results folder (default results/optimize/<name>); the study sits beside it as <out>.study.db.")
@click.option("--resume", is_flag=True, help="Finish an interrupted search from its study database.")
@click.option("--assumptions", "workbook", type=click.Path(dir_okay=False), default=None,
              help="Apply the edited cells of a register workbook (rackline assumptions --xlsx) to the base scenario.")
@click.option("--yes", is_flag=True, help="Do not ask before searches of more than 2000 runs.")
@click.option("--no-plots", is_flag=True, help="Skip the convergence plot and report.html.")
def optimize(file: str, jobs: int, trials: int | None, out: str | None, resume: bool, yes: bool,
             no_plots: bool, workbook: str | None) -> int:
    """Find the cheapest plan that meets KPI targets with stated confidence.

    \b
    rackline optimize scenarios/optimize/test_bays_and_technicians.yaml --jobs 2
    rackline optimize FILE --out results/opt --resume     # after Ctrl-C, a crash or a kill

    FILE names a base scenario, decision variables (dotted paths as in --set, with
    low/high/step or choices), constraints such as `throughput:rack_gen1 >= 40 per week`
    (each must hold at its one-sided 95% confidence bound), and objectives (minimise
    a weighted sum of variables, a KPI; several give a Pareto front via NSGA-II).

    Optuna's TPE proposes candidates; every candidate runs the same replications
    with the same seed (common random numbers). The best few are then re-run with
    more replications and one is selected by a ranking-and-selection procedure, so the
    plan printed is the best within the file's indifference delta with 95% confidence.
    It is printed as --set values and written as plan.yaml (a scenario that extends
    the base), with trials.csv, plan.csv (constraint CIs), finalists.csv, plots and
    report.html. The same file and seed give the same plan, interrupted or not.
    """
    from pathlib import Path

    from rackline.experiments.optimize import load_optimize, run_optimize, study_db
    from rackline.scenario.register_xlsx import workbook_loader
    load, set_lines = workbook_loader(workbook)
    problem = load_optimize(file, load)
    for line in set_lines:
        click.echo(line)
    folder = Path(out) if out else Path("results") / "optimize" / problem.name
    n = trials or problem.spec.trials
    jobs = capped_jobs(jobs, None)
    from rackline.scenario.budget import estimate_events
    final = problem.spec.final
    confirm_large(n * problem.spec.replications + final.candidates * final.max_replications,
                  f"{counted(n, 'trial')} x {counted(problem.spec.replications, 'replication')} and "
                  f"{counted(final.candidates, 'finalist')} x up to {final.max_replications}",
                  estimate_events(problem.base.scenario).seconds(), jobs, yes)
    click.echo(f"Optimize {problem.name}: {counted(len(problem.variables), 'variable')}, "
               f"{counted(len(problem.constraints), 'constraint')}, {counted(n, 'trial')} x "
               f"{counted(problem.spec.replications, 'replication')} -> {folder}")
    bar = Progress(n, problem.name, "trial", jobs=jobs)
    try:
        with disk_space(folder, None, "the search done so far is kept in its study database; free some space "
                                      "and rerun with --resume"):
            outcome = run_optimize(problem, folder, jobs, trials, resume, progress=bar.update)
    finally:
        bar.close()
    from rackline.output.optimize_report import summary_lines, write_optimize
    with disk_space(folder, None, "the search is kept in its study database; free some space and rerun with "
                                  "--resume"):
        write_optimize(outcome, plots=not no_plots)
    for line in summary_lines(outcome.selection):
        click.echo(line)
    click.echo(f"Search: {counted(outcome.trials, 'trial')}, {counted(outcome.simulated, 'candidate')} simulated now; "
               f"study {study_db(folder)}; results {folder}")
    click.echo(FOOTER)
    return EXIT_OK
