"""The foundational seed, and its portable form: a plain SQL dump that restores anywhere.

The dump is what the runbook's "Option B: Restore from CI Dump" downloads. It is one
transaction of INSERT ... ON CONFLICT statements, so `psql -f dump.sql` and `restore-seed`
both apply it completely or not at all, and applying it twice changes nothing.

Each schema profile dumps its own tables (its `seed_dump.dump`); a dump names its profile in
its header (`seed_dump_file.py`), and is restored only with the same profile.
"""

from pathlib import Path

import psycopg

from planning_engine.errors import InvalidInput
from planning_engine.import_runs import ImportSummary
from planning_engine.importer import import_movements
from planning_engine.logs import get_logger, log_event
from planning_engine.movement_file import read_movement_file
from planning_engine.profiles import backend_for
from planning_engine.resources import FOUNDATIONAL_MOVEMENTS, data_file
from planning_engine.schema_profile import RUNBOOK, require_known
from planning_engine.seed_dump_file import DUMP_HEADER
from planning_engine.seed_dump_file import written_by as dump_profile

log = get_logger("seed")


def seed_foundational(
    conn: psycopg.Connection, actor: str = "seed", profile: str = RUNBOOK
) -> ImportSummary:
    """What the runbook's `seed-to-dsn` does: import and publish the 8 foundational movements."""
    records = read_movement_file(data_file(FOUNDATIONAL_MOVEMENTS))
    return import_movements(conn, records, actor=actor, publish=True, profile=profile)


def dump_seed(conn: psycopg.Connection, out: Path, profile: str = RUNBOOK) -> int:
    """Write the library and its audit trail as restorable SQL; returns the movement count."""
    return backend_for(profile).dump(conn, out)


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
    written_by = dump_profile(text)
    if written_by != profile:
        raise InvalidInput(
            f"{dump.name} is a dump of the {written_by} schema profile, not of {profile}",
            fix=f"restore it with --schema-profile {written_by} into a database of that profile",
        )
    body = "\n".join(
        line for line in text.splitlines() if line.strip() not in ("BEGIN;", "COMMIT;")
    )
    try:
        with backend_for(profile).schema_required(), conn.transaction():
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
