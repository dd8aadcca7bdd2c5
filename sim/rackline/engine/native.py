"""The compiled engine: load it when it is built and current, else the Python source.

`make install` runs sim/build_engine.py, which compiles the engine's hot modules
with mypyc into engine/_native/ (the extension files and a MANIFEST: each module's
source SHA-256 and file). Imported first by `rackline.engine`, this module puts a
finder ahead of Python's own for exactly those modules. It loads the compiled ones
when every source they were built from still hashes the same and RACKLINE_PURE is
unset; otherwise (not built, an engine file edited since, RACKLINE_PURE=1) it finds
nothing and Python imports the .py files as always. All or none: the compiled
modules share one library and know each other's classes. Both paths give the same
numbers, bit for bit (tests/test_native.py).
"""
from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Sequence
from importlib.abc import MetaPathFinder
from importlib.machinery import EXTENSION_SUFFIXES, ExtensionFileLoader, ModuleSpec
from importlib.util import spec_from_file_location
from pathlib import Path
from types import ModuleType

ENGINE = Path(__file__).parent
BUILT = ENGINE / "_native"


def compiled(engine: Path, built: Path, pure: bool) -> tuple[dict[str, Path], str]:
    """The compiled modules to load ({module: extension file}) and why they are or are not used."""
    if pure:
        return {}, "pure Python: RACKLINE_PURE is set"
    try:
        lines = (built / "MANIFEST").read_text().splitlines()
    except OSError:
        why = f"{(built / 'NOT_BUILT').read_text().strip()}; " if (built / "NOT_BUILT").exists() else ""
        return {}, f"pure Python: the compiled engine is not built ({why}see `make install`)"
    files: dict[str, Path] = {}
    for line in lines:
        module, sha, name = line.split()
        if not name.endswith(EXTENSION_SUFFIXES[0]):     # this Python's own ABI (the build names them so)
            return {}, f"pure Python: {name} was built for another Python"
        source = engine / f"{module.rsplit('.', 1)[1]}.py"
        if sha != "-" and (not source.exists() or hashlib.sha256(source.read_bytes()).hexdigest() != sha):
            return {}, f"pure Python: {source.name} changed since the build (run `make install`)"
        files[module] = built / name
    return files, f"compiled with mypyc: {', '.join(sorted(m.rsplit('.', 1)[1] for m in files if not m.endswith('__mypyc')))}"


COMPILED, STATUS = compiled(ENGINE, BUILT, os.environ.get("RACKLINE_PURE", "") not in ("", "0"))


class _Finder(MetaPathFinder):
    """Finds the compiled modules of COMPILED (and nothing else)."""

    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        file = COMPILED.get(fullname)
        if file is None:
            return None
        return spec_from_file_location(fullname, file, loader=ExtensionFileLoader(fullname, str(file)))


if COMPILED and not any(isinstance(f, _Finder) for f in sys.meta_path):
    sys.meta_path.insert(0, _Finder())
