"""rackline.analysis."""
