"""The seed dump of an athlete-ally database: its three curation tables as restorable SQL.

Like the runbook profile's dump, one transaction of INSERT ... ON CONFLICT statements that
`psql -f` and `restore-seed` both apply completely or not at all, and twice without change.
Library rows come first: drafts point at them ("publishedMovementId") and audit rows at both,
which is the order the tables' foreign keys (when Prisma made them) require.
"""

from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from planning_engine.profiles.athlete_ally.schema import (
    REQUIRED_COLUMNS,
    require_schema,
    schema_required,
)
from planning_engine.schema_profile import ATHLETE_ALLY
from planning_engine.seed_dump_file import header, write_dump

# The columns the engine relies on, plus the movement arrays it does not fill but a dump keeps.
_KEPT_ARRAYS = ("progressionIds", "regressionIds")


def _dumped(table: str) -> list[str]:
    extra = _KEPT_ARRAYS if table in ("movement_library", "movement_staging") else ()
    return [*REQUIRED_COLUMNS[table], *extra]


# (table, its columns, the ORDER BY of the dump, what a row already there gets)
TABLES: list[tuple[str, list[str], str, str]] = [
    ("movement_library", _dumped("movement_library"), "slug", "update"),
    ("movement_staging", _dumped("movement_staging"), "slug", "update"),
    ("movement_audit_log", _dumped("movement_audit_log"), '"createdAt", id', "keep"),
]
_JSON = {"instructions", "metadata", "stagingSnapshot", "diff"}


def dump_statements(conn: psycopg.Connection) -> tuple[list[str], dict[str, int]]:
    """The INSERT statements of the three tables, and each table's row count."""
    statements: list[str] = []
    counts: dict[str, int] = {}
    with conn.transaction(), schema_required():
        require_schema(conn)
        for table, columns, order, on_conflict in TABLES:
            listed = sql.SQL(", ").join(map(sql.Identifier, columns))
            rows = conn.execute(
                sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
                    listed, sql.Identifier(table), sql.SQL(order)
                )
            ).fetchall()
            counts[table] = len(rows)
            statements.extend(
                _insert(conn, table, columns, row, on_conflict).as_string(conn) for row in rows
            )
    return statements, counts


def _insert(
    conn: psycopg.Connection,
    table: str,
    columns: list[str],
    row: tuple[Any, ...],
    on_conflict: str,
) -> sql.Composed:
    values = [
        Jsonb(v) if c in _JSON and v is not None else v for c, v in zip(columns, row, strict=True)
    ]
    conflict: sql.Composable
    if on_conflict == "update":
        conflict = sql.SQL("ON CONFLICT (id) DO UPDATE SET {}").format(
            sql.SQL(", ").join(
                sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in columns[1:]
            )
        )
    else:
        conflict = sql.SQL("ON CONFLICT (id) DO NOTHING")
    return sql.SQL("INSERT INTO {} ({}) VALUES ({})\n  {};").format(
        sql.Identifier(table),
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(", ").join(map(sql.Literal, values)),
        conflict,
    )


def dump(conn: psycopg.Connection, out: Path) -> int:
    statements, counts = dump_statements(conn)
    movements, audit = counts["movement_library"], counts["movement_audit_log"]
    lines = header(
        f"{movements} library movements, {counts['movement_staging']} drafts, {audit} audit rows",
        ATHLETE_ALLY,
        f" --schema-profile {ATHLETE_ALLY}",
    )
    write_dump(out, lines + statements, movements, audit)
    return movements
