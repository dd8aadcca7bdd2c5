"""Plots: functions that take DataFrames and return a matplotlib Figure (never shown)."""
from rackline.about import FOOTER
from rackline.output.plots.flow import flow_picture
from rackline.output.plots.runs import (
           backlog_plot,
           cumulative_plot,
           inventory_plot,
           lead_time_plot,
           throughput_plot,
           welch_plot,
)
from rackline.output.plots.stations import bottleneck_share_plot, bottleneck_timeline_plot, station_states_plot

__all__ = ["FOOTER", "backlog_plot", "bottleneck_share_plot", "bottleneck_timeline_plot", "cumulative_plot",
           "flow_picture", "inventory_plot", "lead_time_plot", "station_states_plot", "throughput_plot",
           "welch_plot"]
