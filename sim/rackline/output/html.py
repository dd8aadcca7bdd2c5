"""The one HTML page builder of rackline's reports (run, compare, sweep).

A page is self-contained: CSS inline, plots embedded as base64 PNGs, no scripts and
no outside links, so a report.html can be mailed or archived and still read. Every
page carries the disclaimer banner and footer: all inputs are assumptions.
"""
from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from rackline import FOOTER

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;
 padding:0 1em;color:#1d2329;line-height:1.45}
h1{margin-bottom:.2em} h2{border-bottom:2px solid #e3e7ea;padding-bottom:.2em;margin-top:2em}
.banner{background:#fff4e5;border-left:5px solid #ff9800;padding:.6em 1em;margin:1em 0}
.headline{background:#eef6ee;border-left:5px solid #2ca02c;padding:.6em 1em;font-size:1.05em}
.headline p{margin:.25em 0} table{border-collapse:collapse;font-size:.86em;margin:.5em 0}
th,td{border-bottom:1px solid #e3e7ea;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f4f6f8} td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.nonote td{background:#fdecea} img{max-width:100%;border:1px solid #e3e7ea;margin:.6em 0}
pre{background:#f4f6f8;padding:1em;overflow:auto;font-size:.8em} .small{color:#5b6770;font-size:.85em}
"""


@dataclass(frozen=True)
class Section:
    """One `<h2>` section of a page; `body` is HTML (built with the functions below)."""

    title: str
    body: str


def esc(text: object) -> str:
    return html.escape(str(text))


def num(v: Any) -> str:
    """A number as a report shows it (4 significant digits, a dash for missing)."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return esc(v)
    if pd.isna(f):
        return "–"
    return f"{f:.4g}"


def table(df: pd.DataFrame, numeric: Iterable[str] = (), row_class: Callable[[pd.Series], str] | None = None) -> str:
    """An HTML table of `df`; `numeric` columns are right-aligned numbers; `row_class(row)` may mark rows."""
    numeric = set(numeric)
    head = "".join(f"<th>{esc(c)}</th>" for c in df.columns)
    rows = []
    for _, r in df.iterrows():
        cls = row_class(r) if row_class else ""
        attr = f' class="{cls}"' if cls else ""
        cells = "".join(f'<td class="num">{num(r[c])}</td>' if c in numeric else f"<td>{esc(r[c])}</td>"
                        for c in df.columns)
        rows.append(f"<tr{attr}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def figure_png(fig: Any) -> bytes:
    """A matplotlib Figure as PNG bytes (saved to plots/ and embedded in the page)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def figure(name: str, png: bytes, caption: str = "", alt: str | None = None) -> str:
    """An embedded plot: `<figure id="plot-NAME">` with the PNG inline and an optional caption."""
    cap = f'<figcaption class="small">{esc(caption)}</figcaption>' if caption else ""
    return (f'<figure id="plot-{esc(name)}"><img alt="{esc(alt or name)}" src="data:image/png;base64,'
            f'{base64.b64encode(png).decode()}">{cap}</figure>')


def paragraphs(lines: Sequence[str]) -> str:
    return "".join(f"<p>{esc(line)}</p>" for line in lines)


def manifest_block(meta: dict[str, Any]) -> str:
    return f"<pre>{esc(json.dumps(meta, indent=2, default=str))}</pre>"


def page(title: str, banner: str, headline: Sequence[str], sections: Sequence[Section],
         intro: str = "", footer: str = "") -> str:
    """A whole report page. `banner` follows the disclaimer in bold; `headline` lines go in the
    green box; `intro` (HTML) sits under it; `footer` is appended to the disclaimer footer."""
    body = "".join(f"<h2>{esc(s.title)}</h2>{s.body}" for s in sections)
    tail = f" · {esc(footer)}" if footer else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>{CSS}</style></head><body>
<h1>{esc(title)}</h1>
<div class="banner"><strong>{esc(FOOTER)}.</strong> {esc(banner)}</div>
<div class="headline" id="headline">{paragraphs(headline)}</div>
{intro}{body}
<p class="small">{esc(FOOTER)}{tail}</p>
</body></html>
"""
