"""The side-by-side table a compare leads with, computed once from the Comparison.

Rows are the KPIs a planner reads first: the scenarios' questions' KPIs, then
throughput, fill rate, cost per rack, NPV and racks lost to disruptions (each only
when the run reports it). Per scenario a row holds the mean with its interval; per
scenario after the first, the paired difference from the first with its interval
and whether it is clear (the interval excludes zero). The CLI, report.html and
results.xlsx only format this record (`output.compare_report`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from rackline.analysis.answer_parts import Estimate  # the one mean-with-interval record
from rackline.kpi_names import RUN_MORE, select_rows

# what every compare table shows after the questions' KPIs, in this order
PLANNER_KPIS = ("throughput", "fill_rate", "cost_per_rack:total", "npv", "disruption_loss")
LABELS = {"throughput": "throughput", "fill_rate": "fill rate", "cost_per_rack": "cost per rack", "npv": "NPV",
          "disruption_loss": "racks lost to disruptions"}


@dataclass(frozen=True)
class Change:
    """A scenario's paired difference from the base: mean, interval, and whether the
    interval excludes zero (`clear`); `variance_reduction` is what pairing removed."""

    diff: float
    low: float
    high: float
    clear: bool
    variance_reduction: float

    @property
    def same(self) -> bool:
        """The same value in every replication (the KPI does not move at all)."""
        return self.diff == 0 and self.low == 0 and self.high == 0

    @property
    def verdict(self) -> str:
        """Plain words: 'clear', 'not clear', or 'no change'."""
        if self.same:
            return "no change"
        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            return "not clear (no interval)"
        return "clear" if self.clear else "not clear"


@dataclass(frozen=True)
class TableRow:
    kpi: str
    subject: str
    unit: str
    values: tuple[Estimate | None, ...]     # one per scenario (None: not reported there)
    changes: tuple[Change | None, ...]      # one per scenario after the base

    @property
    def label(self) -> str:
        name = LABELS.get(self.kpi, self.kpi.replace("_", " "))
        return name if self.subject in ("all", "total", "") else f"{name}: {self.subject}"


@dataclass(frozen=True)
class CompareTable:
    names: tuple[str, ...]      # scenarios; the first is the base
    rows: tuple[TableRow, ...]

    def frame(self) -> pd.DataFrame:
        """Wide, one row per KPI: each scenario's mean and interval, then each difference
        from the base with its interval and verdict (the CSV and the workbook sheet)."""
        base = self.names[0]
        records = []
        for r in self.rows:
            rec: dict[str, object] = {"kpi": r.kpi, "subject": r.subject, "unit": r.unit}
            for name, e in zip(self.names, r.values):
                rec[name] = e.mean if e else math.nan
                rec[f"{name} low"] = e.low if e and e.has_interval else math.nan
                rec[f"{name} high"] = e.high if e and e.has_interval else math.nan
            for name, c in zip(self.names[1:], r.changes):
                rec[f"{name} - {base}"] = c.diff if c else math.nan
                rec[f"{name} - {base} low"] = c.low if c else math.nan
                rec[f"{name} - {base} high"] = c.high if c else math.nan
                rec[f"{name} vs {base}"] = c.verdict if c else ""
            records.append(rec)
        return pd.DataFrame(records)


def row_specs(questions: list[list[str]]) -> list[str]:
    """KPI specs in table order: the questions' (what-ifs' first, then the base's), then
    the planner's fixed rows."""
    specs: list[str] = []
    for kpis in [*questions[1:], *questions[:1]]:
        specs += [k for k in kpis if k not in specs]
    return specs + [k for k in PLANNER_KPIS if k not in specs]


def compare_table(names: list[str], kpis: pd.DataFrame, differences: pd.DataFrame,
                  questions: list[list[str]]) -> CompareTable:
    """The table from a Comparison's `kpis` and `differences` frames; `questions` holds
    each scenario's question KPIs (empty when it asks none)."""
    keys: list[tuple[str, str, str]] = []
    for spec in row_specs(questions):
        rows = select_rows(kpis, spec)
        keys += [k for k in dict.fromkeys(zip(rows.kpi, rows.subject, rows.unit)) if k not in keys]
    est = kpis.set_index(["kpi", "subject", "unit", "scenario"])
    dif = differences.set_index(["kpi", "subject", "unit", "scenario"])
    out = []
    for kpi, subject, unit in keys:
        values = tuple(_estimate(est, (kpi, subject, unit, n)) for n in names)
        changes = tuple(_change(dif, (kpi, subject, unit, n)) for n in names[1:])
        out.append(TableRow(kpi, subject, unit, values, changes))
    return CompareTable(tuple(names), tuple(out))


def _estimate(est: pd.DataFrame, key: tuple[str, str, str, str]) -> Estimate | None:
    if key not in est.index:
        return None
    r = est.loc[key]
    note = r.get("ci_note", "")
    return Estimate(mean=float(r["mean"]), low=float(r.ci_low), high=float(r.ci_high),
                    note=RUN_MORE if note == RUN_MORE else "")


def _change(dif: pd.DataFrame, key: tuple[str, str, str, str]) -> Change | None:
    if key not in dif.index:
        return None
    r = dif.loc[key]
    return Change(float(r["diff"]), float(r.ci_low), float(r.ci_high), bool(r.clear), float(r.variance_reduction))
