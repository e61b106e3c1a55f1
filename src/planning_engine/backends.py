"""What `serve` and `worker` do differently per schema profile, chosen once at start-up.

The API, the workers and /metrics are shared by both profiles; only the SQL differs: the job
store (`jobs` or `athlete_ally.jobs`, the same functions), the queries behind the database
gauges, and what /health checks to call the schema complete.
"""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from psycopg import AsyncConnection

from planning_engine import jobs
from planning_engine.athlete_ally import jobs as athlete_ally_jobs
from planning_engine.athlete_ally import metrics as athlete_ally_metrics
from planning_engine.athlete_ally.schema import MIGRATE as ATHLETE_ALLY_MIGRATE
from planning_engine.athlete_ally.schema import schema_gaps_async
from planning_engine.metrics import DatabaseState, runbook_state
from planning_engine.migrate import pending_versions
from planning_engine.schema_profile import ATHLETE_ALLY, RUNBOOK, require_known


class JobStore(Protocol):
    """The queue's operations; see `jobs` (runbook) and `athlete_ally.jobs`."""

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
    ) -> jobs.ClaimedJob | None: ...

    async def reap_expired(
        self, conn: AsyncConnection, lease_seconds: float
    ) -> Sequence[tuple[object, str]]: ...

    async def published_movements(self, conn: AsyncConnection) -> list[dict[str, Any]]: ...

    async def complete(
        self,
        conn: AsyncConnection,
        job: jobs.ClaimedJob,
        owner: str,
        plan: dict[str, Any],
        plan_id: str,
        result: dict[str, Any] | None,
    ) -> bool: ...

    async def fail(
        self, conn: AsyncConnection, job: jobs.ClaimedJob, owner: str, error: dict[str, Any]
    ) -> datetime | None: ...

    async def set_progress(
        self, conn: AsyncConnection, job: jobs.ClaimedJob, owner: str, progress: int
    ) -> datetime | None: ...

    async def plan_scoring(
        self, conn: AsyncConnection, job_id: uuid.UUID
    ) -> dict[str, Any] | None: ...

    def new_plan_id(self) -> str: ...


@dataclass(frozen=True)
class Backend:
    profile: str
    jobs: JobStore
    # The database gauges of /metrics, read at scrape time.
    database_state: Callable[[AsyncConnection], Awaitable[DatabaseState]]
    # Why /health must answer 503 (the schema is not all there), or None.
    schema_problem: Callable[[AsyncConnection], Awaitable[str | None]]
    # Anything about the database worth one log line when the service starts.
    startup_notes: Callable[[AsyncConnection], Awaitable[list[str]]]
    # What a healthy /health says about the schema.
    health_detail: dict[str, str]


async def _pending_migrations(conn: AsyncConnection) -> str | None:
    pending = await pending_versions(conn)
    if not pending:
        return None
    return f"migrations not applied: {', '.join(pending)}; run `planning-engine migrate`"


async def _missing_tables(conn: AsyncConnection) -> str | None:
    gaps = await schema_gaps_async(conn)
    if not gaps:
        return None
    return f"athlete-ally schema incomplete: missing {', '.join(gaps)}; create it (`{ATHLETE_ALLY_MIGRATE}`)"


async def _nothing_to_note(conn: AsyncConnection) -> list[str]:
    return []


_BACKENDS = {
    RUNBOOK: Backend(
        RUNBOOK,
        jobs,
        runbook_state,
        _pending_migrations,
        _nothing_to_note,
        {"migrations": "applied"},
    ),
    ATHLETE_ALLY: Backend(
        ATHLETE_ALLY,
        athlete_ally_jobs,
        athlete_ally_metrics.database_state,
        _missing_tables,
        athlete_ally_metrics.startup_notes,
        # Its tables may come from Prisma, not `migrate`: what is checked is that they are there.
        {"schema": "complete"},
    ),
}


def backend_for(profile: str) -> Backend:
    return _BACKENDS[require_known(profile)]
