"""Plots and report.html for a run folder (filled in by the plots issue)."""
from __future__ import annotations


def write_plots_and_report(res, folder) -> None:
    """Nothing yet: plots and the HTML report come with the plots issue (#6)."""
    return None
