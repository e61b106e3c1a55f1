"""The foundational seed, and its portable form: a plain SQL dump that restores anywhere.

The dump is what the runbook's "Option B: Restore from CI Dump" downloads. It is one
transaction of INSERT ... ON CONFLICT statements, so `psql -f dump.sql` and `restore-seed`
both apply it completely or not at all, and applying it twice changes nothing.

Each schema profile dumps its own tables (`athlete-ally`: see `athlete_ally.seed_dump`); a dump
names its profile in its header, and is restored only with the same profile.
"""

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from planning_engine import __version__
from planning_engine.athlete_ally import seed_dump as athlete_ally_dump
from planning_engine.athlete_ally.schema import schema_required as athlete_ally_schema_required
from planning_engine.database import schema_required
from planning_engine.errors import InvalidInput
from planning_engine.import_runs import ImportSummary
from planning_engine.importer import import_movements
from planning_engine.logs import get_logger, log_event
from planning_engine.movement_file import read_movement_file
from planning_engine.resources import FOUNDATIONAL_MOVEMENTS, data_file
from planning_engine.schema_profile import ATHLETE_ALLY, RUNBOOK, require_known

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
PROFILE_PREFIX = "-- schema profile: "


def seed_foundational(
    conn: psycopg.Connection, actor: str = "seed", profile: str = RUNBOOK
) -> ImportSummary:
    """What the runbook's `seed-to-dsn` does: import and publish the 8 foundational movements."""
    records = read_movement_file(data_file(FOUNDATIONAL_MOVEMENTS))
    return import_movements(conn, records, actor=actor, publish=True, profile=profile)


def dump_seed(conn: psycopg.Connection, out: Path, profile: str = RUNBOOK) -> int:
    """Write the library and its audit trail as restorable SQL; returns the movement count."""
    return _DUMPS[require_known(profile)](conn, out)


def _dump_runbook(conn: psycopg.Connection, out: Path) -> int:
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
    lines = _header(f"{len(library)} movements, {len(audit)} audit rows")
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
    _write_dump(out, lines, len(library), len(audit))
    return len(library)


def _header(contents: str, profile: str = RUNBOOK, restore_options: str = "") -> list[str]:
    lines = [DUMP_HEADER]
    if profile != RUNBOOK:  # runbook dumps keep the header they always had
        lines.append(PROFILE_PREFIX + profile)
    return [
        *lines,
        f"-- planning-engine {__version__}, {datetime.now(UTC).isoformat(timespec='seconds')}: "
        + contents,
        '-- Restore with: psql "$PLANNING_DATABASE_URL" -v ON_ERROR_STOP=1 -f THIS_FILE',
        f"--           or: planning-engine restore-seed --file THIS_FILE{restore_options}",
        "BEGIN;",
    ]


def _write_dump(out: Path, lines: list[str], movements: int, audit_rows: int) -> None:
    lines.append("COMMIT;")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    log_event(log, "Seed dump written", file=str(out), movements=movements, audit_rows=audit_rows)


def _dump_athlete_ally(conn: psycopg.Connection, out: Path) -> int:
    statements, counts = athlete_ally_dump.dump_statements(conn)
    movements, audit = counts["movement_library"], counts["movement_audit_log"]
    lines = _header(
        f"{movements} library movements, {counts['movement_staging']} drafts, {audit} audit rows",
        ATHLETE_ALLY,
        f" --schema-profile {ATHLETE_ALLY}",
    )
    _write_dump(out, lines + statements, movements, audit)
    return movements


def _insert(conn: psycopg.Connection, table: str, columns: list[str], row: tuple[Any, ...]) -> str:
    values = [json.dumps(v) if isinstance(v, dict) else v for v in row]
    literals = sql.SQL(", ").join(sql.Literal(v) for v in values).as_string(conn)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({literals})"


def _dump_profile(text: str) -> str:
    """The profile a dump's header names; a header naming none is the runbook profile's."""
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        if line.startswith(PROFILE_PREFIX):
            return line[len(PROFILE_PREFIX) :].strip()
    return RUNBOOK


def restore_seed(conn: psycopg.Connection, dump: Path, profile: str = RUNBOOK) -> tuple[int, int]:
    """Apply a dump in one transaction; returns (movements, audit rows) present afterwards."""
    require_known(profile)
    if not dump.is_file():
        raise InvalidInput(f"dump file {dump} not found", fix="check the path passed to --file")
    text = dump.read_text(encoding="utf-8")
    if not text.startswith(DUMP_HEADER):
        raise InvalidInput(
            f"{dump.name} is not a movement seed dump (missing the '{DUMP_HEADER}' header)",
            fix="produce the file with `planning-engine dump-seed --out FILE`",
        )
    written_by = _dump_profile(text)
    if written_by != profile:
        raise InvalidInput(
            f"{dump.name} is a dump of the {written_by} schema profile, not of {profile}",
            fix=f"restore it with --schema-profile {written_by} into a database of that profile",
        )
    body = "\n".join(
        line for line in text.splitlines() if line.strip() not in ("BEGIN;", "COMMIT;")
    )
    try:
        with _SCHEMA_GUARDS[profile](), conn.transaction():
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


# Each schema profile's dump and the check that its tables are there (a restore into a database
# without them names the command that creates them).
_DUMPS: dict[str, Callable[[psycopg.Connection, Path], int]] = {
    RUNBOOK: _dump_runbook,
    ATHLETE_ALLY: _dump_athlete_ally,
}
_SCHEMA_GUARDS: dict[str, Callable[[], AbstractContextManager[None]]] = {
    RUNBOOK: schema_required,
    ATHLETE_ALLY: athlete_ally_schema_required,
}
