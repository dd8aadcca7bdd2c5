"""Compile the engine's hot modules with mypyc (run by `make install`; `python sim/build_engine.py`).

The engine spends its time in a few modules (the clock's loop, the station and its
parts, inventories, demand: see bench/README.md, "Issue 29: the engine"); compiled,
the same code runs about twice as fast. The build writes the extension modules and a
MANIFEST (each source's SHA-256) to sim/rackline/engine/_native/, which
`rackline.engine.native` loads in place of the .py files while every source still
hashes as built. The build is optional: without a C compiler, Python headers,
setuptools or mypyc it prints one line and the pure-Python engine runs as before
(same numbers, slower); a failed build leaves no compiled modules behind.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "sim" / "rackline" / "engine"
OUT = ENGINE / "_native"
# the modules the tandem's profile spends its time in, and the parts of Station (one line of
# classes, which mypyc compiles together); the rest of the engine runs as Python either way
MODULES = ("clock", "station", "plain", "dispatch", "breakdowns", "station_measures", "work", "inventory", "demand",
           "release", "quiet")
GROUP = "rackline.engine._native"    # the shared library is rackline.engine._native__mypyc


def missing() -> str | None:
    """Why this machine cannot build, or None."""
    cc = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()[0]   # as setuptools picks it
    if shutil.which(cc) is None:
        return f"no C compiler ({cc})"
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").exists():
        return "no Python headers (Python.h)"
    for module in ("mypyc", "setuptools"):
        try:
            __import__(module)
        except ImportError:
            return f"{module} is not installed"
    return None


def build(work: Path) -> Path:
    """Compile MODULES into work/lib; return the folder holding the extension files."""
    from mypyc.build import mypycify
    from setuptools import setup

    os.chdir(work)     # setuptools reads the current folder's pyproject.toml: an empty one here
    paths = [str(ENGINE / f"{m}.py") for m in MODULES]
    # types for code generation only (`make lint` type-checks the engine strictly): other modules
    # are left untyped (Any) rather than analysed, which took ~20 s of ~25
    mypy_args = ["--config-file", "", "--python-version", f"{sys.version_info[0]}.{sys.version_info[1]}",
                 "--follow-imports=skip", "--ignore-missing-imports", "--cache-dir", str(work / "cache")]
    exts = mypycify(mypy_args + paths, opt_level="3", group_name=GROUP, target_dir=str(work / "c"))
    setup(name="rackline-native", ext_modules=exts,
          script_args=["--quiet", "build_ext", "--build-lib", str(work / "lib"), "--build-temp", str(work / "o"),
                       "--parallel", str(os.cpu_count() or 1)])
    return work / "lib" / "rackline" / "engine"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def install(built: Path) -> None:
    """Replace OUT with the new build in one rename (a running process keeps the files it
    mapped): the extension files, then MANIFEST, one line `module sha256 file` each."""
    new = OUT.with_name("_native.new")
    shutil.rmtree(new, ignore_errors=True)
    new.mkdir()
    lines = []
    for f in sorted(built.iterdir()):
        shutil.copy2(f, new / f.name)
        module = f"rackline.engine.{f.name.split('.')[0]}"
        source = ENGINE / f"{f.name.split('.')[0]}.py"
        lines.append(f"{module} {digest(source) if source.exists() else '-'} {f.name}")
    (new / "MANIFEST").write_text("\n".join(lines) + "\n")
    remove()
    new.rename(OUT)


def remove() -> None:
    if OUT.exists():
        old = OUT.with_name("_native.old")
        shutil.rmtree(old, ignore_errors=True)
        OUT.rename(old)
        shutil.rmtree(old, ignore_errors=True)


def main() -> int:
    t0 = time.perf_counter()
    why = missing()
    if why is None:
        with tempfile.TemporaryDirectory(prefix="rackline-native-") as tmp:
            try:
                install(build(Path(tmp)))
            except (Exception, SystemExit) as exc:    # setuptools reports a failed compile as SystemExit
                why = f"the build failed ({type(exc).__name__}: {str(exc).strip().splitlines()[-1:]})"
            finally:
                os.chdir(ROOT)
    if why is not None:
        remove()
        OUT.mkdir()
        (OUT / "NOT_BUILT").write_text(why + "\n")
        print(f"note: the engine runs as pure Python (slower, same results): {why}", file=sys.stderr)
        return 0
    print(f"compiled the engine with mypyc ({len(MODULES)} modules) in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)     # as mypy does: freeing its type-checker's objects at exit takes ~20 s more
