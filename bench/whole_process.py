"""Whole-process CPU of `rackline` commands, measured from outside in paired runs.

Each command runs as a child process; its CPU (user + system, its own workers
included) is what the operating system reports for the finished child
(`resource.getrusage(RUSAGE_CHILDREN)` before and after). Two commands A and B run in
turn, A B B A A B ..., and the ratio is taken pair by pair: a neighbour's burst of
load falls on both sides of a pair alike, so the median ratio holds on a shared
machine where single times do not. Every figure is a median over the pairs.

(e) start-up: `rackline --help`, `validate` and `capacity` on the baseline;
(f) plots at their cost: a default `rackline run scenarios/baseline.yaml --reps 1`
    (the answer's plots and report.html) and one with `--all-plots`, each against the
    same run with `--no-plots`.
"""
from __future__ import annotations

import resource
import shutil
import statistics
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child_cpu(cmd: Sequence[str], out: Path | None = None) -> float:
    """CPU seconds of one run of `cmd` (with `--out` a fresh folder, removed after)."""
    args = list(cmd) + (["--out", str(out)] if out is not None else [])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out is not None:
        shutil.rmtree(out, ignore_errors=True)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def paired(a: Sequence[str], b: Sequence[str], pairs: int, writes: bool = False) -> tuple[float, float, list[float]]:
    """Median CPU of A and of B over `pairs` interleaved pairs (after one untimed run of
    each), and each pair's ratio A/B."""
    tmp = Path(tempfile.mkdtemp(prefix="rackline-bench-"))

    def once(cmd: Sequence[str]) -> float:
        return child_cpu(cmd, tmp / "out" if writes else None)

    once(a), once(b)                    # warm the file cache and compiled bytecode
    ta: list[float] = []
    tb: list[float] = []
    for i in range(pairs):
        if i % 2 == 0:
            ta.append(once(a))
            tb.append(once(b))
        else:
            tb.append(once(b))
            ta.append(once(a))
    shutil.rmtree(tmp, ignore_errors=True)
    return statistics.median(ta), statistics.median(tb), [x / y for x, y in zip(ta, tb)]


def median_cpu(cmd: Sequence[str], runs: int) -> float:
    child_cpu(cmd)
    return statistics.median(child_cpu(cmd) for _ in range(runs))


def startup(rl: list[str], runs: int) -> None:
    """(e): CPU of the commands that only read a scenario (target: 0.3 s)."""
    print(f"\n## (e) start-up (whole-process CPU, median of {runs})\n")
    print("| command | CPU s |\n|---|---|")
    for args in (["--help"], ["validate", "scenarios/baseline.yaml"], ["capacity", "scenarios/baseline.yaml"]):
        print(f"| rackline {' '.join(args)} | {median_cpu(rl + args, runs):.2f} |", flush=True)


def plots(rl: list[str], pairs: int) -> None:
    """(f): a run with plots against the same run without (target: default <= 1.5x)."""
    run = rl + ["run", "scenarios/baseline.yaml", "--reps", "1"]
    print(f"\n## (f) plots at their cost: baseline, one replication (whole-process CPU, median of "
          f"{pairs} interleaved pairs)\n")
    print("| command | CPU s | --no-plots CPU s | ratio (median of pairs) | pairs' range |\n|---|---|---|---|---|")
    for flags in ([], ["--all-plots"]):
        a, b, ratios = paired(run + flags, run + ["--no-plots"], pairs, writes=True)
        name = " ".join(["rackline run scenarios/baseline.yaml --reps 1", *flags])
        print(f"| {name} | {a:.2f} | {b:.2f} | {statistics.median(ratios):.2f} | "
              f"{min(ratios):.2f}-{max(ratios):.2f} |", flush=True)
