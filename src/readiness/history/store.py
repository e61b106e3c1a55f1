"""The history file: one row per readiness run or watch round, in SQLite (the standard
library's), so that CI can carry it from run to run as one file.

A row holds the target's identity, the verdict, each criterion's outcome and what was measured
(runbook query timings, job latencies, the score distribution, error counts, the scoring time
from /metrics, the before/after comparisons), as JSON: what is measured may grow without a
migration of the file.
"""

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FILE_NAME = "history.sqlite"
RUN = "run"
ROUND = "watch round"
GO = "GO"
INCOMPLETE = "INCOMPLETE"

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  target TEXT NOT NULL,
  started TEXT NOT NULL,
  verdict TEXT NOT NULL,
  deployed_at TEXT,
  identity TEXT NOT NULL,
  criteria TEXT NOT NULL,
  measured TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_target ON runs (target, id);
"""


@dataclass
class Entry:
    kind: str  # RUN | ROUND
    target: str  # target_key(): the API and the masked database
    started: str  # ISO 8601, UTC
    verdict: str  # GO / NO-GO / INCOMPLETE for a run; OK / ALERT / NO ANSWER for a round
    deployed_at: str | None = None
    identity: dict[str, Any] = field(default_factory=dict)
    criteria: dict[str, str] = field(default_factory=dict)  # title -> outcome
    measured: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


def target_key(api_url: str | None, database: str | None) -> str:
    """A target as the history knows it; the database is shown masked, never with a password."""
    return f"{api_url or 'embedded'} | {database or '-'}"


class HistoryFileError(Exception):
    """The file exists but is no history (or cannot be written): said in one line."""


class History:
    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(sqlite3.connect(self.path, timeout=10)) as conn, conn:
                conn.executescript(SCHEMA)
                yield conn
        except sqlite3.DatabaseError as error:
            raise HistoryFileError(
                f"the history file {self.path} cannot be used ({error}): point --history "
                "(PLANNING_HISTORY) at another file, or move this one away"
            ) from None
        except OSError as error:
            raise HistoryFileError(
                f"the history file {self.path} cannot be written: {error}"
            ) from None

    def append(self, entry: Entry) -> int:
        with self._connection() as conn:
            cursor = conn.execute(
                "INSERT INTO runs (kind, target, started, verdict, deployed_at, identity, "
                "criteria, measured) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    entry.kind,
                    entry.target,
                    entry.started,
                    entry.verdict,
                    entry.deployed_at,
                    json.dumps(entry.identity, default=str),
                    json.dumps(entry.criteria),
                    json.dumps(entry.measured, default=str),
                ),
            )
            entry.id = int(cursor.lastrowid or 0)
            return entry.id

    def entries(self, target: str, kind: str | None = None, last: int = 50) -> list[Entry]:
        """The target's latest entries, oldest first."""
        if not self.path.exists():
            return []
        where, params = "target = ?", [target]
        if kind is not None:
            where, params = where + " AND kind = ?", [*params, kind]
        with self._connection() as conn:
            rows = conn.execute(
                f"SELECT id, kind, target, started, verdict, deployed_at, identity, criteria, "
                f"measured FROM runs WHERE {where} ORDER BY id DESC LIMIT ?",
                (*params, last),
            ).fetchall()
        return [_entry(row) for row in reversed(rows)]

    def last_go(self, target: str) -> Entry | None:
        """The target's last GO; where a deployment can only be INCOMPLETE (it exposes less
        than the runbook asks), its last run in which nothing failed."""
        runs = self.entries(target, RUN, last=100)
        return next(
            (
                e
                for e in reversed(runs)
                if e.verdict == GO
                or (e.verdict == INCOMPLETE and "failed" not in e.criteria.values())
            ),
            None,
        )


def _entry(row: tuple[Any, ...]) -> Entry:
    id_, kind, target, started, verdict, deployed_at, identity, criteria, measured = row
    return Entry(
        kind,
        target,
        started,
        verdict,
        deployed_at,
        json.loads(identity),
        json.loads(criteria),
        json.loads(measured),
        id_,
    )
