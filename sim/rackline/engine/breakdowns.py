"""Breakdowns of a station's servers: failures by operating or calendar time,
repairs (optionally waiting for a repair crew), and the paused work they cause.

A part of `Station` (engine/station_measures.py): it uses the station's accounting
(`_flush`, counts) and its work scheduling (`_run`, `try_start`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from rackline.engine.station_measures import StationMeasures
from rackline.engine.work import SETUP_PHASE

if TYPE_CHECKING:
    from rackline.engine.work import Server


class Breakdowns(StationMeasures):
    def start_failures(self) -> None:
        for s in self.servers:
            s.ttf = self.failures["mtbf"]()
            if self.failures["basis"] == "calendar":
                self.clock.call_in(s.ttf, self._fail, s, s.fail_token)

    def _aging(self, server: Server, running: bool) -> None:
        """Operating-time basis: the failure clock runs only while the server works."""
        now = self.clock.now
        if server.fail_since is not None:
            server.ttf -= now - server.fail_since
            server.fail_since = None
            server.fail_token += 1
        if running and not server.down:
            server.fail_since = now
            self.clock.call_in(max(server.ttf, 0.0), self._fail, server, server.fail_token)

    def _fail(self, server: Server, token: int) -> None:
        if token != server.fail_token or server.down:
            return
        self._flush()
        server.fail_since = None
        server.fail_token += 1
        server.down = True
        self.n_down += 1
        job = server.job
        if job is None:
            self.free.remove(server)
            if not self.free:
                self._out_of_line()     # its last free server broke: it holds no turn in its hall
        else:
            if job.phase == SETUP_PHASE:
                self.n_setup -= 1
            else:
                self.n_busy -= 1
            self._run(server)
        pool = self.failures["pool"]
        if pool is None:
            self._begin_repair(server)
        elif pool.take(self.failures["crew"]):
            self._begin_repair(server)
        else:
            self.repair_waiting.append(server)
            pool.wait(self)
        self._mark()

    def on_crew(self) -> None:
        """A crew came free: repairs waiting for one first, then work."""
        while self.repair_waiting and self.failures["pool"].take(self.failures["crew"]):
            self._begin_repair(self.repair_waiting.pop(0))
        if self.repair_waiting:
            self.failures["pool"].wait(self)
        self.try_start()

    def _begin_repair(self, server: Server) -> None:
        self.clock.call_in(self.failures["mttr"](), self._repaired, server)

    def _repaired(self, server: Server) -> None:
        self._flush()
        if self.failures["pool"] is not None:
            self.failures["pool"].give(self.failures["crew"])
        server.down = False
        self.n_down -= 1
        server.ttf = self.failures["mtbf"]()
        job = server.job
        if job is None:
            self.free.append(server)
        else:
            if job.phase == SETUP_PHASE:
                self.n_setup += 1
            else:
                self.n_busy += 1
            self._run(server)
        if self.failures["basis"] == "calendar":
            self.clock.call_in(server.ttf, self._fail, server, server.fail_token)
        self.try_start()
