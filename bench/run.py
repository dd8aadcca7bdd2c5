"""rackline benchmarks: `make bench` (or `.venv/bin/python bench/run.py [--quick]`).

(a) engine speed: a 5-station tandem line and an M/M/1, each as a rackline scenario,
    as idiomatic SimPy (a process per job, Resource requests) and as a bare heapq
    event loop, in one process run; jobs/s, events/s and the ratios of time per job;
    and the cost of measurement (all KPIs and station states) against measurement off.
    Times are CPU seconds of this process (time.process_time), best of three (on and
    off: best of seven, run in interleaved pairs): the machines are shared, and CPU
    time is what other processes disturb least;
(b) one replication of the baseline and of the national scenario at 1, 2 and 5 years
    of horizon, each in a fresh process: wall and CPU seconds, events, microseconds per
    event, the process's peak RSS and the run's own peak allocation (tracemalloc, in a
    second, untimed run);
(c) N replications (`rackline run --reps N --no-plots`) with --jobs 1 and --jobs 2, end
    to end, wall clock (parallel efficiency = T1 / (2 T2)), best of two; and the CPU
    split: the parent's serial CPU (while no worker has a task), its CPU overlapping
    the workers, the workers', and the bound they give an idle 2-core machine;
(d) an LHS sweep of national.yaml (`rackline sweep --method lhs`), with --jobs 1 and
    --jobs 2: runs per minute and parallel efficiency;
(e) start-up: `rackline --help`, `validate` and `capacity`, whole-process CPU;
(f) plots at their cost: a default run (the answer's plots) and one with --all-plots
    against --no-plots, whole-process CPU in interleaved pairs (bench/whole_process.py).
Prints Markdown tables; copy them into bench/README.md with the date.
"""
from __future__ import annotations

import argparse
import heapq
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import simpy

from whole_process import plots, startup  # bench/ is this script's folder

ROOT = Path(__file__).resolve().parents[1]
TANDEM = [0.8, 0.9, 0.7, 0.85, 0.75]   # mean service hours; arrivals at 1 per hour
MM1 = [0.8]


def line_yaml(means: list[float], jobs: int) -> str:
    stations = "\n".join(
        f"      s{i}: {{output: x{i}, {f'inputs: {{x{i - 1}: 1}}, ' if i else ''}"
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
    t0 = time.process_time()
    env.run(until=jobs)
    return done[0], time.process_time() - t0


def heapq_line(means: list[float], jobs: int, seed: int = 1) -> tuple[int, float]:
    """A bare event loop: arrivals and departures on a heap, FIFO queues as counters."""
    rng = np.random.default_rng(seed)
    t0 = time.process_time()
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
    return done, time.process_time() - t0


def rackline_line(means: list[float], jobs: int, measure: bool = True) -> tuple[int, float, int]:
    from rackline.engine.network import run_replication
    from rackline.scenario import load_scenario_text
    sc = load_scenario_text(line_yaml(means, jobs), "line.yaml").scenario
    t0 = time.process_time()
    rep = run_replication(sc, 0, measure=measure)
    cpu = time.process_time() - t0
    return int(rep.demands["orders"].units_shipped[-1]), cpu, rep.events


FRESH = """
import json, sys, time, tracemalloc
from rackline.engine.network import run_replication
from rackline.scenario import load_scenario
path, horizon, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
run_replication(load_scenario(path, {'run.horizon': '1 w', 'run.warmup': '0 h'}).scenario, 0)   # lazy imports
sc = load_scenario(path, {'run.horizon': horizon}).scenario
wall = cpu = float('inf')
for _ in range(repeat):
    t0, c0 = time.perf_counter(), time.process_time()
    rep = run_replication(sc, 0)
    wall, cpu = min(wall, time.perf_counter() - t0), min(cpu, time.process_time() - c0)
# VmHWM: this process's own peak (ru_maxrss would carry the forking parent's over exec:
# after section (a) in the same `make bench`, 173 MB for every row)
rss = int(next(ln for ln in open('/proc/self/status') if ln.startswith('VmHWM')).split()[1]) / 1024
racks = sum(float(d.units_shipped[-1]) for d in rep.demands.values())
events = rep.events
del rep
tracemalloc.start()
run_replication(sc, 0)
peak = tracemalloc.get_traced_memory()[1] / 2**20
print(json.dumps({'wall': wall, 'cpu': cpu, 'events': events, 'peak_mb': rss, 'run_mb': peak, 'racks': racks}))
"""


def replication_in_fresh_process(scenario: str, years: int, repeat: int = 1) -> dict:
    """One replication of `scenario` at `years` of horizon in a new process (after an
    untimed one-week replication, so lazy imports are not timed): best of `repeat` wall
    and CPU seconds, events, racks shipped, peak RSS, and the peak of what the run itself
    allocates (tracemalloc, in a further untimed run)."""
    out = subprocess.run([sys.executable, "-c", FRESH, f"scenarios/{scenario}.yaml", f"{years} y", str(repeat)],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def lhs_sweep_file(runs: int, horizon: str) -> Path:
    """A `runs`-point LHS sweep of national.yaml (one replication a point) over three of
    its least certain assumptions, at `horizon`."""
    tmp = Path(tempfile.mkdtemp(prefix="rackline-bench-"))
    text = (ROOT / "scenarios" / "national.yaml").read_text()
    text = text.replace('horizon: {value: 52 w,', f'horizon: {{value: {horizon},', 1)
    if horizon != "52 w":    # a short sweep horizon keeps two weeks of warm-up
        text = text.replace('warmup: {value: 8 w,', 'warmup: {value: 2 w,', 1)
    (tmp / "national.yaml").write_text(text)
    (tmp / "sweep.yaml").write_text(f"""scenario: national.yaml
name: bench_national_lhs
method: lhs
samples: {runs}
replications: 1
seed: 1
kpis: [throughput]
parameters:
  sites.wisconsin.stations.integrate.servers: {{low: 7, high: 11}}
  sites.ohio.stations.l11_test.yield: {{low: 0.85, high: 0.95}}
  suppliers.optics_asia.lead_time.mean: {{low: 8 w, high: 16 w}}
""")
    return tmp / "sweep.yaml"


SPLIT = """
import concurrent.futures, concurrent.futures.process as cfp, json, resource, sys, time
from rackline.cli import main
idle = {'pending': 0, 'since': 0.0, 'serial': 0.0, 'first': None, 'pool': None}   # CPU while no task is pending
ours = set()
submit, set_result, set_exception = cfp.ProcessPoolExecutor.submit, concurrent.futures.Future.set_result, \
    concurrent.futures.Future.set_exception
def submitted(self, fn, /, *args, **kwargs):    # a worker pool is given a task (the first one forks the workers)
    idle['pool'] = self if idle['pool'] is None else idle['pool']
    if self is not idle['pool']:                # a later pool (the worker writing the workbook): the parent waits
        return submit(self, fn, *args, **kwargs)
    if idle['pending'] == 0:
        now = time.process_time()
        idle['serial'] += now - idle['since']
        idle['first'] = now if idle['first'] is None else idle['first']
    f = submit(self, fn, *args, **kwargs)
    idle['pending'] += 1
    ours.add(f)
    return f
def finished(f):                                # its result (or error) reaches this process
    if f in ours:
        ours.discard(f)
        idle['pending'] -= 1
        if idle['pending'] == 0:
            idle['since'] = time.process_time()
def arrived(self, result):
    set_result(self, result)
    finished(self)
def failed(self, exc):
    set_exception(self, exc)
    finished(self)
cfp.ProcessPoolExecutor.submit = submitted
concurrent.futures.Future.set_result, concurrent.futures.Future.set_exception = arrived, failed
t0 = time.perf_counter()
code = main(sys.argv[1:])
wall, end = time.perf_counter() - t0, time.process_time()
if idle['pending'] == 0:
    idle['serial'] += end - idle['since']
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
before = end if idle['first'] is None else idle['first']
print(json.dumps({'wall': wall, 'parent': me.ru_utime + me.ru_stime, 'workers': kids.ru_utime + kids.ru_stime,
                  'before': before, 'after': idle['serial'] - before}))
"""


def cpu_split(args: list[str], out: Path) -> dict:
    """CPU seconds of a `rackline` command's own process and of its worker processes,
    and the part of the parent's that no worker overlaps, spent while none of the
    tasks it gave its (first) worker pool is pending: before the first (start-up,
    validation, the imports the workers need: `before`) and after the last result
    (what needs every replication: the analysis across them and writing: `after`;
    a worker writing the workbook meanwhile does not make the parent's writing
    parallel work, since the parent then waits for it). The rest of the parent's CPU
    (imports and per-result work while the workers run) shares the cores with them. On a shared machine these move far less
    than wall times, and they bound the efficiency an idle 2-core machine gives:
    `bound` = (parent + workers) / (parent + workers + serial), serial = before +
    after, if the workers repeat none of the parent's work (section (c) divides the
    --jobs 1 CPU instead, so repeated work counts against it); `all_serial_bound`
    counts all the parent's CPU as serial, (parent + workers) / (2 parent + workers),
    as older figures did."""
    subprocess.run(["rm", "-rf", str(out)], check=True)
    res = subprocess.run([sys.executable, "-c", SPLIT] + args + ["--out", str(out)], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    subprocess.run(["rm", "-rf", str(out)], check=True)
    r = json.loads(res.stdout.strip().splitlines()[-1])
    r["serial"] = r["before"] + r["after"]
    r["bound"] = (r["parent"] + r["workers"]) / (r["parent"] + r["workers"] + r["serial"])
    r["all_serial_bound"] = (r["parent"] + r["workers"]) / (2 * r["parent"] + r["workers"])
    return r


def timed(cmd: list[str], out: Path) -> float:
    subprocess.run(["rm", "-rf", str(out)], check=True)
    t0 = time.perf_counter()
    subprocess.run(cmd + ["--out", str(out)], cwd=ROOT, capture_output=True, check=True)
    t = time.perf_counter() - t0
    subprocess.run(["rm", "-rf", str(out)], check=True)
    return t


def main() -> None:
    ap = argparse.ArgumentParser(description="rackline benchmarks")
    ap.add_argument("--jobs", type=int, default=200_000, help="jobs through the tandem line (default 200,000)")
    ap.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke test")
    ap.add_argument("--scenarios", nargs="+", default=["baseline", "national"], help="(b): scenarios to time")
    ap.add_argument("--reps", type=int, default=10, help="(c): replications (default 10)")
    ap.add_argument("--parallel", nargs="+", default=["baseline", "national"], help="(c): scenarios to run")
    ap.add_argument("--sweep-runs", type=int, default=200, help="(d): LHS points (default 200)")
    ap.add_argument("--sweep-horizon", default="52 w", help="(d): horizon of each sweep run (default 52 w)")
    ap.add_argument("--tries", type=int, default=2, help="(b), (c): best of this many (default 2)")
    ap.add_argument("--simpy-pairs", type=int, default=5,
                    help="(a): rackline and SimPy, in-process and as whole processes, this many interleaved pairs "
                         "(default 5)")
    ap.add_argument("--measure-tries", type=int, default=7,
                    help="(a): measurement on and off, best of this many interleaved pairs (default 7)")
    ap.add_argument("--pairs", type=int, default=5, help="(e), (f): runs / interleaved pairs (default 5)")
    ap.add_argument("--skip", nargs="*", default=[], choices=list("abcdef"), help="sections to skip")
    args = ap.parse_args()
    if "a" not in args.skip:
        engine(20_000 if args.quick else args.jobs, 1 if args.quick else args.simpy_pairs,
               2 if args.quick else args.measure_tries)
        tandem_processes(20_000 if args.quick else args.jobs, 1 if args.quick else args.simpy_pairs)
    if "b" not in args.skip:
        replications(args.scenarios, (1,) if args.quick else (1, 2, 5), 1 if args.quick else args.tries)
    rl = [str(ROOT / ".venv" / "bin" / "rackline")] if (ROOT / ".venv" / "bin" / "rackline").exists() else \
        [sys.executable, "-m", "rackline"]
    if "c" not in args.skip:
        parallel(rl, args.parallel, 4 if args.quick else args.reps, 1 if args.quick else args.tries)
    if "d" not in args.skip:
        lhs(rl, 8 if args.quick else args.sweep_runs, args.sweep_horizon)
    if "e" not in args.skip:
        startup(rl, 2 if args.quick else args.pairs)
    if "f" not in args.skip:
        plots(rl, 1 if args.quick else args.pairs)


def engine(n: int, tries: int, measure_tries: int) -> None:
    rows = []
    for name, means in (("tandem, 5 stations", TANDEM), ("M/M/1", MM1)):
        # rackline and SimPy in interleaved pairs (R S, S R, ...) in this one process, so a
        # neighbour's burst of load falls on both alike: best of `tries` each, and each pair's ratio
        r_best, s_best, ratios = versus_simpy(means, n, tries)
        n_s, t_s = s_best
        n_h, t_h = min((heapq_line(means, n) for _ in range(tries)), key=lambda r: r[1])
        (_, t_on, _), t_off, pairs = measurement_cost(means, n, measure_tries)
        n_r, t_r, ev = r_best      # the ratio to SimPy from the paired runs alone (the same N on each side)
        rows.append((name, n_r, t_r, ev, t_s / n_s, t_h / n_h, t_r / n_r, t_on / t_off, pairs, ratios))
    from rackline.engine import native
    print(f"## (a) engine, ~{n:,} jobs (CPU time; rackline and SimPy best of {tries} interleaved pairs; "
          f"measurement on and off best of {measure_tries}, interleaved)\n")
    print(f"Engine: {native.STATUS}.\n")
    print("| model | rackline jobs/s | rackline events/s | SimPy jobs/s | heapq jobs/s | rackline/SimPy | "
          "pairs' range | rackline/heapq | measurement cost | cost, pair by pair |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, _n_r, t_r, ev, per_s, per_h, per_r, cost, pairs, ratios in rows:
        print(f"| {name} | {1 / per_r:,.0f} | {ev / t_r:,.0f} | {1 / per_s:,.0f} | {1 / per_h:,.0f} | "
              f"{per_r / per_s:.2f} | {min(ratios):.2f}-{max(ratios):.2f} | {per_r / per_h:.2f} | "
              f"{cost - 1:+.0%} | {min(pairs):+.0%} to {max(pairs):+.0%} |", flush=True)


def versus_simpy(means: list[float], n: int, tries: int) -> tuple[tuple[int, float, int], tuple[int, float], list[float]]:
    """rackline (measurement on) and idiomatic SimPy in `tries` interleaved pairs: the
    best rackline run, the best SimPy run (by time per job) and each pair's ratio of
    time per job."""
    rl: list[tuple[int, float, int]] = []
    sp: list[tuple[int, float]] = []
    for i in range(tries):
        for first in ((True, False) if i % 2 == 0 else (False, True)):
            if first:
                rl.append(rackline_line(means, n))
            else:
                sp.append(simpy_line(means, n))
    ratios = [(a[1] / a[0]) / (b[1] / b[0]) for a, b in zip(rl, sp)]
    return min(rl, key=lambda r: r[1] / r[0]), min(sp, key=lambda r: r[1] / r[0]), ratios


TANDEM_PROCESS = """
import json, sys
sys.path.insert(0, sys.argv[3])
from run import TANDEM, rackline_line, simpy_line
n = int(sys.argv[2])
done = (rackline_line if sys.argv[1] == 'rackline' else simpy_line)(TANDEM, n)[0]
# VmHWM: this process's own peak (ru_maxrss would carry the forking parent's over exec)
hwm = next(line for line in open('/proc/self/status') if line.startswith('VmHWM'))
print(json.dumps({'jobs': done, 'peak_mb': int(hwm.split()[1]) / 1024}))
"""


def tandem_process(kind: str, n: int) -> tuple[float, float]:
    """Whole-process CPU seconds (the child's own, from the OS) and peak RSS (MiB) of
    the tandem run by `kind` ('rackline' or 'simpy') in a fresh Python: imports,
    building the scenario (rackline) and the record included."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([sys.executable, "-c", TANDEM_PROCESS, kind, str(n), str(Path(__file__).parent)],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, json.loads(out.stdout)["peak_mb"]


def tandem_processes(n: int, pairs: int) -> None:
    """The tandem as a whole process, rackline against SimPy, in interleaved pairs."""
    rl: list[tuple[float, float]] = []
    sp: list[tuple[float, float]] = []
    for i in range(pairs):
        for kind in (("rackline", "simpy") if i % 2 == 0 else ("simpy", "rackline")):
            (rl if kind == "rackline" else sp).append(tandem_process(kind, n))
    cpu = [a[0] / b[0] for a, b in zip(rl, sp)]
    mem = [a[1] / b[1] for a, b in zip(rl, sp)]
    print(f"\n### (a) tandem as a whole process, ~{n:,} jobs (CPU and peak RSS of a fresh Python, "
          f"median of {pairs} interleaved pairs)\n")
    print("| | rackline | SimPy | rackline/SimPy (median of pairs) | pairs' range |\n|---|---|---|---|---|")
    print(f"| CPU s | {statistics.median(a[0] for a in rl):.2f} | {statistics.median(b[0] for b in sp):.2f} | "
          f"{statistics.median(cpu):.2f} | {min(cpu):.2f}-{max(cpu):.2f} |")
    print(f"| peak RSS MiB | {statistics.median(a[1] for a in rl):.0f} | {statistics.median(b[1] for b in sp):.0f} | "
          f"{statistics.median(mem):.2f} | {min(mem):.2f}-{max(mem):.2f} |", flush=True)


def measurement_cost(means: list[float], n: int, tries: int) -> tuple[tuple[int, float, int], float, list[float]]:
    """Rackline with measurement on and off, run in pairs (on then off, then off then
    on, ...) so a neighbour's burst of load falls on both sides alike: the best 'on'
    run, the best 'off' CPU time, and each pair's cost (on / off - 1) for the spread."""
    on: list[tuple[int, float, int]] = []
    off: list[float] = []
    for i in range(tries):
        for measure in ((True, False) if i % 2 == 0 else (False, True)):
            r = rackline_line(means, n, measure=measure)
            if measure:
                on.append(r)
            else:
                off.append(r[1])
    return min(on, key=lambda r: r[1]), min(off), [a[1] / b - 1 for a, b in zip(on, off)]


def replications(scenarios: list[str], years: tuple[int, ...], repeat: int) -> None:
    from rackline.engine import native
    print(f"\n## (b) one replication (fresh process; best of {repeat})\n")
    print(f"Engine: {native.STATUS}.\n")
    print("| scenario | horizon | wall s | CPU s | events | µs/event | racks | peak RSS MB | run's own peak MB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for scenario in scenarios:
        for y in years:
            r = replication_in_fresh_process(scenario, y, repeat)
            print(f"| {scenario} | {y} y | {r['wall']:.2f} | {r['cpu']:.2f} | {r['events']:,} | "
                  f"{1e6 * r['cpu'] / r['events']:.1f} | {r['racks']:,.0f} | {r['peak_mb']:.0f} | {r['run_mb']:.1f} |",
                  flush=True)


def parallel(rl: list[str], scenarios: list[str], reps: int, tries: int) -> None:
    print(f"\n## (c) {reps} replications, end to end (wall, best of {tries})\n")
    print("| scenario | --jobs 1 | --jobs 2 | parallel efficiency |\n|---|---|---|---|")
    for scenario in scenarios:
        times = {1: float("inf"), 2: float("inf")}
        for _ in range(tries):      # the machine is shared
            for j in (1, 2):
                cmd = rl + ["run", f"scenarios/{scenario}.yaml", "--reps", str(reps), "--no-plots", "--jobs", str(j)]
                times[j] = min(times[j], timed(cmd, ROOT / "results" / f".bench-{j}"))
        print(f"| {scenario} | {times[1]:.1f} s | {times[2]:.1f} s | {times[1] / (2 * times[2]):.0%} |", flush=True)
    print(f"\nCPU split (robust to a shared machine; best of {tries}): serial is the --jobs 2 parent's CPU while no "
          "replication is pending: before the first, and after the last one's result; the bound is --jobs 1's CPU / "
          "(--jobs 2's parent + workers + serial), the efficiency an idle 2-core machine would give\n")
    print("| scenario | --jobs 1 CPU s | parent CPU s | serial: before + after | workers CPU s | efficiency bound | "
          "bound if all the parent's CPU were serial |\n|---|---|---|---|---|---|---|")
    for scenario in scenarios:
        args = ["run", f"scenarios/{scenario}.yaml", "--reps", str(reps), "--no-plots", "--jobs"]
        one, two = float("inf"), None
        for _ in range(tries):
            one = min(one, cpu_split(args + ["1"], ROOT / "results" / ".bench-split")["parent"])
            r = cpu_split(args + ["2"], ROOT / "results" / ".bench-split")
            two = r if two is None or r["serial"] < two["serial"] else two
        assert two is not None
        bound = one / (two["parent"] + two["workers"] + two["serial"])
        print(f"| {scenario} | {one:.2f} | {two['parent']:.2f} | {two['before']:.2f} + {two['after']:.2f} | "
              f"{two['workers']:.2f} | {bound:.0%} | {two['all_serial_bound']:.0%} |", flush=True)


def lhs(rl: list[str], runs: int, horizon: str) -> None:
    sweep = lhs_sweep_file(runs, horizon)
    print(f"\n## (d) {runs}-run LHS sweep of national.yaml at {horizon} (wall, one try each)\n")
    print("| --jobs | wall s | runs/min | parallel efficiency |\n|---|---|---|---|")
    st = {j: timed(rl + ["sweep", str(sweep), "--jobs", str(j), "--no-plots", "--yes"],
                   ROOT / "results" / f".bench-sw{j}") for j in (1, 2)}
    for j in (1, 2):
        eff = "" if j == 1 else f"{st[1] / (2 * st[2]):.0%}"
        print(f"| {j} | {st[j]:.1f} | {60 * runs / st[j]:.1f} | {eff} |", flush=True)
    r = cpu_split(["sweep", str(sweep), "--jobs", "2", "--no-plots", "--yes"], ROOT / "results" / ".bench-split")
    print(f"\nCPU split with --jobs 2: parent {r['parent']:.1f} s, workers {r['workers']:.1f} s "
          f"({r['workers'] / runs:.2f} s a run), serial {r['before']:.1f} + {r['after']:.1f} s, efficiency bound "
          f"{r['bound']:.0%} ({r['all_serial_bound']:.0%} if all the parent's CPU were serial)", flush=True)


if __name__ == "__main__":
    main()
