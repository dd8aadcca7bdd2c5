"""The states a station's servers can be in, in the order the engine records them.

Analysis, plots and reports name states from here, so none of them imports the
engine to know what a station measures.
"""
from __future__ import annotations

from typing import Literal

State = Literal["busy", "setup", "starved", "blocked", "idle", "waiting_crew", "down", "off_shift"]

STATES: tuple[State, ...] = ("busy", "setup", "starved", "blocked", "idle", "waiting_crew", "down", "off_shift")

# States in which a server is working on a unit (its crew or operators at work): labour is paid for these.
WORKING: tuple[State, ...] = ("busy", "setup")
