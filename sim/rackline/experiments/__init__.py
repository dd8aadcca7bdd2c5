"""rackline.experiments."""
