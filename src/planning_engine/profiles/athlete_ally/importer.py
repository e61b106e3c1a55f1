"""Importing movements into the athlete-ally curation tables, the way that engine's pipeline
(run with submit-for-review and publish-approved) does it, one transaction per step.

A new movement goes through four steps, each step one transaction over every movement that
takes it:

1. draft: a `movement_staging` row (status DRAFT), audit CREATED about the draft;
2. submit: READY_FOR_REVIEW, audit REVIEW_SUBMITTED;
3. approve: APPROVED (reviewer = the actor), audit APPROVED;
4. publish: a `movement_library` row (version 1, "stagingSourceId" = the draft,
   "stagingSnapshot" = the movement as published, "publishedById" = the actor); the draft
   PUBLISHED with "publishedMovementId"; audit PUBLISHED about the draft and audit CREATED about
   the library row.

So 8 new movements give 8 library rows, 8 PUBLISHED drafts and 40 audit rows.

Whether a movement changed is decided by comparing its library row's columns with the record
(there is no content hash in this schema), so a library row edited by hand counts as changed.
A changed movement (same slug, other content) goes through the same four steps: its draft is
updated back to DRAFT (audit UPDATED about the draft, or CREATED if it had none), submitted,
approved and published again, which updates the library row in place (version + 1, audit
UPDATED about the library row). An unchanged one writes nothing at all.

Drafts left part-way by an interrupted run (or by `publish=False`, which stops after step 1)
resume from their status on the next run: a draft without a library row whose content matches
the record is counted `published` when it is published, as a runbook-profile draft would be.

Field mapping from the movement file: movement_id -> slug, category -> classification,
primary/secondary_muscles -> "primaryMuscles"/"secondaryMuscles", recommended_rpe ->
"recommendedRpe", the rest by name; modalities (no such column) go into metadata under
"modalities". The actor is every *ById and "actorId"; "actorEmail" is actor@planning-engine.local.

Everything that can refuse a file (invalid records, duplicate slugs or names within it, a name
another library movement already has, a missing schema) is checked before step 1, so a refused
file writes nothing. A dry run takes every step inside one transaction that is rolled back.
Imports are serialised by the runbook profile's advisory lock (held across the steps), so a
lock wait still ends as psycopg's LockNotAvailable under a lock_timeout.

The statements are named files in `sql/import/`.
"""

import contextlib
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from planning_engine.ids import new_id
from planning_engine.import_runs import (
    IMPORT_LOCK_KEY,
    ImportSummary,
    insert_run,
    name_conflicts_refusal,
)
from planning_engine.logs import get_logger, log_event
from planning_engine.movement_file import MovementFile, MovementRecord, Problems
from planning_engine.profiles.athlete_ally.schema import (
    MOVEMENT_COLUMNS,
    has_import_ledger,
    require_schema,
    schema_required,
)
from planning_engine.profiles.athlete_ally.sql import SQL
from planning_engine.schema_profile import ATHLETE_ALLY

log = get_logger("import")
ACTOR_EMAIL_DOMAIN = "planning-engine.local"

_JSON = {"instructions", "metadata"}

# Statuses from which a draft is (re)submitted for review; the later ones resume further on.
_RESUME_AT = {"READY_FOR_REVIEW": "approve", "APPROVED": "publish"}
STEPS = ("draft", "submit", "approve", "publish")


def movement_columns(record: MovementRecord) -> dict[str, Any]:
    """The record as athlete-ally movement columns (see the module docstring for the mapping)."""
    payload = record.payload
    return {
        "name": payload["name"],
        "slug": payload["movement_id"],
        "classification": payload["category"],
        "equipment": list(payload["equipment"]),
        "primaryMuscles": list(payload["primary_muscles"]),
        "secondaryMuscles": list(payload["secondary_muscles"]),
        "recommendedRpe": float(payload["recommended_rpe"]),
        "tags": list(payload["tags"]),
        "instructions": payload["instructions"],
        "metadata": {**payload["metadata"], "modalities": list(payload["modalities"])},
    }


def _bound(columns: dict[str, Any]) -> dict[str, Any]:
    """Statement parameters: JSON columns wrapped so that psycopg sends them as jsonb."""
    return {k: Jsonb(v) if k in _JSON else v for k, v in columns.items()}


@dataclass
class _Movement:
    """One record and what the import does with it: which steps, from which rows."""

    record: MovementRecord
    columns: dict[str, Any]
    outcome: str = "unchanged"
    steps: tuple[str, ...] = ()
    draft_id: str | None = None
    draft_columns: dict[str, Any] | None = None
    library_id: str | None = None
    library_version: int = 0

    @property
    def params(self) -> dict[str, Any]:
        return {**_bound(self.columns), "id": self.draft_id, "library_id": self.library_id}


def _steps_from(status: str) -> tuple[str, ...]:
    first = _RESUME_AT.get(status, "submit")
    return STEPS[STEPS.index(first) :]


def classify(
    movement: _Movement,
    draft: dict[str, Any] | None,
    library: dict[str, Any] | None,
    publish: bool,
) -> None:
    """Decide the outcome and the steps of one movement from its draft and library rows."""
    if draft is not None:
        movement.draft_id = draft["id"]
        movement.draft_columns = {c: draft[c] for c in MOVEMENT_COLUMNS}
    if library is not None:
        movement.library_id = library["id"]
        movement.library_version = library["version"]
        if {c: library[c] for c in MOVEMENT_COLUMNS} == movement.columns:
            return  # unchanged: nothing is written, whatever the draft holds
    if draft is not None and movement.draft_columns == movement.columns:
        if library is None:
            if publish:  # a draft of an earlier run, published now
                movement.outcome = "published"
                movement.steps = _steps_from(draft["status"])
            return
        if not publish and draft["status"] != "PUBLISHED":
            return  # the change is already drafted and waits for a publish
    movement.outcome = "created" if library is None and draft is None else "updated"
    movement.steps = STEPS if publish else ("draft",)


def import_movements(
    conn: psycopg.Connection,
    records: Iterable[MovementRecord],
    *,
    actor: str = "planning-engine",
    publish: bool = True,
    dry_run: bool = False,
) -> ImportSummary:
    """Validate `records`, then take each movement through the pipeline's steps (see the module
    docstring); dry runs take them all in one transaction that is rolled back."""
    batch = str(uuid.uuid4())
    movements = _validated(records)
    with schema_required(), _serialised(conn, dry_run):
        _load(conn, movements, publish)
        for step in STEPS:
            chosen = [m for m in movements if step in m.steps]
            if chosen:
                with conn.transaction():
                    _STEP_WRITERS[step](conn, chosen, _Context(actor, batch))
    outcomes = Counter(m.outcome for m in movements)
    summary = ImportSummary(
        total=len(movements),
        created=outcomes["created"],
        updated=outcomes["updated"],
        unchanged=outcomes["unchanged"],
        # new movements published at once and drafts published now: all this run published
        published=outcomes["published"] + (outcomes["created"] if publish else 0),
        errors=0,
        batch_id=batch,
        dry_run=dry_run,
    )
    log_event(
        log,
        "Movement import",
        **summary.as_dict(),
        actor=actor,
        publish=publish,
        schema_profile=ATHLETE_ALLY,
    )
    return summary


def _validated(records: Iterable[MovementRecord]) -> list[_Movement]:
    """Every record, or InvalidInput listing the invalid ones and the duplicates in the file,
    worded as the runbook profile words them."""
    source = records if isinstance(records, MovementFile) else None
    problems = source.problems if source is not None else Problems()
    movements = [_Movement(r, movement_columns(r)) for r in records]
    _find_duplicates(movements, problems)
    if source is not None:
        source.raise_if_invalid()
    elif problems:
        raise problems.refusal("input", len(movements))
    return movements


def _find_duplicates(movements: list[_Movement], problems: Problems) -> None:
    first_slug: dict[str, int] = {}
    first_name: dict[str, int] = {}
    for movement in movements:
        record = movement.record
        label = f"movements[{record.index}] ({record.movement_id})"
        found = []
        slug_first = first_slug.setdefault(record.movement_id, record.index)
        if slug_first != record.index:
            found.append(f"{label}.movement_id: duplicate of movements[{slug_first}]")
        name_first = first_name.setdefault(record.name_key, record.index)
        if name_first != record.index:
            found.append(
                f"{label}.name: {record.payload['name']!r} duplicates movements[{name_first}]"
            )
        if found:
            problems.add_record(found)


@contextlib.contextmanager
def _serialised(conn: psycopg.Connection, dry_run: bool) -> Iterator[None]:
    """Hold the import lock for the whole run. A dry run is one transaction rolled back at the
    end (its steps are savepoints); a real run holds a session lock, so that each step commits
    on its own while no other import interleaves with it."""
    if dry_run:
        with conn.transaction(force_rollback=True):
            require_schema(conn)
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (IMPORT_LOCK_KEY,))
            yield
        return
    with conn.transaction():
        require_schema(conn)
        conn.execute("SELECT pg_advisory_lock(%s)", (IMPORT_LOCK_KEY,))
    try:
        yield
    finally:
        if not conn.closed:
            with contextlib.suppress(psycopg.Error), conn.transaction():
                conn.execute("SELECT pg_advisory_unlock(%s)", (IMPORT_LOCK_KEY,))


def _load(conn: psycopg.Connection, movements: list[_Movement], publish: bool) -> None:
    """Read the rows the records touch, refuse names other movements own, and classify."""
    slugs = [m.record.movement_id for m in movements]
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        library = {
            r["slug"]: r
            for r in cur.execute(SQL("import", "library_rows"), {"slugs": slugs}).fetchall()
        }
        drafts = {
            r["slug"]: r
            for r in cur.execute(SQL("import", "draft_rows"), {"slugs": slugs}).fetchall()
        }
        names = [m.columns["name"] for m in movements]
        owners = cur.execute(SQL("import", "names_in_library"), {"names": names}).fetchall()
    _refuse_name_conflicts(movements, owners)
    for movement in movements:
        slug = movement.record.movement_id
        classify(movement, drafts.get(slug), library.get(slug), publish)


def _refuse_name_conflicts(movements: list[_Movement], owners: list[dict[str, Any]]) -> None:
    owner_of = {row["name"]: row["slug"] for row in owners}
    conflicts = [
        (m.record.index, m.record.movement_id, m.columns["name"], owner_of[m.columns["name"]])
        for m in movements
        if owner_of.get(m.columns["name"], m.record.movement_id) != m.record.movement_id
    ]
    if conflicts:
        raise name_conflicts_refusal(conflicts, Problems().limit)


@dataclass(frozen=True)
class _Context:
    actor: str
    batch: str

    @property
    def email(self) -> str:
        return f"{self.actor}@{ACTOR_EMAIL_DOMAIN}"

    def audit(
        self,
        action: str,
        *,
        staging_id: str | None = None,
        library_id: str | None = None,
        diff: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        return {
            "id": new_id(),
            "action": action,
            "actor": self.actor,
            "email": self.email,
            "staging_id": staging_id,
            "library_id": library_id,
            "diff": Jsonb(diff) if diff is not None else None,
            "metadata": Jsonb({"source": "planning-engine import", "batchId": self.batch}),
        }


def _write(
    conn: psycopg.Connection, statement: str, rows: list[dict[str, Any]], audit: list[Any]
) -> None:
    with conn.cursor() as cur:
        if rows:
            cur.executemany(statement, rows)
        if audit:
            cur.executemany(SQL("import", "audit"), audit)


def _draft(conn: psycopg.Connection, movements: list[_Movement], ctx: _Context) -> None:
    """Step 1: new drafts inserted, existing ones rewritten with the record (back to DRAFT)."""
    inserted: list[dict[str, Any]] = []
    updated: list[dict[str, Any]] = []
    audit: list[dict[str, Any]] = []
    for m in movements:
        before = m.draft_columns
        if m.draft_id is None:
            m.draft_id = new_id()
            inserted.append({**m.params, "actor": ctx.actor})
            audit.append(ctx.audit("CREATED", staging_id=m.draft_id, diff={"after": m.columns}))
        else:
            updated.append({**m.params, "actor": ctx.actor})
            audit.append(
                ctx.audit(
                    "UPDATED",
                    staging_id=m.draft_id,
                    diff={"before": before, "after": m.columns},
                )
            )
    _write(conn, SQL("import", "insert_draft"), inserted, [])
    _write(conn, SQL("import", "update_draft"), updated, audit)


StepWriter = Callable[[psycopg.Connection, list[_Movement], _Context], None]


def _transition(statement: str, action: str) -> StepWriter:
    """Steps 2 and 3: a status change of each draft, and its audit event."""

    def step(conn: psycopg.Connection, movements: list[_Movement], ctx: _Context) -> None:
        rows = [{"id": m.draft_id, "actor": ctx.actor} for m in movements]
        audit = [ctx.audit(action, staging_id=m.draft_id) for m in movements]
        _write(conn, statement, rows, audit)

    return step


def _publish(conn: psycopg.Connection, movements: list[_Movement], ctx: _Context) -> None:
    """Step 4: the library row created (version 1) or updated (version + 1), the draft marked
    PUBLISHED and pointed at it, and both events audited."""
    created: list[dict[str, Any]] = []
    updated: list[dict[str, Any]] = []
    marked: list[dict[str, Any]] = []
    audit: list[dict[str, Any]] = []
    for m in movements:
        is_new = m.library_id is None
        if is_new:
            m.library_id = new_id()
        version = 1 if is_new else m.library_version + 1
        snapshot = {"id": m.draft_id, **m.columns, "status": "APPROVED", "version": version}
        params = {**m.params, "actor": ctx.actor, "snapshot": Jsonb(snapshot)}
        (created if is_new else updated).append(params)
        marked.append(params)
        audit.append(
            ctx.audit("PUBLISHED", staging_id=m.draft_id, diff={"libraryVersion": version})
        )
        audit.append(
            ctx.audit(
                "CREATED" if is_new else "UPDATED",
                library_id=m.library_id,
                diff={"after": {**m.columns, "version": version}},
            )
        )
    _write(conn, SQL("import", "insert_library"), created, [])
    _write(conn, SQL("import", "update_library"), updated, [])
    _write(conn, SQL("import", "mark_published"), marked, audit)


_STEP_WRITERS: dict[str, StepWriter] = {
    "draft": _draft,
    "submit": _transition(SQL("import", "submit"), "REVIEW_SUBMITTED"),
    "approve": _transition(SQL("import", "approve"), "APPROVED"),
    "publish": _publish,
}


def record_run(
    conn: psycopg.Connection,
    *,
    actor: str,
    source: str,
    summary: ImportSummary | None,
    error: str | None,
) -> None:
    """The engine's import ledger, when this database has it: tables made by something else
    have no `movement_import_runs`, and then runs are simply not recorded."""
    with conn.transaction():
        present = has_import_ledger(conn)
    if present:
        insert_run(conn, actor=actor, source=source, summary=summary, error=error)
