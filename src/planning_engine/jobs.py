"""The Postgres job queue: `plan_jobs` rows claimed with FOR UPDATE SKIP LOCKED under leases.

A job is handed to one worker at a time (row lock + lease owner), and only the lease holder
can complete it: the plan insert and the status change commit together, and `plans.job_id`
is unique, so a job never yields two plans even when a presumed-dead worker comes back.

This is the `runbook` schema profile's store; `athlete_ally.jobs` has the same functions for
that schema, and `backends.py` picks one of the two at start-up.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

_CLAIM = """
UPDATE plan_jobs SET status = 'processing', progress = 10, lease_owner = %(owner)s,
       lease_expires_at = now() + make_interval(secs => %(lease)s),
       started_at = coalesce(started_at, now()), updated_at = now()
WHERE job_id = (
    SELECT job_id FROM plan_jobs WHERE status = 'queued'
    ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED
)
RETURNING job_id, user_id, request_data, retry_count, max_retries
"""

# Jobs whose lease ran out go back to the queue, or fail once their retries are used up.
_REAP = """
UPDATE plan_jobs SET
    status = CASE WHEN retry_count >= max_retries THEN 'failed' ELSE 'queued' END,
    retry_count = CASE WHEN retry_count >= max_retries THEN retry_count ELSE retry_count + 1 END,
    error_data = CASE WHEN retry_count >= max_retries THEN jsonb_build_object(
        'error', 'worker lost', 'message',
        format('the worker processing this job stopped and %%s retries are used up', max_retries))
        ELSE error_data END,
    completed_at = CASE WHEN retry_count >= max_retries THEN now() END,
    progress = CASE WHEN retry_count >= max_retries THEN progress ELSE 0 END,
    lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
WHERE status = 'processing' AND lease_expires_at < now()
RETURNING job_id, status
"""

_JOB_COLUMNS = (
    "job_id, user_id, status, progress, request_data, result_data, error_data, created_at,"
    " started_at, completed_at, retry_count, max_retries"
)


@dataclass(frozen=True)
class ClaimedJob:
    job_id: uuid.UUID | str  # the id the API returned (a uuid column here, text elsewhere)
    user_id: str
    request: dict[str, Any]
    retry_count: int


async def enqueue(
    conn: AsyncConnection, user_id: str, request: dict[str, Any], idempotency_key: str | None
) -> tuple[dict[str, Any], bool]:
    """Insert a job, or return the one already created with this user's idempotency key.

    Returns (job, created)."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            f"INSERT INTO plan_jobs (user_id, request_data, idempotency_key) VALUES (%s, %s, %s)"
            f" ON CONFLICT (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING"
            f" RETURNING {_JOB_COLUMNS}",
            (user_id, Jsonb(request), idempotency_key),
        )
        row = await cur.fetchone()
        if row is not None:
            return row, True
        await cur.execute(
            f"SELECT {_JOB_COLUMNS} FROM plan_jobs WHERE user_id = %s AND idempotency_key = %s",
            (user_id, idempotency_key),
        )
        existing = await cur.fetchone()
        assert existing is not None  # the conflict above proves the row exists
        return existing, False


async def get_job(conn: AsyncConnection, job_id: uuid.UUID) -> dict[str, Any] | None:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(f"SELECT {_JOB_COLUMNS} FROM plan_jobs WHERE job_id = %s", (job_id,))
        return await cur.fetchone()


async def claim(conn: AsyncConnection, owner: str, lease_seconds: float) -> ClaimedJob | None:
    cur = await conn.execute(_CLAIM, {"owner": owner, "lease": lease_seconds})
    row = await cur.fetchone()
    if row is None:
        return None
    return ClaimedJob(job_id=row[0], user_id=row[1], request=row[2], retry_count=row[3])


async def reap_expired(conn: AsyncConnection, lease_seconds: float) -> list[tuple[uuid.UUID, str]]:
    """Jobs whose lease ran out; each lease carries its own expiry (set by `claim` from the
    same setting), so `lease_seconds` is not needed here."""
    cur = await conn.execute(_REAP)
    return [(row[0], row[1]) for row in await cur.fetchall()]


def new_plan_id() -> str:
    return str(uuid.uuid4())


async def published_movements(conn: AsyncConnection) -> list[dict[str, Any]]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT movement_id, name, category, recommended_rpe FROM movement_library"
            " WHERE status = 'published' ORDER BY movement_id"
        )
        return await cur.fetchall()


async def complete(
    conn: AsyncConnection,
    job: ClaimedJob,
    owner: str,
    plan: dict[str, Any],
    plan_id: str,
    result: dict[str, Any] | None,
) -> bool:
    """Store the plan and mark the job completed, only while this worker still holds the lease."""
    async with conn.transaction():
        cur = await conn.execute(
            "UPDATE plan_jobs SET status = 'completed', progress = 100, result_data = %s,"
            " completed_at = now(), lease_owner = NULL, lease_expires_at = NULL, updated_at = now()"
            " WHERE job_id = %s AND lease_owner = %s AND status = 'processing' RETURNING job_id",
            (Jsonb(result) if result is not None else None, job.job_id, owner),
        )
        if await cur.fetchone() is None:
            return False
        await conn.execute(
            "INSERT INTO plans (plan_id, job_id, user_id, content) VALUES (%s, %s, %s, %s)",
            (plan_id, job.job_id, job.user_id, Jsonb(plan)),
        )
    return True


async def fail(conn: AsyncConnection, job: ClaimedJob, owner: str, error: dict[str, Any]) -> None:
    await conn.execute(
        "UPDATE plan_jobs SET status = 'failed', error_data = %s, completed_at = now(),"
        " lease_owner = NULL, lease_expires_at = NULL, updated_at = now()"
        " WHERE job_id = %s AND lease_owner = %s",
        (Jsonb(error), job.job_id, owner),
    )


async def set_progress(conn: AsyncConnection, job: ClaimedJob, owner: str, progress: int) -> None:
    await conn.execute(
        "UPDATE plan_jobs SET progress = %s, updated_at = now() WHERE job_id = %s AND lease_owner = %s",
        (progress, job.job_id, owner),
    )


async def plan_scoring(conn: AsyncConnection, job_id: uuid.UUID) -> dict[str, Any] | None:
    cur = await conn.execute("SELECT content->'scoring' FROM plans WHERE job_id = %s", (job_id,))
    row = await cur.fetchone()
    return row[0] if row else None
