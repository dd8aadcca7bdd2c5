"""The commands that look at a scenario without simulating it: `validate`, `assumptions`,
`capacity` and `schema` (registered on the `rackline` group in `rackline.cli`)."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import click

from rackline.about import FOOTER
from rackline.errors import EXIT_BAD_INPUT, EXIT_OK
from rackline.quantities import counted

if TYPE_CHECKING:
    from rackline.analysis.capacity import CapacityTable


@click.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(scenarios: tuple[str, ...]) -> int:
    """Check scenario files: schema, units, references, sources of every item.

    Prints every problem as FILE:LINE: at PATH: expected ..., got ...
    and exits 2 if any file has one.
    """
    from rackline.errors import ScenarioError
    from rackline.scenario import load_scenario
    from rackline.scenario.load import is_optimize_data, is_study_data, is_sweep_data
    from rackline.scenario.yamlfile import load_yaml_file
    bad = 0
    for path in scenarios:
        try:
            data = load_yaml_file(path).data
            if is_optimize_data(data):
                from rackline.experiments.optimize.spec import load_optimize
                problem = load_optimize(path)
                click.echo(f"{path}: ok (optimize {problem.name}: {counted(len(problem.variables), 'variable')}, "
                           f"{counted(len(problem.constraints), 'constraint')}, "
                           f"{counted(len(problem.objectives), 'objective')} on {problem.base.scenario.name})")
                continue
            if is_study_data(data):
                from rackline.experiments.robust.spec import load_study
                study = load_study(path)
                click.echo(f"{path}: ok (robust study {study.name}: {len(study.plans)} plans x "
                           f"{len(study.futures)} futures x {study.spec.replications} replications = "
                           f"{study.runs} runs on {study.base.scenario.name})")
                continue
            if is_sweep_data(data):
                from rackline.experiments.sweep.spec import load_sweep  # pandas: for sweep files only
                sw = load_sweep(path)
                click.echo(f"{path}: ok (sweep {sw.name}: {sw.spec.method}, {counted(len(sw.axes), 'parameter')} "
                           f"of {sw.base.scenario.name})")
                continue
            loaded = load_scenario(path)
        except ScenarioError as exc:
            bad += 1
            click.echo(str(exc), err=True)
        else:
            sc = loaded.scenario
            n_st = sum(1 for _ in sc.station_items())
            click.echo(f"{path}: ok ({sc.name}: {counted(len(sc.sites), 'site')}, {counted(n_st, 'station')}, "
                       f"{counted(len(sc.items), 'item')})")
            from rackline.scenario.resolve import reorder_warnings
            for line in reorder_warnings(loaded.as_written):
                click.echo(f"{path}: warning: {line}")
    return EXIT_BAD_INPUT if bad else EXIT_OK


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (every column) instead of a table.")
@click.option("--wide", is_flag=True, help="Every column (unit, model units, screening range), notes uncut.")
@click.option("--site", default=None, metavar="NAME", help="Only what belongs to this site (stations, stocks, crews, costs).")
@click.option("--guess", is_flag=True, help="Only values whose note says GUESS.")
@click.option("--grep", default=None, metavar="REGEX", help="Only rows whose path, value or note match (any case).")
@click.option("--changed", is_flag=True, help="Only values that differ from the scenario this one extends (or --set).")
@click.option("--xlsx", type=click.Path(dir_okay=False), default=None,
              help="Also write the register as a workbook to edit (read back with --assumptions).")
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help="Override a value first.")
@click.option("--assumptions", "workbook", type=click.Path(dir_okay=False), default=None,
              help="Apply the edited cells of a register workbook first.")
def assumptions(scenario: str, as_csv: bool, wide: bool, site: str | None, guess: bool, grep: str | None,
                changed: bool, xlsx: str | None, sets: tuple[str, ...], workbook: str | None) -> int:
    """List the parameters of SCENARIO: path, value as written and note.

    \b
    rackline assumptions scenarios/baseline.yaml --guess --site wisconsin
    rackline assumptions scenarios/localization.yaml --changed
    rackline assumptions scenarios/baseline.yaml --grep lead_time --wide
    rackline assumptions scenarios/baseline.yaml --xlsx register.xlsx

    The table fits 100 columns; a value without a note reads NO NOTE: an assumption
    nobody has justified yet.
    """
    from rackline.output.register_table import table_lines
    from rackline.scenario.assumptions import register, select
    from rackline.scenario.register_xlsx import load_with_workbook
    loaded, applied = load_with_workbook(scenario, sets, workbook)
    full = register(loaded)
    reg = select(full, loaded, site=site, guess=guess, grep=grep, changed=changed)
    for line in applied:
        click.echo(line, err=as_csv)      # the CSV on stdout stays CSV
    if wide:      # the range rackline screen would vary each value over (declared or default)
        from rackline.scenario.ranges import screening_ranges
        ranges = {r.path: r.text() for r in screening_ranges(loaded, full)[0]}
        reg = reg.assign(range=reg.path.map(lambda p: ranges.get(p, "")))
    if xlsx:
        from rackline.scenario.register_xlsx import write_register
        write_register(loaded, reg, xlsx)
    if as_csv:
        click.echo(reg.to_csv(index=False), nl=False)
        return EXIT_OK
    for line in table_lines(reg, wide=wide):
        click.echo(line)
    missing = int((~full.has_note).sum())
    shown = f"{len(reg)} of {len(full)} parameters shown" if len(reg) != len(full) else f"{len(full)} parameters"
    click.echo(f"\n{shown}, {missing} without a note.")
    if xlsx:
        click.echo(f"Register written to {xlsx}: edit values, then run with --assumptions {xlsx}")
    click.echo(FOOTER)
    return EXIT_OK


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help="Override a value first (repeat).")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")
@click.option("--target", type=click.FloatRange(0, 1, min_open=True), default=None,
              help="Utilisation the `needed` column sizes for (default 0.85).")
def capacity(scenario: str, sets: tuple[str, ...], as_csv: bool, target: float | None) -> int:
    """Rough-cut capacity of SCENARIO, before any simulation (under a second).

    Demand (its peak within the horizon) is exploded through the bills of
    materials: a station with yield y starts 1/y units per good unit, and failed
    units add rework load. For every station, crew pool, supplier and lane the
    table gives its capacity per week, the load demand puts on it, the
    utilisation, what it needs to carry the peak demand at the target utilisation
    (servers, people, departures a week, or a supply rate; `rackline optimize`
    starts from the same figures), and max_rate: the most products per week it
    allows at the demand's mix (max_scale: as a multiple of demand). With several
    products, one max_rate column per product shows what a shared resource allows
    each.

    \b
    station:  servers x open hours a week x MTBF/(MTBF+MTTR) / hours per unit
    crew:     people x open hours a week, in crew-hours
    supplier: its capacity rate (unlimited if none is given)
    lane:     load_limit x departures a week (unlimited when either is open)
    hall:     a test hall's MW over the week, in MWh; a rack of k kW tested for
              t h takes k x t (its share of power too small for one more rack too)
    allocation: units granted per period, per week

    The first line is the static bottleneck and the rate at which it binds.
    Queueing, variability, buffers, disruptions and ramps are left out: the
    simulation (`rackline run`) adds them, so its output is at most this rate.

    \b
    rackline capacity scenarios/baseline.yaml
    rackline capacity scenarios/baseline.yaml --set sites.wisconsin.stations.integrate.servers=6
    rackline capacity scenarios/baseline.yaml --target 0.75
    """
    import csv
    import io

    from rackline.analysis.capacity import TARGET_UTILISATION, capacity_table, needed_text
    from rackline.quantities import plain_number
    from rackline.scenario import load_scenario
    from rackline.scenario.paths import overrides_of  # here: the scenario package is slow to import
    ct = capacity_table(load_scenario(scenario, overrides_of(sets)).scenario, target or TARGET_UTILISATION)
    header = _columns(ct)
    if as_csv:     # as pandas' to_csv writes it (repr of floats, NaN empty), without importing pandas
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(header)
        w.writerows([_csv_cell(r.get(c, math.nan)) for c in header] for r in ct.rows)
        click.echo(buf.getvalue(), nl=False)
        return EXIT_OK

    def number(v: float) -> str:
        return "—" if math.isnan(v) else plain_number(v)

    needed_col = f"needed at {ct.target:.0%}"
    hidden = {"key", "needed_unit", "hired"} | ({"load", "utilisation", "needed", "max_scale"} if ct.capacity_mode else set())
    columns = [c for c in header if c not in hidden]
    cells = [[needed_text(r["needed"], r["needed_unit"], r["kind"], r["hired"]) if c == "needed"
              else ("—" if math.isnan(r[c]) else f"{r[c]:.0%}") if c == "utilisation"
              else number(r[c]) if c in ("capacity", "load", "max_scale") or c.startswith("max_rate")
              else str(r[c]) for c in columns] for r in ct.rows]
    click.echo(ct.heading)
    click.echo(_text_table([needed_col if c == "needed" else c for c in columns], cells))
    for line in ct.summary():
        click.echo(line)
    if len(ct.per_product) > 1:
        click.echo("Per product at this mix (units/week each resource allows):")
        for line in ct.product_lines():
            click.echo(f"  {line}")
    for line in ct.warnings:
        click.echo(f"Warning: {line}")
    click.echo(FOOTER)
    return EXIT_OK


def _columns(ct: CapacityTable) -> list[str]:
    """The capacity table's columns: COLUMNS, then `max_rate:<product>` with several products."""
    from rackline.analysis.capacity import COLUMNS
    return COLUMNS + [f"max_rate:{p}" for p in ct.per_product] if len(ct.per_product) > 1 else list(COLUMNS)


def _csv_cell(v: object) -> object:
    return "" if isinstance(v, float) and math.isnan(v) else v


def _text_table(header: list[str], rows: list[list[str]]) -> str:
    """Columns right-aligned under their names, as a DataFrame prints without its index."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    return "\n".join(" ".join(c.rjust(w) for c, w in zip(line, widths)) for line in [header, *rows])


@click.command()
def schema() -> int:
    """Print the JSON Schema of scenario files (for editor completion and checks)."""
    import json

    from rackline.scenario.jsonschema import scenario_json_schema
    click.echo(json.dumps(scenario_json_schema(), indent=2))
    return EXIT_OK
