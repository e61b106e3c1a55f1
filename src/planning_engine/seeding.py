"""The foundational seed, and its portable form: a plain SQL dump that restores anywhere.

The dump is what the runbook's "Option B: Restore from CI Dump" downloads. It is one
transaction of INSERT ... ON CONFLICT statements, so `psql -f dump.sql` and `restore-seed`
both apply it completely or not at all, and applying it twice changes nothing.
"""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from planning_engine import __version__
from planning_engine.database import schema_required
from planning_engine.errors import InvalidInput
from planning_engine.importer import ImportSummary, import_movements
from planning_engine.logs import get_logger, log_event
from planning_engine.movement_file import read_movement_file
from planning_engine.resources import FOUNDATIONAL_MOVEMENTS, data_file

DUMP_HEADER = "-- Stream 5 movement seed dump"
log = get_logger("seed")

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


def seed_foundational(conn: psycopg.Connection, actor: str = "seed") -> ImportSummary:
    """What the runbook's `seed-to-dsn` does: import and publish the 8 foundational movements."""
    records = read_movement_file(data_file(FOUNDATIONAL_MOVEMENTS))
    return import_movements(conn, records, actor=actor, publish=True)


def dump_seed(conn: psycopg.Connection, out: Path) -> int:
    """Write the library and its audit trail as restorable SQL; returns the movement count."""
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
    lines = [
        DUMP_HEADER,
        f"-- planning-engine {__version__}, {datetime.now(UTC).isoformat(timespec='seconds')}: "
        f"{len(library)} movements, {len(audit)} audit rows",
        '-- Restore with: psql "$PLANNING_DATABASE_URL" -v ON_ERROR_STOP=1 -f THIS_FILE',
        "--           or: planning-engine restore-seed --file THIS_FILE",
        "BEGIN;",
    ]
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in _LIBRARY_COLUMNS[1:])
    for row in library:
        lines.append(
            _insert(conn, "movement_library", _LIBRARY_COLUMNS, row)
            + f"\n  ON CONFLICT (movement_id) DO UPDATE SET {updates};"
        )
    for row in audit:
        lines.append(
            _insert(conn, "movement_audit_log", _AUDIT_COLUMNS, row)
            + " ON CONFLICT (event_id) DO NOTHING;"
        )
    lines.append("COMMIT;")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    log_event(
        log, "Seed dump written", file=str(out), movements=len(library), audit_rows=len(audit)
    )
    return len(library)


def _insert(conn: psycopg.Connection, table: str, columns: list[str], row: tuple[Any, ...]) -> str:
    values = [json.dumps(v) if isinstance(v, dict) else v for v in row]
    literals = sql.SQL(", ").join(sql.Literal(v) for v in values).as_string(conn)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({literals})"


def restore_seed(conn: psycopg.Connection, dump: Path) -> tuple[int, int]:
    """Apply a dump in one transaction; returns (movements, audit rows) present afterwards."""
    if not dump.is_file():
        raise InvalidInput(f"dump file {dump} not found", fix="check the path passed to --file")
    text = dump.read_text(encoding="utf-8")
    if not text.startswith(DUMP_HEADER):
        raise InvalidInput(
            f"{dump.name} is not a movement seed dump (missing the '{DUMP_HEADER}' header)",
            fix="produce the file with `planning-engine dump-seed --out FILE`",
        )
    body = "\n".join(
        line for line in text.splitlines() if line.strip() not in ("BEGIN;", "COMMIT;")
    )
    try:
        with schema_required(), conn.transaction():
            conn.execute(body.encode())
            movements = conn.execute("SELECT count(*) FROM movement_library").fetchone()
            audit = conn.execute("SELECT count(*) FROM movement_audit_log").fetchone()
    except psycopg.DatabaseError as error:
        if isinstance(error, psycopg.OperationalError):
            raise
        raise InvalidInput(
            f"restoring {dump.name} failed: {error.diag.message_primary or error}",
            fix="nothing was restored; regenerate the dump with `planning-engine dump-seed`",
        ) from None
    counts = (movements[0] if movements else 0, audit[0] if audit else 0)
    log_event(log, "Seed dump restored", file=str(dump), movements=counts[0], audit_rows=counts[1])
    return counts
