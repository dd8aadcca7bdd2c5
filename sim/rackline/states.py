"""The states a station's servers can be in, in the order the engine records them.

Analysis, plots and reports name states from here, so none of them imports the
engine to know what a station measures.
"""
from __future__ import annotations

from typing import Literal

State = Literal["busy", "setup", "starved", "blocked", "idle", "waiting_crew", "down", "off_shift", "waiting_power"]

STATES: tuple[State, ...] = ("busy", "setup", "starved", "blocked", "idle", "waiting_crew", "down", "off_shift",
                             "waiting_power")
# States only a station testing in a hall can be in: recorded (and reported) for those stations only,
# so a scenario without test halls measures exactly what it did before halls existed.
HALL_STATES: tuple[State, ...] = ("waiting_power",)

# States in which a server is working on a unit (its crew or operators at work): labour is paid for these.
WORKING: tuple[State, ...] = ("busy", "setup")
