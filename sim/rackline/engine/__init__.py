"""The discrete-event engine: building blocks (one module each) and the network that wires them."""
from rackline.engine import native  # noqa: F401  (first: it decides which engine modules load compiled)
from rackline.engine.network import Network, run_replication
from rackline.engine.records import Replication

__all__ = ["Network", "Replication", "run_replication"]
