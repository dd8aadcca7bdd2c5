"""The sweep's results store: one SQLite file, one transaction per finished task.

A task (point, replication) is either wholly in the store or not at all, so a sweep
killed at any moment (even SIGKILL) resumes by running only what is missing.

The journal is SQLite's rollback journal, deleted at each commit, not a write-ahead
log: a sweep stopped by a full disk leaves `sweep.db` alone (no `-wal`/`-shm` beside
it), holding exactly the tasks committed before the disk filled.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

STORE = "sweep.db"      # the store's file name inside a sweep folder

StoreRow = tuple[str, str, str, float]   # one result row of a task: kpi, subject, unit, value

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS points(point INTEGER PRIMARY KEY, overrides TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tasks(point INTEGER NOT NULL, replication INTEGER NOT NULL, status TEXT NOT NULL,
                                 error TEXT, PRIMARY KEY(point, replication));
CREATE TABLE IF NOT EXISTS results(point INTEGER NOT NULL, replication INTEGER NOT NULL, kpi TEXT NOT NULL,
                                   subject TEXT NOT NULL, unit TEXT NOT NULL, value REAL);
"""


def stored_design(path: str | Path) -> str | None:
    """The design hash a store was started with (None before it has one): a sweep or a
    study resumes only into a store of its own hash."""
    st = Store(path)
    try:
        return st.meta("design")
    finally:
        st.close()


class Store:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.db = sqlite3.connect(self.path)
        self.db.execute("PRAGMA journal_mode=DELETE")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        try:
            self.db.rollback()      # an open transaction a failed write left: its journal goes with it
        finally:
            self.db.close()

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def init(self, design_hash: str, points: list[dict[str, Any]], meta: dict[str, Any]) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES('design', ?)", (design_hash,))
            for k, v in meta.items():
                self.db.execute("INSERT OR REPLACE INTO meta VALUES(?, ?)", (k, json.dumps(v, default=str)))
            self.db.executemany("INSERT OR IGNORE INTO points VALUES(?, ?)",
                                [(i, json.dumps(p, sort_keys=True, default=str)) for i, p in enumerate(points)])

    def done(self) -> set[tuple[int, int]]:
        return {(p, r) for p, r in self.db.execute("SELECT point, replication FROM tasks")}

    def commit(self, point: int, replication: int, rows: list[StoreRow] | None, error: str | None = None) -> None:
        self.commit_point(point, [(replication, rows, error)])

    def commit_point(self, point: int, tasks: list[tuple[int, list[StoreRow] | None, str | None]]) -> None:
        """Several (replication, rows, error) of one point in one transaction."""
        with self.db:   # one transaction: the tasks' rows and their 'done' marks together
            for replication, rows, error in tasks:
                if rows:
                    self.db.executemany("INSERT INTO results VALUES(?, ?, ?, ?, ?, ?)",
                                        [(point, replication, *r) for r in rows])
                self.db.execute("INSERT INTO tasks VALUES(?, ?, ?, ?)",
                                (point, replication, "error" if error else "ok", error))

    def results(self) -> pd.DataFrame:
        import pandas as pd
        return pd.read_sql_query("SELECT point, replication, kpi, subject, unit, value FROM results "
                                 "ORDER BY point, replication, kpi, subject", self.db)

    def errors(self) -> pd.DataFrame:
        import pandas as pd
        return pd.read_sql_query("SELECT point, replication, error FROM tasks WHERE status='error' "
                                 "ORDER BY point, replication", self.db)
