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
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rackline.about import FOOTER
from rackline.quantities import is_money_unit, value_text
from rackline.units import WEEK, format_hours

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;
 padding:0 1em;color:#1d2329;line-height:1.45}
h1{margin-bottom:.2em} h2{border-bottom:2px solid #e3e7ea;padding-bottom:.2em;margin-top:2em}
.banner{background:#fff4e5;border-left:5px solid #ff9800;padding:.6em 1em;margin:1em 0}
.headline{background:#eef6ee;border-left:5px solid #2ca02c;padding:.6em 1em;font-size:1.05em}
.headline p{margin:.25em 0} table{border-collapse:collapse;font-size:.86em;margin:.5em 0}
th,td{border-bottom:1px solid #e3e7ea;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f4f6f8} td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.nonote td,tr.over td{background:#fdecea} img{max-width:100%;border:1px solid #e3e7ea;margin:.6em 0}
pre{background:#f4f6f8;padding:1em;overflow:auto;font-size:.8em} .small{color:#5b6770;font-size:.85em}
.wide{overflow-x:auto;max-width:100%}
.answer{display:grid;grid-template-columns:minmax(0,1.25fr) minmax(0,1fr);gap:1.2em;align-items:start;margin:.8em 0}
.answer figure{margin:0} .answer img{margin:0} .answer h3{margin:.1em 0 .3em;font-size:1em}
details{margin:.6em 0} summary{cursor:pointer;color:#36506b}
"""


@dataclass(frozen=True)
class Section:
    """One `<h2>` section of a page; `body` is HTML (built with the functions below)."""

    title: str
    body: str


def esc(text: object) -> str:
    return html.escape(str(text))


MISSING = "—"


def _float(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if v is pd.NA or v is pd.NaT:   # a nullable column's missing value: shown as missing, like NaN
        return math.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def num(v: Any, digits: int = 3) -> str:
    """A number as people read it: 3 significant digits, never `2.786e-05` (0.0000279),
    thousands separated, `∞` for unlimited and a dash for missing."""
    f = _float(v)
    if f is None:
        return MISSING if v is None or v == "" else esc(v)
    if math.isnan(f):
        return MISSING
    if math.isinf(f):
        return "∞" if f > 0 else "-∞"
    if f == 0:
        return "0"
    text = np.format_float_positional(f, precision=digits, unique=False, fractional=False, trim="-")
    if abs(f) >= 10_000:
        text = f"{round(f, digits - 1 - int(math.floor(math.log10(abs(f))))):,.0f}"
    return text


def percent(v: Any) -> str:
    """A share as a percentage with 3 significant digits (`96.4%`, `0%`), a dash for missing."""
    f = _float(v)
    if f is None or math.isnan(f):
        return MISSING
    return f"{num(100 * f)}%"


def hours(v: Any) -> str:
    """A time in hours as people say it: `8 w`, `12.4 w`, `3 d`, `36 h`."""
    f = _float(v)
    if f is None or math.isnan(f):
        return MISSING
    if f == 0:
        return "0 h"
    if abs(f) >= 1000 * WEEK:
        return f"{num(f / WEEK)} w"
    return format_hours(f, 3)


def quantity(v: Any, unit: str) -> str:
    """`v` in the KPI unit `unit`: hours as weeks/days, shares as percent, money with its
    scale ($3.22M), others as numbers."""
    if unit == "h":
        return hours(v)
    if str(unit).startswith("share"):
        return percent(v)
    f = _float(v)
    if is_money_unit(unit) and f is not None and math.isfinite(f):
        return value_text(f, unit)
    return num(v)


def table(df: pd.DataFrame, numeric: Iterable[str] = (), row_class: Callable[[dict[Any, Any]], str] | None = None,
          percent_cols: Iterable[str] = (), hour_cols: Iterable[str] = ()) -> str:
    """An HTML table of `df` that scrolls sideways when wide; `numeric` columns are right-aligned
    numbers, `percent_cols` shares shown as %, `hour_cols` times in w/d/h; `row_class(row)` may mark rows."""
    fmt: dict[str, Callable[[Any], str]] = {c: num for c in numeric}
    fmt.update({c: percent for c in percent_cols})
    fmt.update({c: hours for c in hour_cols})
    head = "".join(f"<th>{esc(c)}</th>" for c in df.columns)
    rows = []
    cols = list(df.columns)
    for values in df.itertuples(index=False, name=None):    # plain tuples: a Series a row cost ~20 ms a report
        cls = row_class(dict(zip(cols, values))) if row_class else ""
        attr = f' class="{cls}"' if cls else ""
        cells = "".join(f'<td class="num">{fmt[c](v)}</td>' if c in fmt else f"<td>{_text(v)}</td>"
                        for c, v in zip(cols, values))     # by position: a repeated column name shows each
        rows.append(f"<tr{attr}>{cells}</tr>")
    return f'<div class="wide"><table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'


def _text(v: Any) -> str:
    f = _float(v)
    if v is None or (f is not None and math.isnan(f)):
        return MISSING
    return esc(v)


def details(summary: str, body: str, open_: bool = False) -> str:
    """A folded block (`<details>`): what most readers skip stays one click away."""
    return f"<details{' open' if open_ else ''}><summary>{esc(summary)}</summary>{body}</details>"


def figure_png(fig: Any) -> bytes:
    """A matplotlib Figure as PNG bytes (saved to plots/ and embedded in the page), drawn
    under the house style it was built in: rc settings read while drawing (text hinting)
    apply only inside it."""
    from rackline.output.plots.style import styled
    buf = io.BytesIO()
    with styled():
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
         intro: str = "", footer: str = "", lead: str = "") -> str:
    """A whole report page. `banner` follows the disclaimer in bold; `lead` (HTML, e.g. a
    compare's side-by-side table) comes first under it; `headline` lines go in the
    green box; `intro` (HTML) sits under it, on the first screen; `footer` is appended to the
    disclaimer footer."""
    body = "".join(f"<h2>{esc(s.title)}</h2>{s.body}" for s in sections)
    tail = f" · {esc(footer)}" if footer else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>{CSS}</style></head><body>
<h1>{esc(title)}</h1>
<div class="banner"><strong>{esc(FOOTER)}.</strong> {esc(banner)}</div>
{lead}<div class="headline" id="headline">{paragraphs(headline)}</div>
{intro}{body}
<p class="small">{esc(FOOTER)}{tail}</p>
</body></html>
"""
