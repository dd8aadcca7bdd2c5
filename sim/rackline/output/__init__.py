"""rackline.output."""
