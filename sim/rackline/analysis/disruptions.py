"""Who waits while a disruption holds: the stations starved more in its window than
at other times (a rework bench always waits for failures; that says nothing).

A year-long constraint chain barely sees a six-week outage (a station starved 30% of
six weeks is starved 3% of the year), so each timed disruption gets its own window:
from its start for twice its length (the outage, then as long again for delayed
lots and empty buffers to work through). Starvation is read from the weekly
snapshots of the replication records, so the window is snapped to whole snapshots.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from rackline.engine.records import Replication
from rackline.units import WEEK

if TYPE_CHECKING:
    from rackline.scenario.model import Scenario

SHOWN = 0.05    # a wait that rose less than this share of open time in the window is not named


@dataclass(frozen=True, slots=True)
class Wait:
    station: str
    item: str
    share: float          # of the station's open server-hours in the window, mean over replications
    otherwise: float      # the same share over the rest of the run


@dataclass(frozen=True, slots=True)
class DisruptionWindow:
    name: str
    target: str           # 'supplier:optics_asia'
    start: float          # hours
    end: float            # when the disruption ends
    window_start: float   # the window read: snapshot times around [start, end + (end - start)]
    window_end: float
    waits: tuple[Wait, ...]   # most starved first

    def __str__(self) -> str:
        head = (f"Disruption {self.name} ({self.target.replace(':', ' ')}, weeks {self.start / WEEK:.3g}–"
                f"{self.end / WEEK:.3g})")
        if not self.waits:
            return f"{head}: no station waited for its inputs much more than otherwise in weeks " \
                   f"{self.window_start / WEEK:.3g}–{self.window_end / WEEK:.3g}"
        waits = "; ".join(f"{w.station} waited for {w.item} {w.share:.0%} of open time ({w.otherwise:.0%} otherwise)"
                          for w in self.waits)
        return f"{head}: in weeks {self.window_start / WEEK:.3g}–{self.window_end / WEEK:.3g} {waits}"


def disruption_windows(reps: Sequence[Replication], sc: Scenario, warmup: float = 0.0,
                       top: int = 3) -> list[DisruptionWindow]:
    """One window per timed disruption (`at:` in the scenario; a random duration ends it at
    the mean of its ends), clipped to the measured time after `warmup`; random (`every:`)
    disruptions recur at different times and get none. Rework benches waiting for failed
    units are left out: they always wait."""
    if not reps:
        return []
    failed = {r.fail_to for _, _, st in sc.station_items() for r in st.recipes().values() if r.fail_to != "scrap"}
    times = reps[0].times
    out = []
    for name, spec in sc.disruptions.items():
        if spec.at is None:
            continue
        ends = [e.end for rep in reps for e in rep.disruptions if e.name == name]
        target = next((e.target for rep in reps for e in rep.disruptions if e.name == name), "")
        if not ends:
            continue
        start, end = float(spec.at), float(np.mean(ends))
        a = int(np.searchsorted(times, max(start, warmup), side="right")) - 1   # snapshot at or before
        b = min(int(np.searchsorted(times, end + (end - start) - 1e-9)), len(times) - 1)
        w = int(np.searchsorted(times, warmup - 1e-9))                            # first measured snapshot
        if b <= a or end <= warmup:
            continue
        inside: dict[tuple[str, str], list[float]] = defaultdict(list)
        outside: dict[tuple[str, str], list[float]] = defaultdict(list)
        for rep in reps:
            for key, st in rep.stations.items():
                off = st.time_in_state["off_shift"]
                open_in = st.servers * float(rep.times[b] - rep.times[a]) - float(off[b] - off[a])
                open_out = st.servers * float(rep.times[-1] - rep.times[w]) - float(off[-1] - off[w]) - open_in
                for item, series in st.starved_on.items():
                    if item in failed:
                        continue
                    waited = float(series[b] - series[a])
                    if open_in > 0:
                        inside[(key, item)].append(waited / open_in)
                    if open_out > 0:
                        outside[(key, item)].append((float(series[-1] - series[w]) - waited) / open_out)
        waits = [Wait(st, item, float(np.mean(v)), float(np.mean(outside.get((st, item)) or [0.0])))
                 for (st, item), v in inside.items()]
        waits.sort(key=lambda x: -(x.share - x.otherwise))
        out.append(DisruptionWindow(name, target, start, end, float(times[a]), float(times[b]),
                                    tuple(x for x in waits[:top] if x.share - x.otherwise >= SHOWN)))
    return sorted(out, key=lambda d: d.start)
