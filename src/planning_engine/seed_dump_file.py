"""The seed dump's file: its header (which names the schema profile), its INSERT literals, and
writing it. Each profile's `seed_dump.dump` fills one with its own tables."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from planning_engine import __version__
from planning_engine.logs import get_logger, log_event
from planning_engine.schema_profile import RUNBOOK

DUMP_HEADER = "-- Stream 5 movement seed dump"
PROFILE_PREFIX = "-- schema profile: "
log = get_logger("seed")


def header(contents: str, profile: str = RUNBOOK, restore_options: str = "") -> list[str]:
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


def write_dump(out: Path, lines: list[str], movements: int, audit_rows: int) -> None:
    lines.append("COMMIT;")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    log_event(log, "Seed dump written", file=str(out), movements=movements, audit_rows=audit_rows)


def insert_literal(
    conn: psycopg.Connection, table: str, columns: list[str], row: tuple[Any, ...]
) -> str:
    values = [json.dumps(v) if isinstance(v, dict) else v for v in row]
    literals = sql.SQL(", ").join(sql.Literal(v) for v in values).as_string(conn)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({literals})"


def written_by(text: str) -> str:
    """The profile a dump's header names; a header naming none is the runbook profile's."""
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        if line.startswith(PROFILE_PREFIX):
            return line[len(PROFILE_PREFIX) :].strip()
    return RUNBOOK
