"""`python -m sim` is the same as `rackline`."""
from .cli import entry

entry()
