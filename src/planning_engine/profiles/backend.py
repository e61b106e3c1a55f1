"""What a schema profile gives the engine: one `SchemaBackend`, the same fields in each profile.

The API, the workers, /metrics, the importer, the seed dump and `migrate` are shared by both
profiles; what differs is only what touches their tables: the job store, the queries behind
the database gauges, what /health checks to call the schema complete, the import pipeline and
its ledger, the seed dump, the guard that names the command creating missing tables, and the
folder of migrations. `profiles/runbook/` and `profiles/athlete_ally/` each declare a
`BACKEND`; `planning_engine.profiles.backend_for` picks one when a process starts.
"""

import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import psycopg
from psycopg import AsyncConnection

if TYPE_CHECKING:
    from planning_engine.import_runs import ImportSummary
    from planning_engine.metrics import DatabaseState
    from planning_engine.movement_file import MovementRecord


@dataclass(frozen=True)
class ClaimedJob:
    job_id: uuid.UUID | str  # the id the API returned (a uuid column here, text elsewhere)
    user_id: str
    request: dict[str, Any]
    retry_count: int


class JobStore(Protocol):
    """The queue's operations; see `profiles/runbook/jobs.py` and `profiles/athlete_ally/jobs.py`."""

    async def enqueue(
        self,
        conn: AsyncConnection,
        user_id: str,
        request: dict[str, Any],
        idempotency_key: str | None,
    ) -> tuple[dict[str, Any], bool]: ...

    async def get_job(self, conn: AsyncConnection, job_id: uuid.UUID) -> dict[str, Any] | None: ...

    async def claim(
        self, conn: AsyncConnection, owner: str, lease_seconds: float
    ) -> ClaimedJob | None: ...

    async def reap_expired(
        self, conn: AsyncConnection, lease_seconds: float
    ) -> Sequence[tuple[object, str]]: ...

    async def published_movements(self, conn: AsyncConnection) -> list[dict[str, Any]]: ...

    async def complete(
        self,
        conn: AsyncConnection,
        job: ClaimedJob,
        owner: str,
        plan: dict[str, Any],
        plan_id: str,
        result: dict[str, Any] | None,
    ) -> bool: ...

    async def fail(
        self, conn: AsyncConnection, job: ClaimedJob, owner: str, error: dict[str, Any]
    ) -> datetime | None: ...

    async def set_progress(
        self, conn: AsyncConnection, job: ClaimedJob, owner: str, progress: int
    ) -> datetime | None: ...

    async def plan_scoring(
        self, conn: AsyncConnection, job_id: uuid.UUID
    ) -> dict[str, Any] | None: ...

    def new_plan_id(self) -> str: ...


class ImportPipeline(Protocol):
    """Stage, compare and publish records in one transaction; a dry run writes nothing."""

    def __call__(
        self,
        conn: psycopg.Connection,
        records: "Iterable[MovementRecord]",
        *,
        actor: str,
        publish: bool,
        dry_run: bool,
    ) -> "ImportSummary": ...


class ImportLedger(Protocol):
    """One row per import attempt (never its data), so /metrics can count the failed ones."""

    def __call__(
        self,
        conn: psycopg.Connection,
        *,
        actor: str,
        source: str,
        summary: "ImportSummary | None",
        error: str | None,
    ) -> None: ...


@dataclass(frozen=True)
class SchemaBackend:
    profile: str
    # --- serve and worker
    jobs: JobStore
    # The database gauges of /metrics, read at scrape time.
    database_state: Callable[[AsyncConnection], Awaitable["DatabaseState"]]
    # Why /health must answer 503 (the schema is not all there), or None.
    schema_problem: Callable[[AsyncConnection], Awaitable[str | None]]
    # Anything about the database worth one log line when the service starts.
    startup_notes: Callable[[AsyncConnection], Awaitable[list[str]]]
    # What a healthy /health says about the schema.
    health_detail: dict[str, str]
    # --- the movement commands (import, seed, dump, restore)
    import_movements: ImportPipeline
    record_run: ImportLedger
    # Writes the library and its audit trail as restorable SQL; returns the movement count.
    dump: Callable[[psycopg.Connection, Path], int]
    # Turns "relation does not exist" into the command that creates the profile's tables.
    schema_required: Callable[[], AbstractContextManager[None]]
    # --- migrate: the folder of the profile's migrations, and their versions' prefix in the ledger
    migrations: Path
    ledger_prefix: str
