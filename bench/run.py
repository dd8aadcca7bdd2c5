"""rackline benchmarks: run with `make bench` (or `.venv/bin/python bench/run.py`).

(a) a 5-station tandem line of exponential stations, as a rackline scenario and as
the same model written in idiomatic SimPy (a process per job, Resource requests), in
one process run; (b) one replication of the baseline scenario. Prints a table; copy
it into bench/README.md with the date when it changes.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import simpy

JOBS = 50_000
MEANS = [0.8, 0.9, 0.7, 0.85, 0.75]   # hours; arrivals at 1 per hour


def tandem_yaml(jobs: int) -> str:
    stations = "\n".join(
        f"      s{i}: {{output: x{i}, {'inputs: {x%d: 1}, ' % (i - 1) if i else ''}"
        f"process_time: {{dist: exponential, mean: {m} h}}}}" for i, m in enumerate(MEANS))
    items = ", ".join(f"x{i}: {{}}" for i in range(len(MEANS)))
    return f"""
name: tandem
run: {{horizon: {jobs} h, replications: 1, seed: 1}}
items: {{{items}}}
sites:
  s:
    stations:
{stations}
demand:
  orders: {{item: x{len(MEANS) - 1}, site: s, rate: 168 per week}}
release: {{policy: make_to_order, stations: [s.s0]}}
"""


def simpy_tandem(jobs: int, seed: int = 1) -> tuple[int, float]:
    """The same line, written the way the SimPy documentation teaches."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    servers = [simpy.Resource(env, 1) for _ in MEANS]
    done = [0]

    def job(env):
        for res, mean in zip(servers, MEANS):
            with res.request() as req:
                yield req
                yield env.timeout(rng.exponential(mean))
        done[0] += 1

    def source(env):
        while True:
            yield env.timeout(rng.exponential(1.0))
            env.process(job(env))

    env.process(source(env))
    t0 = time.perf_counter()
    env.run(until=jobs)
    return done[0], time.perf_counter() - t0


def rackline_tandem(jobs: int) -> tuple[int, float, int]:
    from sim.engine.network import run_replication
    from sim.schema import load_scenario_text
    sc = load_scenario_text(tandem_yaml(jobs), "tandem.yaml").scenario
    t0 = time.perf_counter()
    rep = run_replication(sc, 0)
    wall = time.perf_counter() - t0
    return int(rep.series[f"demand|orders|units_shipped"][-1]), wall, rep.events


def baseline(horizon_weeks: int) -> tuple[float, int]:
    from sim.engine.network import run_replication
    from sim.schema import load_scenario
    sc = load_scenario("scenarios/baseline.yaml", {"run.horizon": f"{horizon_weeks} w"}).scenario
    t0 = time.perf_counter()
    rep = run_replication(sc, 0)
    return time.perf_counter() - t0, rep.events


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=JOBS, help="jobs through the tandem line")
    args = ap.parse_args()
    n_s, t_s = simpy_tandem(args.jobs)
    n_r, t_r, ev = rackline_tandem(args.jobs)
    print(f"tandem line, {len(MEANS)} stations, ~{args.jobs:,} jobs")
    print(f"  SimPy (process per job): {n_s:,} jobs in {t_s:.2f} s = {n_s / t_s:,.0f} jobs/s")
    print(f"  rackline:                {n_r:,} jobs in {t_r:.2f} s = {n_r / t_r:,.0f} jobs/s, {ev / t_r:,.0f} events/s")
    print(f"  ratio rackline/SimPy time per job: {(t_r / n_r) / (t_s / n_s):.2f}")
    for weeks in (52,):
        wall, ev = baseline(weeks)
        print(f"baseline, one replication, {weeks} weeks: {wall:.2f} s, {ev:,} events ({ev / wall:,.0f} events/s)")


if __name__ == "__main__":
    main()
