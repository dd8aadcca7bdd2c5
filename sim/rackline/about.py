"""What rackline is and how every result is labelled: its version and the footer that marks
each table, report and plot as built on assumptions. A bottom module, so every layer may say it."""

__version__ = "0.2.0"

FOOTER = "Illustrative model: all inputs are assumptions (no public volumes)"
