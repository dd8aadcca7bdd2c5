"""The assumption register as a workbook a planner edits, and read back as overrides.

`rackline assumptions FILE --xlsx reg.xlsx` writes one row per assumption (path, value
as written, unit, note, the range `rackline screen` would vary it over) on the sheet
`assumptions`, and the values as exported on a hidden sheet `exported`. `--assumptions
reg.xlsx` on run, compare, sweep, optimize and screen applies every cell whose value
differs from the exported one as an override, exactly as `--set PATH=VALUE` would (same
values, so the same numbers), and echoes each with its cell. A bad cell is refused
with its sheet, row and column: a path that no longer exists, a value that lost its
unit, a share outside 0-1, or anything the scenario's own checks refuse.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rackline.errors import Problem, ScenarioError
from rackline.scenario.load import Loaded, load_scenario
from rackline.scenario.paths import get_path, overrides_of, parse_value, written
from rackline.units import is_duration, is_money, is_percent, is_rate

if TYPE_CHECKING:
    import pandas as pd

SHEET, EXPORTED = "assumptions", "exported"
COLUMNS = ["path", "value", "unit", "note", "range"]
SHARE_UNITS = {"fraction", "share"}


@dataclass(frozen=True)
class Edit:
    """One edited cell: the path it sets, the value and where it sits in the workbook."""

    path: str
    value: Any
    cell: str          # 'reg.xlsx, sheet assumptions, cell B7'


def write_register(loaded: Loaded, reg: pd.DataFrame, dest: str | Path) -> Path:
    """Write the rows of `reg` (a register, possibly filtered) as a workbook to edit."""
    import pandas as pd

    from rackline.scenario.assumptions import register
    from rackline.scenario.ranges import screening_ranges
    ranges, _ = screening_ranges(loaded, register(loaded))
    by_path = {r.path: r.text() for r in ranges}
    rows = pd.DataFrame({"path": reg.path, "value": [get_path(loaded.data, p) for p in reg.path],
                         "unit": reg.unit, "note": reg.note, "range": [by_path.get(p, "") for p in reg.path]},
                        columns=COLUMNS)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(dest, engine="openpyxl") as xw:
        rows.to_excel(xw, sheet_name=SHEET, index=False)
        rows[["path", "value"]].to_excel(xw, sheet_name=EXPORTED, index=False)
        sheet = xw.sheets[SHEET]
        for letter, width in zip("ABCDE", (62, 16, 12, 70, 36)):
            sheet.column_dimensions[letter].width = width
        sheet.freeze_panes = "A2"
        xw.book[EXPORTED].sheet_state = "hidden"
    return dest


def _plain(x: float) -> str:
    """A number in full, without exponent or trailing zeros: 25, 120000, 0.065."""
    return f"{x:.10f}".rstrip("0").rstrip(".")


def _cell_value(v: Any, number_format: str = "General") -> Any:
    """A cell as --set would read it: text as YAML ('4 h', '12%'), numbers as they are.
    Excel turns a typed `12%` into 0.12 shown as a percentage, and `$150,000` into 150000
    shown as currency: those come back as the text typed."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if "%" in number_format:
            return f"{_plain(v * 100)}%"
        if "$" in number_format:
            return f"${_plain(v)}"
    if isinstance(v, str):
        return parse_value(v, "cell")
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def read_edits(workbook: str | Path) -> list[Edit]:
    """Every row of the `assumptions` sheet whose value differs from the exported one
    (every row, when the workbook has no `exported` sheet)."""
    import openpyxl
    name = Path(workbook).name
    try:
        book = openpyxl.load_workbook(workbook, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's to fix
        raise ScenarioError([Problem(str(workbook), None, "", f"expected a workbook written by "
                                                               f"`rackline assumptions --xlsx`, got {exc}")]) from None
    if SHEET not in book.sheetnames:
        raise ScenarioError([Problem(name, None, "", f"expected a sheet named {SHEET!r}, got {book.sheetnames}")])
    ws = book[SHEET]
    header = [str(c.value).strip().lower() if c.value is not None else "" for c in ws[1]]
    if "path" not in header or "value" not in header:
        raise ScenarioError([Problem(f"{name}, sheet {SHEET}, row 1", None, "",
                                     f"expected the columns 'path' and 'value', got {header}")])
    pc, vc = header.index("path"), header.index("value")
    exported: dict[str, Any] | None = None
    if EXPORTED in book.sheetnames:
        rows = list(book[EXPORTED].iter_rows(min_row=2, values_only=True))
        exported = {str(r[0]): r[1] for r in rows if r and r[0] is not None}
    edits, problems = [], []
    for row in ws.iter_rows(min_row=2):
        pcell, vcell = row[pc], row[vc]
        path = str(pcell.value).strip() if pcell.value is not None else ""
        if not path and vcell.value is None:
            continue
        where = f"{name}, sheet {SHEET}, cell {vcell.coordinate} (row {vcell.row}, column {vcell.column_letter})"
        if not path:
            problems.append(Problem(f"{name}, sheet {SHEET}, cell {pcell.coordinate} (row {pcell.row}, "
                                    f"column {pcell.column_letter})", None, "", "expected a dotted path, got an empty cell"))
            continue
        if exported is not None and path in exported and vcell.value == exported[path]:
            continue
        if vcell.value is None or (isinstance(vcell.value, str) and not vcell.value.strip()):
            problems.append(Problem(where, None, path, "expected a value, got an empty cell"))
            continue
        try:
            edits.append(Edit(path, _cell_value(vcell.value, str(vcell.number_format)), where))
        except ScenarioError as exc:
            problems += [Problem(where, None, path, p.message) for p in exc.problems]
    if problems:
        raise ScenarioError(problems)
    return edits


def _check(edit: Edit, data: dict[str, Any], units: dict[str, str]) -> str | None:
    """What is wrong with an edit against the scenario's data, before validation."""
    try:
        old = get_path(data, edit.path)
    except ValueError as exc:
        return f"expected a path in the scenario, got {edit.path!r} ({exc})"
    has_unit = isinstance(old, str) and any(f(old) for f in (is_duration, is_rate, is_money, is_percent))
    if has_unit and isinstance(edit.value, (int, float)):
        return f"expected a value with its unit, like {old!r}, got {edit.value!r} (which unit?)"
    if units.get(edit.path) in SHARE_UNITS and isinstance(edit.value, (int, float)) and not 0 <= edit.value <= 1:
        return f"expected a {units[edit.path]} between 0 and 1, got {edit.value!r}"
    return None


def apply_edits(scenario: str | Path, edits: list[Edit], sets: dict[str, Any] | None = None) -> tuple[Loaded, list[Edit]]:
    """Load `scenario` with the edits that change it (then `sets`, which win) as overrides;
    every problem an edit causes is named by its cell. Returns the edits applied."""
    from rackline.scenario.assumptions import register
    base = load_scenario(scenario)
    units = dict(zip(*(register(base)[c] for c in ("path", "base_unit"))))
    problems, applied = [], []
    for e in edits:
        why = _check(e, base.data, units)
        if why:
            problems.append(Problem(e.cell, None, e.path, why))
        elif get_path(base.data, e.path) != e.value and e.path not in (sets or {}):
            applied.append(e)
    if problems:
        raise ScenarioError(problems)
    overrides = {e.path: e.value for e in applied} | dict(sets or {})
    try:
        return load_scenario(scenario, overrides, source="--assumptions" if applied else "--set"), applied
    except ScenarioError as exc:
        cells = {e.path: e.cell for e in applied}

        def blame(p: Problem) -> Problem:     # at the edited value, inside it, or at what holds it
            hits = [c for path, c in cells.items() if p.path == path or p.path.startswith(path + ".")
                    or (p.path and path.startswith(p.path + "."))]
            return Problem("; ".join(hits), None, p.path, p.message) if hits else p
        raise ScenarioError([blame(p) for p in exc.problems]) from None


def override_lines(loaded: Loaded, applied: list[Edit]) -> list[str]:
    """`Set PATH = VALUE (was OLD)` for every override, naming the cell of each edit."""
    cells = {e.path: e.cell for e in applied}
    out = []
    for path, value in loaded.overrides.items():
        old = loaded.previous.get(path)
        where = f" from {cells[path]}" if path in cells else ""
        out.append(f"Set {path} = {written(value)} ({'new' if old is None else 'was ' + written(old)}){where}")
    return out


def load_with_workbook(scenario: str | Path, sets: tuple[str, ...] | list[str],
                       workbook: str | Path | None) -> tuple[Loaded, list[str]]:
    """The scenario with `--assumptions WORKBOOK` and `--set` flags applied, and the
    lines that echo each override."""
    if workbook is None:
        loaded = load_scenario(scenario, overrides_of(sets))
        return loaded, override_lines(loaded, [])
    loaded, applied = apply_edits(scenario, read_edits(workbook), overrides_of(sets))
    return loaded, override_lines(loaded, applied)


def workbook_loader(workbook: str | Path | None) -> tuple[Callable[[Path], Loaded], list[str]]:
    """A scenario loader for commands that read their base scenario themselves (sweep,
    optimize), applying the workbook's edits; the list fills with the echo lines once the
    loader has run."""
    lines: list[str] = []

    def load(path: Path) -> Loaded:
        loaded, echo = load_with_workbook(path, (), workbook)
        lines.extend(echo)
        return loaded
    return load, lines
