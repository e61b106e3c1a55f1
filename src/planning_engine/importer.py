"""Publishing a validated movement file into the library, all or nothing.

The whole import is one transaction: the records are copied into `movement_staging`, compared
with the library by content hash, then inserted / updated / published with a few set-based
statements, and the audit trail is written in the same transaction. An advisory lock taken
first serialises concurrent imports, so several seeders started at once end with the same
rows and audit counts as one.
"""

import json
import logging
import uuid
from dataclasses import asdict, dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from planning_engine.database import schema_required
from planning_engine.errors import InvalidInput
from planning_engine.logs import get_logger, log_event
from planning_engine.movement_file import MovementRecord

IMPORT_LOCK_KEY = 5_000_002
log = get_logger("import")

_LIBRARY_COLUMNS = (
    "movement_id, name, category, modalities, equipment, primary_muscles, secondary_muscles,"
    " recommended_rpe, tags, instructions, metadata"
)

_CLASSIFY = f"""
CREATE TEMP TABLE import_diff ON COMMIT DROP AS
SELECT {", ".join("r." + c.strip() for c in _LIBRARY_COLUMNS.split(","))},
       s.content_hash, s.record_index,
       CASE WHEN l.movement_id IS NULL THEN 'created'
            WHEN l.content_hash <> s.content_hash THEN 'updated'
            WHEN %(publish)s AND l.status = 'draft' THEN 'published'
            ELSE 'unchanged' END AS outcome,
       l.status = 'draft' AS was_draft
FROM movement_staging s
CROSS JOIN LATERAL jsonb_populate_record(NULL::movement_library, s.payload) AS r
LEFT JOIN movement_library l ON l.movement_id = s.movement_id
WHERE s.batch_id = %(batch)s
"""

_NAME_CONFLICTS = """
SELECT d.record_index, d.movement_id, d.name, l.movement_id
FROM import_diff d JOIN movement_library l ON l.name = d.name AND l.movement_id <> d.movement_id
ORDER BY d.record_index
"""

_INSERT_CREATED = f"""
INSERT INTO movement_library ({_LIBRARY_COLUMNS}, status, content_hash, published_at)
SELECT {_LIBRARY_COLUMNS}, CASE WHEN %(publish)s THEN 'published' ELSE 'draft' END,
       content_hash, CASE WHEN %(publish)s THEN now() END
FROM import_diff WHERE outcome = 'created'
"""

_UPDATE_CHANGED = """
UPDATE movement_library l SET
    name = d.name, category = d.category, modalities = d.modalities, equipment = d.equipment,
    primary_muscles = d.primary_muscles, secondary_muscles = d.secondary_muscles,
    recommended_rpe = d.recommended_rpe, tags = d.tags, instructions = d.instructions,
    metadata = d.metadata, content_hash = d.content_hash, version = l.version + 1,
    updated_at = now(),
    status = CASE WHEN %(publish)s AND l.status = 'draft' THEN 'published' ELSE l.status END,
    published_at = CASE WHEN %(publish)s AND l.status = 'draft' THEN now() ELSE l.published_at END
FROM import_diff d
WHERE d.movement_id = l.movement_id AND d.outcome = 'updated'
"""

_PUBLISH_DRAFTS = """
UPDATE movement_library l SET status = 'published', published_at = now(), updated_at = now()
FROM import_diff d WHERE d.movement_id = l.movement_id AND d.outcome = 'published'
"""

# One audit row per action taken: a new movement is imported (and published unless
# --no-publish), a changed one updated, a draft published. Unchanged rows write nothing.
_AUDIT = """
INSERT INTO movement_audit_log (movement_id, action, actor, batch_id, details)
SELECT d.movement_id, a.action, %(actor)s, %(batch)s, jsonb_build_object('content_hash', d.content_hash)
FROM import_diff d
CROSS JOIN LATERAL (VALUES
    ('imported', d.outcome = 'created'),
    ('updated', d.outcome = 'updated'),
    ('published', %(publish)s AND (d.outcome IN ('created', 'published')
                                   OR (d.outcome = 'updated' AND d.was_draft)))
) AS a(action, taken)
WHERE a.taken
ORDER BY d.record_index, a.action = 'published'
"""


@dataclass(frozen=True)
class ImportSummary:
    total: int
    created: int
    updated: int
    unchanged: int
    published: int
    errors: int
    batch_id: str
    dry_run: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def import_movements(
    conn: psycopg.Connection,
    records: list[MovementRecord],
    *,
    actor: str = "planning-engine",
    publish: bool = True,
    dry_run: bool = False,
) -> ImportSummary:
    """Stage, compare and publish `records` in one transaction; dry runs roll everything back."""
    batch = uuid.uuid4()
    params = {"batch": batch, "publish": publish, "actor": actor}
    with schema_required():
        tx = conn.transaction(force_rollback=dry_run)
        with tx:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (IMPORT_LOCK_KEY,))
            _stage(conn, batch, records)
            conn.execute(_CLASSIFY, params)
            _refuse_name_conflicts(conn)
            outcomes: dict[str, int] = dict(
                conn.execute("SELECT outcome, count(*) FROM import_diff GROUP BY 1").fetchall()
            )
            if not dry_run:
                conn.execute(_INSERT_CREATED, params)
                conn.execute(_UPDATE_CHANGED, params)
                conn.execute(_PUBLISH_DRAFTS, params)
                conn.execute(_AUDIT, params)
    summary = ImportSummary(
        total=len(records),
        created=outcomes.get("created", 0),
        updated=outcomes.get("updated", 0),
        unchanged=outcomes.get("unchanged", 0),
        published=outcomes.get("published", 0),
        errors=0,
        batch_id=str(batch),
        dry_run=dry_run,
    )
    log_event(log, "Movement import", **summary.as_dict(), actor=actor, publish=publish)
    return summary


def _stage(conn: psycopg.Connection, batch: uuid.UUID, records: list[MovementRecord]) -> None:
    """COPY the batch in: one round trip for any number of rows."""
    copy_sql = (
        "COPY movement_staging (batch_id, record_index, movement_id, payload, content_hash,"
        " validation_status) FROM STDIN"
    )
    with conn.cursor() as cur, cur.copy(copy_sql) as copy:
        for record in records:
            copy.write_row(
                (
                    batch,
                    record.index,
                    record.movement_id,
                    json.dumps(record.payload),
                    record.content_hash,
                    "valid",
                )
            )


def _refuse_name_conflicts(conn: psycopg.Connection) -> None:
    conflicts = conn.execute(_NAME_CONFLICTS).fetchall()
    if conflicts:
        problems = [
            f"movements[{index}] ({movement_id}).name: {name!r} is already used by "
            f"library movement {owner!r}"
            for index, movement_id, name, owner in conflicts
        ]
        raise InvalidInput(
            f"{len(problems)} movement name(s) already belong to other movements",
            problems,
            "rename the movements, or archive / truncate the existing ones; nothing was written",
        )


def log_refused_import(source: str, actor: str, error: InvalidInput) -> None:
    """The runbook greps the log for `Movement import`: a refused file shows there too, with
    its error count, so a failed seed is not mistaken for one that never ran."""
    log_event(
        log,
        "Movement import",
        logging.ERROR,
        source=source,
        actor=actor,
        created=0,
        updated=0,
        unchanged=0,
        published=0,
        errors=len(error.problems) or 1,
        error=error.cause,
    )


def record_run(
    conn: psycopg.Connection,
    *,
    actor: str,
    source: str,
    summary: ImportSummary | None,
    error: str | None,
) -> None:
    """Keep a ledger of import attempts (never their data) so /metrics can count failures."""
    with conn.transaction():
        conn.execute(
            "INSERT INTO movement_import_runs (actor, source, succeeded, summary, error)"
            " VALUES (%s, %s, %s, %s, %s)",
            (actor, source, error is None, Jsonb(summary.as_dict()) if summary else None, error),
        )
