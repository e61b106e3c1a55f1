"""The seed dump of a runbook database: the library and its audit trail as restorable SQL."""

from pathlib import Path

import psycopg
from psycopg import sql

from planning_engine.database import schema_required
from planning_engine.seed_dump_file import header, insert_literal, write_dump

_LIBRARY_COLUMNS = [
    "movement_id",
    "name",
    "category",
    "modalities",
    "status",
    "equipment",
    "primary_muscles",
    "secondary_muscles",
    "recommended_rpe",
    "tags",
    "instructions",
    "metadata",
    "version",
    "content_hash",
    "created_at",
    "updated_at",
    "published_at",
]
_AUDIT_COLUMNS = ["event_id", "movement_id", "action", "actor", "batch_id", "details", "created_at"]


def dump(conn: psycopg.Connection, out: Path) -> int:
    with schema_required():
        library = conn.execute(
            sql.SQL("SELECT {} FROM movement_library ORDER BY movement_id").format(
                sql.SQL(", ").join(map(sql.Identifier, _LIBRARY_COLUMNS))
            )
        ).fetchall()
        audit = conn.execute(
            sql.SQL("SELECT {} FROM movement_audit_log ORDER BY audit_id").format(
                sql.SQL(", ").join(map(sql.Identifier, _AUDIT_COLUMNS))
            )
        ).fetchall()
    lines = header(f"{len(library)} movements, {len(audit)} audit rows")
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in _LIBRARY_COLUMNS[1:])
    for row in library:
        lines.append(
            insert_literal(conn, "movement_library", _LIBRARY_COLUMNS, row)
            + f"\n  ON CONFLICT (movement_id) DO UPDATE SET {updates};"
        )
    for row in audit:
        lines.append(
            insert_literal(conn, "movement_audit_log", _AUDIT_COLUMNS, row)
            + " ON CONFLICT (event_id) DO NOTHING;"
        )
    write_dump(out, lines, len(library), len(audit))
    return len(library)
