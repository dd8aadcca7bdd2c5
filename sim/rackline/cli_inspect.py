"""The commands that look at a scenario without simulating it: `validate`, `assumptions`,
`capacity` and `schema` (registered on the `rackline` group in `rackline.cli`)."""
from __future__ import annotations

import click

from rackline import FOOTER
from rackline.errors import EXIT_BAD_INPUT, EXIT_OK


@click.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(scenarios):
    """Check scenario files: schema, units, references, sources of every item.

    Prints every problem as FILE:LINE: at PATH: expected ..., got ...
    and exits 2 if any file has one.
    """
    from rackline.errors import ScenarioError
    from rackline.experiments.sweep.spec import load_sweep
    from rackline.scenario import load_scenario
    from rackline.scenario.load import is_optimize_data, is_sweep_data
    from rackline.scenario.yamlfile import load_yaml_file
    bad = 0
    for path in scenarios:
        try:
            data = load_yaml_file(path).data
            if is_optimize_data(data):
                from rackline.experiments.optimize.spec import load_optimize
                problem = load_optimize(path)
                click.echo(f"{path}: ok (optimize {problem.name}: {len(problem.variables)} variables, "
                           f"{len(problem.constraints)} constraints, {len(problem.objectives)} objectives "
                           f"on {problem.base.scenario.name})")
                continue
            if is_sweep_data(data):
                sw = load_sweep(path)
                click.echo(f"{path}: ok (sweep {sw.name}: {sw.spec.method}, {len(sw.axes)} parameters "
                           f"of {sw.base.scenario.name})")
                continue
            loaded = load_scenario(path)
        except ScenarioError as exc:
            bad += 1
            click.echo(str(exc), err=True)
        else:
            sc = loaded.scenario
            n_st = sum(1 for _ in sc.station_items())
            click.echo(f"{path}: ok ({sc.name}: {len(sc.sites)} sites, {n_st} stations, {len(sc.items)} items)")
            from rackline.scenario.resolve import reorder_warnings
            for line in reorder_warnings(loaded.as_written):
                click.echo(f"{path}: warning: {line}")
    return EXIT_BAD_INPUT if bad else EXIT_OK


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help="Override a value first.")
def assumptions(scenario, as_csv, sets):
    """List every parameter of SCENARIO: path, value, unit and note.

    Rows without a note are flagged: they are assumptions nobody has justified yet.
    """
    from rackline.scenario import load_scenario
    from rackline.scenario.assumptions import register
    from rackline.scenario.paths import overrides_of  # here: the scenario package is slow to import
    reg = register(load_scenario(scenario, overrides_of(sets)))
    if as_csv:
        click.echo(reg.to_csv(index=False), nl=False)
        return EXIT_OK
    import pandas as pd
    with pd.option_context("display.max_rows", None, "display.max_colwidth", 60, "display.width", 200):
        shown = reg.assign(flag=reg.has_note.map({True: "", False: "NO NOTE"}))
        click.echo(shown[["path", "value", "unit", "note", "flag"]].to_string(index=False))
    missing = int((~reg.has_note).sum())
    click.echo(f"\n{len(reg)} parameters, {missing} without a note. {FOOTER}.")
    return EXIT_OK


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help="Override a value first (repeat).")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")
def capacity(scenario, sets, as_csv):
    """Rough-cut capacity of SCENARIO, before any simulation (under a second).

    Demand (its peak within the horizon) is exploded through the bills of
    materials: a station with yield y starts 1/y units per good unit, and failed
    units add rework load. For every station, crew pool, supplier and lane the
    table gives its capacity per week, the load demand puts on it, the
    utilisation, and max_rate: the most products per week it allows at the
    demand's mix (max_scale: as a multiple of demand).

    
    station:  servers x open hours a week x MTBF/(MTBF+MTTR) / hours per unit
    crew:     people x open hours a week, in crew-hours
    supplier: its capacity rate (unlimited if none is given)
    lane:     load_limit x departures a week (unlimited when either is open)

    The first line is the static bottleneck and the rate at which it binds.
    Queueing, variability, buffers, disruptions and ramps are left out: the
    simulation (`rackline run`) adds them, so its output is at most this rate.

    
    rackline capacity scenarios/baseline.yaml
    rackline capacity scenarios/baseline.yaml --set sites.wisconsin.stations.integrate.servers=6
    """
    from rackline.analysis.capacity import capacity_table
    from rackline.scenario import load_scenario
    from rackline.scenario.paths import overrides_of  # here: the scenario package is slow to import
    ct = capacity_table(load_scenario(scenario, overrides_of(sets)).scenario)
    if as_csv:
        click.echo(ct.table.to_csv(index=False), nl=False)
        return EXIT_OK
    import pandas as pd
    shown = ct.table.copy()
    for col in ("capacity", "load", "max_rate", "max_scale"):
        shown[col] = shown[col].map(lambda v: "—" if pd.isna(v) else "unlimited" if v == float("inf") else f"{v:.3g}")
    shown["utilisation"] = ct.table["utilisation"].map(lambda v: "—" if pd.isna(v) else f"{v:.0%}")
    if ct.capacity_mode:
        shown = shown.drop(columns=["load", "utilisation", "max_scale"])
    click.echo(ct.heading)
    click.echo(shown.to_string(index=False))
    for line in ct.summary():
        click.echo(line)
    for line in ct.warnings:
        click.echo(f"Warning: {line}")
    click.echo(FOOTER)
    return EXIT_OK


@click.command()
def schema():
    """Print the JSON Schema of scenario files (for editor completion and checks)."""
    import json

    from rackline.scenario.jsonschema import scenario_json_schema
    click.echo(json.dumps(scenario_json_schema(), indent=2))
    return EXIT_OK
