"""rackline benchmarks: `make bench` (or `.venv/bin/python bench/run.py [--quick]`).

(a) engine speed: a 5-station tandem line and an M/M/1, each as a rackline scenario,
    as idiomatic SimPy (a process per job, Resource requests) and as a bare heapq
    event loop, in one process run; jobs/s, events/s and the ratios of time per job;
    and the cost of measurement (all KPIs and station states) against measurement off;
(b) the baseline scenario: one replication's wall time and peak memory at 1, 2 and
    5 years of horizon (each in a fresh process);
(c) 20 baseline replications with --jobs 1 and --jobs 2 (parallel efficiency);
(d) start-up: `rackline --help` and `rackline validate` wall time.
Prints a Markdown table; copy it into bench/README.md with the date.
"""
from __future__ import annotations

import argparse
import heapq
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import simpy

ROOT = Path(__file__).resolve().parents[1]
TANDEM = [0.8, 0.9, 0.7, 0.85, 0.75]   # mean service hours; arrivals at 1 per hour
MM1 = [0.8]


def line_yaml(means: list[float], jobs: int) -> str:
    stations = "\n".join(
        f"      s{i}: {{output: x{i}, {'inputs: {x%d: 1}, ' % (i - 1) if i else ''}"
        f"process_time: {{dist: exponential, mean: {m} h}}}}" for i, m in enumerate(means))
    items = ", ".join(f"x{i}: {{}}" for i in range(len(means)))
    return f"""
name: line
run: {{horizon: {jobs} h, replications: 1, seed: 1}}
items: {{{items}}}
sites:
  s:
    stations:
{stations}
demand:
  orders: {{item: x{len(means) - 1}, site: s, rate: 168 per week}}
release: {{policy: make_to_order, stations: [s.s0]}}
"""


def simpy_line(means: list[float], jobs: int, seed: int = 1) -> tuple[int, float]:
    """The line written the way the SimPy documentation teaches."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    servers = [simpy.Resource(env, 1) for _ in means]
    done = [0]

    def job(env):
        for res, mean in zip(servers, means):
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


def heapq_line(means: list[float], jobs: int, seed: int = 1) -> tuple[int, float]:
    """A bare event loop: arrivals and departures on a heap, FIFO queues as counters."""
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    k = len(means)
    queue = [0] * k
    busy = [False] * k
    events = [(rng.exponential(1.0), 0, -1)]
    done = 0
    while events:
        t, kind, st = heapq.heappop(events)
        if t > jobs:
            break
        if kind == 0:   # arrival to station 0
            heapq.heappush(events, (t + rng.exponential(1.0), 0, -1))
            st, kind = 0, 2
        elif kind == 1:  # departure from st
            busy[st] = False
            if queue[st]:
                queue[st] -= 1
                busy[st] = True
                heapq.heappush(events, (t + rng.exponential(means[st]), 1, st))
            if st + 1 == k:
                done += 1
                continue
            st, kind = st + 1, 2
        if kind == 2:    # a job joins st
            if busy[st]:
                queue[st] += 1
            else:
                busy[st] = True
                heapq.heappush(events, (t + rng.exponential(means[st]), 1, st))
    return done, time.perf_counter() - t0


def rackline_line(means: list[float], jobs: int, measure: bool = True) -> tuple[int, float, int]:
    from rackline.engine.network import run_replication
    from rackline.scenario import load_scenario_text
    sc = load_scenario_text(line_yaml(means, jobs), "line.yaml").scenario
    t0 = time.perf_counter()
    rep = run_replication(sc, 0, measure=measure)
    wall = time.perf_counter() - t0
    return int(rep.demands["orders"].units_shipped[-1]), wall, rep.events


def baseline_in_fresh_process(years: int) -> dict:
    code = f"""
import json, resource, time
from rackline.engine.network import run_replication
from rackline.scenario import load_scenario
sc = load_scenario('scenarios/baseline.yaml', {{'run.horizon': '{years} y'}}).scenario
t0 = time.perf_counter(); rep = run_replication(sc, 0); wall = time.perf_counter() - t0
print(json.dumps({{'wall': wall, 'events': rep.events, 'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def wall(cmd: list[str], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, capture_output=True, check=True)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description="rackline benchmarks")
    ap.add_argument("--jobs", type=int, default=200_000, help="jobs through the tandem line (default 200,000)")
    ap.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke test")
    args = ap.parse_args()
    n = 20_000 if args.quick else args.jobs
    rows = []
    best = lambda f: min((f() for _ in range(1 if args.quick else 3)), key=lambda r: r[1])  # noqa: E731
    for name, means in (("tandem, 5 stations", TANDEM), ("M/M/1", MM1)):
        # best of three for each, measured side by side in this one process (the machine is shared)
        n_s, t_s = best(lambda: simpy_line(means, n))
        n_h, t_h = best(lambda: heapq_line(means, n))
        n_r, t_r, ev = best(lambda: rackline_line(means, n))
        _, t_off, _ = best(lambda: rackline_line(means, n, measure=False))
        rows.append((name, n_r, t_r, ev, t_s / n_s, t_h / n_h, t_r / n_r, t_off))
    print(f"## (a) engine, ~{n:,} jobs\n")
    print("| model | rackline jobs/s | rackline events/s | SimPy jobs/s | heapq jobs/s | rackline/SimPy | "
          "rackline/heapq | measurement cost |")
    print("|---|---|---|---|---|---|---|---|")
    for name, n_r, t_r, ev, per_s, per_h, per_r, t_off in rows:
        print(f"| {name} | {1 / per_r:,.0f} | {ev / t_r:,.0f} | {1 / per_s:,.0f} | {1 / per_h:,.0f} | "
              f"{per_r / per_s:.2f} | {per_r / per_h:.2f} | {t_r / t_off - 1:+.0%} |")
    print("\n## (b) baseline, one replication\n\n| horizon | wall s | events | peak MB |\n|---|---|---|---|")
    for years in ((1,) if args.quick else (1, 2, 5)):
        r = baseline_in_fresh_process(years)
        print(f"| {years} y | {r['wall']:.2f} | {r['events']:,} | {r['peak_mb']:.0f} |")
    reps = 4 if args.quick else 20
    rl = [str(ROOT / ".venv" / "bin" / "rackline")] if (ROOT / ".venv" / "bin" / "rackline").exists() else \
        [sys.executable, "-m", "rackline"]
    base = rl + ["run", "scenarios/baseline.yaml", "--reps", str(reps), "--no-plots"]
    times = {1: float("inf"), 2: float("inf")}
    for _ in range(1 if args.quick else 2):      # best of two: the machine is shared
        for j in (1, 2):
            out = ROOT / "results" / f".bench-{j}"
            subprocess.run(["rm", "-rf", str(out)], check=True)
            t0 = time.perf_counter()
            subprocess.run(base + ["--jobs", str(j), "--out", str(out)], cwd=ROOT, capture_output=True, check=True)
            times[j] = min(times[j], time.perf_counter() - t0)
            subprocess.run(["rm", "-rf", str(out)], check=True)
    print(f"\n## (c) {reps} baseline replications\n\n| --jobs 1 | --jobs 2 | parallel efficiency |\n|---|---|---|")
    print(f"| {times[1]:.1f} s | {times[2]:.1f} s | {times[1] / (2 * times[2]):.0%} |")
    print("\n## (d) start-up\n\n| command | wall s (best of 3) |\n|---|---|")
    print(f"| rackline --help | {wall(rl + ['--help']):.2f} |")
    print(f"| rackline validate scenarios/baseline.yaml | {wall(rl + ['validate', 'scenarios/baseline.yaml']):.2f} |")


if __name__ == "__main__":
    main()
