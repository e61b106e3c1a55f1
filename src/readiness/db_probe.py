"""Read the target's Postgres the way an operator with psql would, with timeouts and evidence.

One connection per run, opened on first use. If it cannot be opened the reason is kept, so
every later database step fails at once with the same explanation instead of waiting again.
"""

import statistics
import time
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import errors as pg_errors

from planning_engine.database import explain_connection_failure
from planning_engine.dsn import describe_target
from readiness.checks import fail
from readiness.evidence import Evidence

CONNECT_TIMEOUT_S = 5
STATEMENT_TIMEOUT_MS = 15_000
TIMED_RUNS = 3  # a query's time is the median of this many runs


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    duration_ms: float

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def scalar(self) -> Any:
        return self.rows[0][0] if self.rows else None


class DatabaseProbe:
    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.target = describe_target(dsn)
        self._conn: psycopg.Connection | None = None
        self._failure: str | None = None

    def _connection(self) -> psycopg.Connection:
        if self._failure:
            fail(self._failure, "connection")
        if self._conn is None or self._conn.closed:
            try:
                self._conn = psycopg.connect(
                    self.dsn,
                    autocommit=True,
                    connect_timeout=CONNECT_TIMEOUT_S,
                    options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
                    application_name="stream5-readiness",
                )
            except psycopg.Error as error:
                self._failure = explain_connection_failure(self.dsn, error).cause
                fail(self._failure, "connection")
        assert self._conn is not None
        return self._conn

    def query(
        self, sql: str, evidence: Evidence | None = None, params: tuple[Any, ...] | None = None
    ) -> QueryResult:
        conn = self._connection()
        started = time.perf_counter()
        try:
            cursor = conn.execute(sql, params)
            rows = cursor.fetchall() if cursor.description else []
        except (pg_errors.UndefinedTable, pg_errors.UndefinedColumn) as error:
            fail(f"schema incomplete on {self.target} ({error.diag.message_primary})", "schema")
        except pg_errors.InsufficientPrivilege as error:
            fail(
                f"the DSN's user may not read this on {self.target} ({error.diag.message_primary})",
                "permissions",
            )
        except pg_errors.QueryCanceled:
            fail(
                f"the query ran longer than {STATEMENT_TIMEOUT_MS / 1000:g} s on {self.target}",
                "performance",
            )
        except psycopg.OperationalError as error:
            self._conn = None
            fail(
                f"lost the database at {self.target} ({str(error).strip().splitlines()[0]})",
                "connection",
            )
        duration_ms = (time.perf_counter() - started) * 1000
        columns = [c.name for c in cursor.description] if cursor.description else []
        if evidence is not None:
            evidence.sql(sql, columns, rows, duration_ms, self.target)
        return QueryResult(columns, rows, duration_ms)

    def median_ms(self, sql: str, evidence: Evidence | None = None) -> float:
        """The query's median time over TIMED_RUNS runs (the first with its rows as evidence)."""
        timings = [
            self.query(sql, evidence if run == 0 else None).duration_ms for run in range(TIMED_RUNS)
        ]
        median = statistics.median(timings)
        if evidence is not None:
            evidence.note(
                f"timings ({TIMED_RUNS} runs)",
                ms=[round(t, 2) for t in timings],
                median_ms=round(median, 2),
            )
        return median

    def __enter__(self) -> "DatabaseProbe":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
