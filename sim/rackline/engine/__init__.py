"""The discrete-event engine: building blocks (one module each) and the network that wires them."""
from rackline.engine.network import Network, RepResult, run_replication

__all__ = ["Network", "RepResult", "run_replication"]
