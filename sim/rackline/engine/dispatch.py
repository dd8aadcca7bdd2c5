"""Which job a station starts next when it could start several: its recipes in dispatch
order (the largest backlog first, or round robin) and, among its free servers, one
already set up for the item (no changeover). A part of `Station`
(engine/station_measures.py).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rackline.engine.breakdowns import Breakdowns

if TYPE_CHECKING:
    from rackline.engine.work import RecipeRun, Server


class Dispatch(Breakdowns):
    # what else of the station's state this part reads (set by Station.__init__)
    dispatch: str
    backlog_of: Callable[[str], int]
    _rr: int
    _last_item: str | None

    def _order(self) -> list[RecipeRun]:
        recipes = self.recipes
        if len(recipes) == 1:
            return recipes
        if self.dispatch == "round_robin":
            k = self._rr % len(recipes)
            return recipes[k:] + recipes[:k]
        last = self._last_item
        return sorted(recipes, key=lambda r: (-(self.backlog_of(r.item) + (r.auth.count if r.auth else 0)),
                                              r.item != last))

    def _set_up_server(self, server: Server, item: str) -> Server:
        """Prefer a free server already set up for `item` (no changeover)."""
        free = self.free
        for i in range(len(free) - 1, -1, -1):
            if free[i].last_item == item:
                free[i], server = server, free[i]
                break
        return server
