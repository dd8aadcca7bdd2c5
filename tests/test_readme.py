"""Every example in README.md runs as written.

The sh/bash and python code blocks are extracted and run in a scratch folder that
sees the repository's `scenarios/` (so results land in the scratch folder), with a
`rackline` on PATH that runs this checkout. A block preceded by `<!-- not run: why -->`
is skipped (set-up, clusters); one preceded by `<!-- slow -->` is marked slow and runs only with
RACKLINE_SLOW_TESTS=1 (as the interrupt soak does), so `make test` stays within its budget.
"""
from __future__ import annotations

import os
import re
import stat
import subprocess
import sys

import pytest

from conftest import ROOT

README = ROOT / "README.md"
BLOCK = re.compile(r"(?:(<!--[^>]*-->)\s*\n)?```(sh|bash|python)\n(.*?)```", re.S)


def blocks() -> list:
    text = README.read_text()
    out = []
    for m in BLOCK.finditer(text):
        line = text[:m.start(2)].count("\n") + 1
        marker = (m.group(1) or "").strip("<!-> ").strip()
        marks = [pytest.mark.slow] if marker.startswith("slow") else []
        if marker.startswith("slow") and not os.environ.get("RACKLINE_SLOW_TESTS"):   # minutes each: the soak runs them
            marks.append(pytest.mark.skip(reason=f"README line {line}: slow, set RACKLINE_SLOW_TESTS=1"))
        if marker.startswith("not run"):
            marks.append(pytest.mark.skip(reason=f"README line {line}: {marker}"))
        out.append(pytest.param(m.group(2), m.group(3), id=f"line{line}-{m.group(2)}", marks=marks))
    return out


def test_the_readme_has_runnable_examples_and_no_placeholders():
    params = blocks()
    runnable = [p for p in params if not any(m.name == "skip" for m in p.marks)]
    assert len(runnable) >= 6
    assert any(p.values[0] == "python" for p in runnable)
    for p in runnable:
        code = p.values[1]
        assert "import sim" not in code and "<timestamp>" not in code and " a.yaml" not in code, code


@pytest.fixture
def scratch(tmp_path):
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    shim = bin_ / "rackline"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m rackline "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    env = dict(os.environ, PATH=f"{bin_}{os.pathsep}{os.environ.get('PATH', '')}",
               PYTHONPATH=os.pathsep.join([str(ROOT / "sim"), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    return tmp_path, env


@pytest.mark.parametrize(("lang", "code"), blocks())
def test_readme_example_runs_as_written(lang, code, scratch):
    folder, env = scratch
    if lang == "python":
        cmd = [sys.executable, "-c", code]
    else:
        cmd = ["bash", "-euo", "pipefail", "-c", code]
    done = subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True, timeout=900,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"{code}\n--- stdout\n{done.stdout[-3000:]}\n--- stderr\n{done.stderr[-3000:]}"
