"""The layers run one way: scenario -> engine -> analysis -> experiments -> output -> cli
(issue 26 item 3). Every import is read, those inside functions and under TYPE_CHECKING
too, so an upward call cannot hide in a function body."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"
BOTTOM = {"about", "units", "states", "errors", "signals", "calendars", "quantities", "kpi_names"}
LAYERS = {"scenario": 1, "engine": 2, "analysis": 3, "experiments": 4, "output": 5}
TOP = 9                     # the CLI, the Python API and the package face


def layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "rackline":
        return None
    if len(parts) == 1:
        return TOP
    if parts[1] in BOTTOM:
        return 0
    return LAYERS.get(parts[1], TOP)


def modules() -> list[tuple[str, Path]]:
    return sorted((".".join(p.relative_to(SIM).with_suffix("").parts).removesuffix(".__init__"), p)
                  for p in (SIM / "rackline").rglob("*.py"))


def imports(path: Path, me: str) -> list[tuple[str, list[str], int]]:
    """(module, names, line) of every import in the file, wherever it stands."""
    out = []
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            out.append((base, [a.name for a in node.names], node.lineno))
    return out


def test_every_module_is_read():
    found = {m for m, _ in modules()}
    assert {"rackline.engine.network", "rackline.analysis.answering", "rackline.output.report",
            "rackline.cli"} <= found


def test_no_import_runs_up_the_layers():
    upward = [f"{me}:{line} imports {mod} (layer {layer(mod)} above {layer(me)})"
              for me, path in modules() for mod, _, line in imports(path, me)
              if layer(me) is not None and layer(mod) is not None and layer(me) != TOP
              and layer(mod) > layer(me)]        # type: ignore[operator]
    assert upward == []


def test_output_takes_only_result_types_from_analysis():
    """Output formats what analysis computed: it may name the typed results (classes), never
    call an analysis function, which would compute a number a second time."""
    calls = []
    for me, path in modules():
        if layer(me) != LAYERS["output"]:
            continue
        for mod, names, line in imports(path, me):
            if mod.startswith("rackline.analysis"):
                target = importlib.import_module(mod)
                calls += [f"{me}:{line} {mod}.{n}" for n in names if not isinstance(getattr(target, n), type)]
    assert calls == []


@pytest.mark.parametrize("mod,expected", [("rackline.engine.network", 2), ("rackline.kpi_names", 0),
                                          ("rackline.cli", TOP), ("numpy", None)])
def test_layer_of_a_module(mod, expected):
    assert layer(mod) == expected
