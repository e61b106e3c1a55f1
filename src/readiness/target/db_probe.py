"""Read the target's Postgres the way an operator with psql would, with timeouts and evidence.

One connection per run, opened on first use. If it cannot be opened the reason is kept, so
every later database step fails at once with the same explanation instead of waiting again.

Queries are named; the schema profile gives their SQL. The profile is the one forced by the
configuration, or else the one the target's columns fit, found on first use; a schema no
profile fits fails every query with the same explanation.

Every query has a `lock_timeout` and a `statement_timeout`, both within the run's budget: a
table held under a lock by another session fails the query within seconds, naming that
session as Postgres shows it; once a lock was found held, later queries wait only briefly.
"""

import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import errors as pg_errors

from planning_engine.database import explain_connection_failure
from planning_engine.dsn import describe_target
from readiness.budget import UNLIMITED, RunBudget
from readiness.checks import ReadinessFailure, fail
from readiness.evidence import Evidence
from readiness.fixes import Fix
from readiness.schema_profiles import (
    Query,
    SchemaProfile,
    base_query,
    load_profile,
    profile_names,
)
from readiness.schema_profiles.detection import best_fit, fit, no_profile_found
from readiness.schema_profiles.drift import Drift, runbook_drift

CONNECT_TIMEOUT_S = 5
STATEMENT_TIMEOUT_MS = 15_000
LOCK_TIMEOUT_MS = 3_000
LOCK_TIMEOUT_AFTER_A_HELD_LOCK_MS = 200
TIMED_RUNS = 3  # a query's time is the median of this many runs


# A query's parameters: positional (%s) or named (%(name)s).
Params = tuple[Any, ...] | dict[str, Any]


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    duration_ms: float

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def scalar(self) -> Any:
        return self.rows[0][0] if self.rows else None


def _server_ms(row: tuple[Any, ...] | None) -> float:
    """Planning plus execution time of an EXPLAIN (ANALYZE, FORMAT JSON) result."""
    assert row is not None
    plan = row[0][0]
    return float(plan.get("Planning Time", 0.0)) + float(plan["Execution Time"])


class DriftUnknown(Exception):
    """Planning the runbook's SQL failed for another reason than the schema (a lock held, a
    timeout): whether it drifts is not known, and the page says so rather than "no drift"."""


class DatabaseProbe:
    def __init__(
        self, dsn: str, budget: RunBudget = UNLIMITED, schema_profile: str | None = None
    ) -> None:
        self.dsn = dsn
        self.target = describe_target(dsn)
        self.budget = budget
        self.forced_profile = schema_profile
        self._profile: SchemaProfile | None = None
        self._profile_failure: tuple[str, Fix] | None = None
        self.drift: list[Drift] = []
        self.drift_unknown = ""  # why the runbook's drift could not be checked, if it could not
        self._conn: psycopg.Connection | None = None
        self._failure: str | None = None
        self._lock_held = False
        self._timeouts_ms = (0, 0)  # (statement, lock) as last set on the connection

    def _connection(self) -> psycopg.Connection:
        if self._failure:
            fail(self._failure, Fix.CONNECTION)
        if self._conn is None or self._conn.closed:
            try:
                self.budget.check(f"a connection to Postgres at {self.target}")
                self._conn = psycopg.connect(
                    self.dsn,
                    autocommit=True,
                    connect_timeout=max(1, round(self.budget.cap(CONNECT_TIMEOUT_S))),
                    application_name="stream5-readiness",
                )
                self._timeouts_ms = (0, 0)  # the first query sets them, and the time zone
            except psycopg.Error as error:
                self._failure = explain_connection_failure(self.dsn, error).cause
                fail(self._failure, Fix.CONNECTION)
        assert self._conn is not None
        return self._conn

    @property
    def profile(self) -> SchemaProfile:
        """The target's schema profile: forced, or detected from its columns on first use."""
        if self._profile_failure is not None:
            fail(*self._profile_failure)
        if self._profile is None:
            columns = self.schema_columns()  # read once, for the profile and its drift
            if self.forced_profile is not None:
                self._profile = self._check_forced(load_profile(self.forced_profile), columns)
            else:
                self._profile = self._detect(columns)
            try:
                self.drift = runbook_drift(self._profile, columns, self._plan_error)
            except DriftUnknown as unknown:
                self.drift, self.drift_unknown = [], str(unknown)
        return self._profile

    @staticmethod
    def _stream5_columns(schema: dict[str, set[str]]) -> dict[str, set[str]]:
        """The columns of the tables some profile knows (other tables of the schema aside)."""
        known = {t for name in profile_names() for t in load_profile(name).required_columns}
        return {t: c for t, c in schema.items() if t in known}

    def _check_forced(self, forced: SchemaProfile, schema: dict[str, set[str]]) -> SchemaProfile:
        """A profile given by the configuration, unless the schema plainly is another shape:
        that is one cause saying so, not every query failing on a column."""
        columns = self._stream5_columns(schema)
        if not columns or fit(forced, columns).recognised:
            return forced
        closest = best_fit(columns)
        fits = f"; it fits {closest.profile.name}" if closest.recognised else ""
        self._profile_failure = (
            f"the schema profile {forced.name} was given (--schema-profile or "
            f"PLANNING_SCHEMA_PROFILE) but the deployed schema is not of that shape{fits}",
            Fix.SCHEMA_PROFILE_GIVEN,
        )
        fail(*self._profile_failure)

    def _detect(self, schema: dict[str, set[str]]) -> SchemaProfile:
        columns = self._stream5_columns(schema)
        if not columns:
            self._profile_failure = (f"no Stream 5 table exists on {self.target}", Fix.SCHEMA)
            fail(*self._profile_failure)
        closest = best_fit(columns)
        if not closest.recognised:
            self._profile_failure = (no_profile_found(columns, closest), Fix.SCHEMA_PROFILE)
            fail(*self._profile_failure)
        return closest.profile

    def schema_columns(self) -> dict[str, set[str]]:
        """The columns of the Stream 5 tables the target has, by table."""
        return columns_by_table(self.query(base_query("schema_columns")).rows)

    def _plan_error(self, sql: str) -> str | None:
        """Postgres's objection to planning `sql` (nothing runs), or None if it plans."""
        conn = self._connection()
        self._bound(conn)
        try:
            conn.execute(f"EXPLAIN {sql}")
        except (pg_errors.UndefinedColumn, pg_errors.UndefinedTable) as error:
            return str(error.diag.message_primary)
        except pg_errors.LockNotAvailable:
            self._lock_held = True
            raise DriftUnknown(f"not checked: {self._blockers()}") from None
        except psycopg.Error as error:
            raise DriftUnknown(f"not checked: {error.diag.message_primary or error}") from None
        return None

    def refuses_writes(self) -> str | None:
        """Why this database refuses writes, as Postgres says it, or None (also when it cannot
        be asked: that has its own finding)."""
        try:
            row = self.run("write_refusal").as_dicts()[0]
        except ReadinessFailure:
            return None
        if row["in_recovery"]:
            return "the database refuses writes: it is a replica in recovery (pg_is_in_recovery)"
        for setting in ("default_read_only", "read_only"):
            if row[setting] == "on":
                name = (
                    "default_transaction_read_only"
                    if setting == "default_read_only"
                    else "transaction_read_only"
                )
                return f"the database refuses writes: {name} is on"
        return None

    def run(
        self, name: str, evidence: Evidence | None = None, params: Params | None = None
    ) -> QueryResult:
        """The profile's query `name` (a file of the profile's folder)."""
        return self.query(self.profile.query(name), evidence, params)

    def query(
        self, query: Query, evidence: Evidence | None = None, params: Params | None = None
    ) -> QueryResult:
        sql = query.sql
        conn = self._connection()
        self.budget.check(f"a query on {self.target}")
        self._bound(conn)
        started = time.perf_counter()
        with self._explained_errors():
            cursor = conn.execute(sql, params)
            rows = cursor.fetchall() if cursor.description else []
        duration_ms = (time.perf_counter() - started) * 1000
        columns = [c.name for c in cursor.description] if cursor.description else []
        if evidence is not None:
            evidence.sql(
                sql, columns, rows, duration_ms, self.target, query.runbook_sql, self._shape()
            )
        return QueryResult(columns, rows, duration_ms)

    @contextmanager
    def _explained_errors(self) -> Iterator[None]:
        """A query's failure as the runbook would explain it, by its cause."""
        try:
            yield
        except pg_errors.LockNotAvailable:
            self._lock_held = True
            fail(f"{self._blockers()} (a query on {self.target} waited for it)", Fix.LOCK)
        except (pg_errors.UndefinedTable, pg_errors.UndefinedColumn) as error:
            fail(f"schema incomplete on {self.target} ({error.diag.message_primary})", Fix.SCHEMA)
        except pg_errors.InsufficientPrivilege as error:
            fail(
                f"the DSN's user may not read this on {self.target} ({error.diag.message_primary})",
                Fix.PERMISSIONS,
            )
        except pg_errors.QueryCanceled:
            self.budget.check(f"a query on {self.target}")
            fail(
                f"the query ran longer than {self._timeouts_ms[0] / 1000:g} s on {self.target}",
                Fix.PERFORMANCE,
            )
        except psycopg.OperationalError as error:
            self._conn = None
            fail(
                f"lost the database at {self.target} ({str(error).strip().splitlines()[0]})",
                Fix.CONNECTION,
            )

    def _bound(self, conn: psycopg.Connection) -> None:
        """Set the query's timeouts: the statement's within what is left of the run's budget,
        the lock's short, and shorter still once a lock was found held in this run."""
        statement_ms = int(self.budget.cap(STATEMENT_TIMEOUT_MS / 1000) * 1000)
        lock_ms = LOCK_TIMEOUT_AFTER_A_HELD_LOCK_MS if self._lock_held else LOCK_TIMEOUT_MS
        wanted = (statement_ms, min(lock_ms, statement_ms))
        if wanted != self._timeouts_ms:
            # A schema of `timestamp without time zone` columns holds UTC (Prisma's), which the
            # runbook's "NOW() - INTERVAL" filters compare in the session's zone: set with the
            # timeouts, in the same round trip.
            conn.execute(
                "SELECT set_config('statement_timeout', %s, false), "
                "set_config('lock_timeout', %s, false), set_config('TimeZone', 'UTC', false)",
                (f"{wanted[0]}ms", f"{wanted[1]}ms"),
            )
            self._timeouts_ms = wanted

    def _blockers(self) -> str:
        assert self._conn is not None
        return lock_holders(self._conn) or (
            "another session held a conflicting lock, and has released it since"
        )

    def lock_holders(self) -> str:
        """Who holds an exclusive lock on a table of the target now ("" when nobody does)."""
        try:
            return lock_holders(self._connection())
        except ReadinessFailure:
            return ""

    def _shape(self) -> str:
        return self._profile.name if self._profile is not None else ""

    def median_ms(self, name: str, evidence: Evidence | None = None) -> float:
        """The query's median time in Postgres over TIMED_RUNS runs, with its rows as evidence.

        Timed where it runs (EXPLAIN ANALYZE's planning and execution time), not across the
        network: a staging far from the QA machine is not a slow database. The query and its
        timed runs go in one pipeline, one round trip however far the staging is."""
        query = self.profile.query(name)
        conn = self._connection()
        self.budget.check(f"a query on {self.target}")
        self._bound(conn)
        started = time.perf_counter()
        with self._explained_errors():
            with conn.pipeline():
                cursor = conn.execute(query.sql)
                plans = [
                    conn.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {query.sql}")
                    for _ in range(TIMED_RUNS)
                ]
            rows = cursor.fetchall()
            timings = [_server_ms(plan.fetchone()) for plan in plans]
        round_trip_ms = (time.perf_counter() - started) * 1000
        median = statistics.median(timings)
        if evidence is not None:
            columns = [c.name for c in cursor.description] if cursor.description else []
            evidence.sql(
                query.sql, columns, rows, median, self.target, query.runbook_sql, self._shape()
            )
            evidence.note(
                f"timings in Postgres ({TIMED_RUNS} runs, EXPLAIN ANALYZE)",
                ms=[round(t, 2) for t in timings],
                median_ms=round(median, 2),
                round_trip_ms=round(round_trip_ms, 2),
            )
        return median

    def __enter__(self) -> "DatabaseProbe":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()


def columns_by_table(rows: list[tuple[Any, ...]]) -> dict[str, set[str]]:
    """information_schema's (table, column) rows as the set of columns of each table."""
    present: dict[str, set[str]] = {}
    for table, column in rows:
        present.setdefault(str(table), set()).add(str(column))
    return present


def lock_holders(conn: psycopg.Connection) -> str:
    """The sessions holding exclusive locks on this database's tables, as Postgres shows them
    (pid, application, state, for how long, the start of their query); "" when none does."""
    try:
        rows = conn.execute(base_query("exclusive_lock_holders").sql).fetchall()
    except psycopg.Error:
        return ""
    return "; ".join(
        f"pid {pid} ({application or 'no application_name'}, {state}, {seconds:.0f} s) "
        f"holds {mode} on {relation}, running {query!r}"
        for pid, application, state, seconds, mode, relation, query in rows[:3]
    )
