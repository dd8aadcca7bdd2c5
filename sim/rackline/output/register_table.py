"""The assumption register as a terminal table: by default path, value as written and
a note cut to fit 100 columns (`wide` gives every column, uncut). A value without a
note reads NO NOTE, so an unjustified assumption shows without a column of its own."""
from __future__ import annotations

import pandas as pd

WIDTH = 100
GAP = "  "


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:max(width - 1, 0)] + "…"


def table_lines(reg: pd.DataFrame, wide: bool = False, width: int = WIDTH) -> list[str]:
    """One line per row, with a header; no column that is empty in every row."""
    shown = reg.assign(note=reg.note.where(reg.note.astype(bool), "NO NOTE"))
    if wide:
        cols = [c for c in ("path", "value", "unit", "base_value", "base_unit", "note", "range") if c in shown]
        text = shown[cols].astype(str)
        cols = [c for c in cols if text[c].str.strip().astype(bool).any()]
        widths = [max(len(c), int(text[c].str.len().max() or 0)) for c in cols]
        return [GAP.join(f"{v:<{w}}" for v, w in zip(row, widths)).rstrip()
                for row in [cols, *text[cols].itertuples(index=False)]]
    if shown.empty:
        return []
    pw = max(len("path"), int(shown.path.str.len().max()))
    vw = min(16, max(len("value"), int(shown.value.astype(str).str.len().max())))
    nw = max(10, width - pw - vw - 2 * len(GAP))
    lines = [f"{'path':<{pw}}{GAP}{'value':<{vw}}{GAP}note"]
    for r in shown.itertuples():
        lines.append(f"{r.path:<{pw}}{GAP}{_cut(str(r.value), vw):<{vw}}{GAP}{_cut(str(r.note), nw)}".rstrip())
    return lines
