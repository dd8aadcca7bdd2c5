"""`python -m sim` is the same as `rackline`."""
from rackline.cli import entry

entry()
