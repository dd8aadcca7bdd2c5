"""The compiled engine (mypyc, engine/native.py): which path runs, and when it must not.

`make test` runs the suite on the compiled engine when the build succeeded, then the
engine, golden and lot tests again with RACKLINE_PURE=1: the pinned digests of
tests/test_lots.py hold bit for bit on both paths.
"""
from __future__ import annotations

import hashlib
import importlib
import inspect
import os
from importlib.machinery import EXTENSION_SUFFIXES, ExtensionFileLoader
from pathlib import Path

import pytest

from rackline.engine import native

PURE = os.environ.get("RACKLINE_PURE", "") not in ("", "0")


def test_the_engine_runs_the_path_the_build_and_environment_choose():
    from rackline.engine.station import Station
    python_code = inspect.isfunction(Station.try_start)      # a compiled method is a builtin, not a function
    if PURE:
        assert not native.COMPILED and python_code, native.STATUS
    elif not (native.BUILT / "MANIFEST").exists():
        pytest.skip(native.STATUS)       # no compiler on this machine: the pure engine runs (slower, same numbers)
    else:
        # built and current: every compiled module is the extension, not the source next to it
        assert native.COMPILED and not python_code, native.STATUS
        for module, file in native.COMPILED.items():
            spec = importlib.import_module(module).__spec__
            assert isinstance(spec.loader, ExtensionFileLoader) and Path(str(spec.origin)).name == file.name, module


def fake_build(tmp_path: Path, source: str = "x = 1\n") -> tuple[Path, Path]:
    """An engine folder with one module and a build of it (the extension file is a stand-in)."""
    engine, built = tmp_path / "engine", tmp_path / "engine" / "_native"
    built.mkdir(parents=True)
    (engine / "clock.py").write_text(source)
    name = f"clock{EXTENSION_SUFFIXES[0]}"
    (built / name).write_bytes(b"")
    sha = hashlib.sha256(source.encode()).hexdigest()
    (built / "MANIFEST").write_text(f"rackline.engine.clock {sha} {name}\nrackline.engine._native__mypyc - lib.so\n"
                                    .replace("lib.so", f"_native__mypyc{EXTENSION_SUFFIXES[0]}"))
    return engine, built


def test_a_current_build_is_loaded(tmp_path):
    engine, built = fake_build(tmp_path)
    files, status = native.compiled(engine, built, pure=False)
    assert files == {"rackline.engine.clock": built / f"clock{EXTENSION_SUFFIXES[0]}",
                     "rackline.engine._native__mypyc": built / f"_native__mypyc{EXTENSION_SUFFIXES[0]}"}
    assert status == "compiled with mypyc: clock"


def test_an_edited_source_is_never_shadowed_by_its_old_build(tmp_path):
    engine, built = fake_build(tmp_path)
    (engine / "clock.py").write_text("x = 2\n")
    files, status = native.compiled(engine, built, pure=False)
    assert files == {} and "clock.py changed since the build" in status


def test_rackline_pure_and_a_missing_build_load_the_sources(tmp_path):
    engine, built = fake_build(tmp_path)
    assert native.compiled(engine, built, pure=True) == ({}, "pure Python: RACKLINE_PURE is set")
    (built / "MANIFEST").unlink()
    (built / "NOT_BUILT").write_text("no C compiler (cc)\n")
    files, status = native.compiled(engine, built, pure=False)
    assert files == {} and "not built (no C compiler (cc);" in status


def test_a_build_for_another_python_is_not_loaded(tmp_path):
    engine, built = fake_build(tmp_path)
    manifest = built / "MANIFEST"
    manifest.write_text(manifest.read_text().replace(EXTENSION_SUFFIXES[0], ".cpython-39-x86_64-linux-gnu.so"))
    files, status = native.compiled(engine, built, pure=False)
    assert files == {} and "built for another Python" in status


def test_the_build_says_why_it_cannot_compile(monkeypatch):
    monkeypatch.delenv("CC", raising=False)
    import sysconfig

    import build_engine  # sim/build_engine.py (sim/ is on the path: PYTHONPATH or the editable install)
    real = sysconfig.get_config_var
    monkeypatch.setattr(sysconfig, "get_config_var", lambda name: "no-such-cc -pthread" if name == "CC" else real(name))
    assert build_engine.missing() == "no C compiler (no-such-cc)"
