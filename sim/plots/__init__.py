"""Plots: functions that take DataFrames and return a matplotlib Figure (never shown)."""
from .flow import flow_picture
from .runs import (cumulative_plot, inventory_plot, lead_time_plot, throughput_plot, welch_plot, backlog_plot)
from .stations import bottleneck_share_plot, bottleneck_timeline_plot, station_states_plot
from .style import FOOTER

__all__ = ["FOOTER", "backlog_plot", "bottleneck_share_plot", "bottleneck_timeline_plot", "cumulative_plot",
           "flow_picture", "inventory_plot", "lead_time_plot", "station_states_plot", "throughput_plot",
           "welch_plot"]
