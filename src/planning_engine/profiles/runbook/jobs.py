"""The Postgres job queue: `plan_jobs` rows claimed with FOR UPDATE SKIP LOCKED under leases.

A job is handed to one worker at a time (row lock + lease owner), and only the lease holder
can complete it: the plan insert and the status change commit together, and `plans.job_id`
is unique, so a job never yields two plans even when a presumed-dead worker comes back.

The statements are `sql/jobs/*.sql`. This is the `runbook` schema profile's store;
`profiles/athlete_ally/jobs.py` has the same functions for that schema (the `JobStore`
protocol of `profiles/backend.py`).
"""

import uuid
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from planning_engine.profiles.backend import ClaimedJob
from planning_engine.profiles.runbook.sql import SQL


async def enqueue(
    conn: AsyncConnection, user_id: str, request: dict[str, Any], idempotency_key: str | None
) -> tuple[dict[str, Any], bool]:
    """Insert a job, or return the one already created with this user's idempotency key.

    Returns (job, created)."""
    params = {"user": user_id, "request": Jsonb(request), "key": idempotency_key}
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(SQL("jobs", "enqueue"), params)
        row = await cur.fetchone()
        if row is not None:
            return row, True
        await cur.execute(SQL("jobs", "by_idempotency_key"), params)
        existing = await cur.fetchone()
        assert existing is not None  # the conflict above proves the row exists
        return existing, False


async def get_job(conn: AsyncConnection, job_id: uuid.UUID) -> dict[str, Any] | None:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(SQL("jobs", "get"), {"job_id": job_id})
        return await cur.fetchone()


async def claim(conn: AsyncConnection, owner: str, lease_seconds: float) -> ClaimedJob | None:
    cur = await conn.execute(SQL("jobs", "claim"), {"owner": owner, "lease": lease_seconds})
    row = await cur.fetchone()
    if row is None:
        return None
    return ClaimedJob(job_id=row[0], user_id=row[1], request=row[2], retry_count=row[3])


async def reap_expired(conn: AsyncConnection, lease_seconds: float) -> list[tuple[uuid.UUID, str]]:
    """Jobs whose lease ran out; each lease carries its own expiry (set by `claim` from the
    same setting), so `lease_seconds` is not needed here."""
    cur = await conn.execute(SQL("jobs", "reap_expired"))
    return [(row[0], row[1]) for row in await cur.fetchall()]


def new_plan_id() -> str:
    return str(uuid.uuid4())


async def published_movements(conn: AsyncConnection) -> list[dict[str, Any]]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(SQL("jobs", "published_movements"))
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
    params = {
        "job_id": job.job_id,
        "owner": owner,
        "user": job.user_id,
        "result": Jsonb(result) if result is not None else None,
        "plan_id": plan_id,
        "content": Jsonb(plan),
    }
    async with conn.transaction():
        cur = await conn.execute(SQL("jobs", "complete"), params)
        if await cur.fetchone() is None:
            return False
        await conn.execute(SQL("jobs", "insert_plan"), params)
    return True


async def fail(conn: AsyncConnection, job: ClaimedJob, owner: str, error: dict[str, Any]) -> None:
    params = {"error": Jsonb(error), "job_id": job.job_id, "owner": owner}
    await conn.execute(SQL("jobs", "fail"), params)


async def set_progress(conn: AsyncConnection, job: ClaimedJob, owner: str, progress: int) -> None:
    params = {"progress": progress, "job_id": job.job_id, "owner": owner}
    await conn.execute(SQL("jobs", "set_progress"), params)


async def plan_scoring(conn: AsyncConnection, job_id: uuid.UUID) -> dict[str, Any] | None:
    cur = await conn.execute(SQL("jobs", "plan_scoring"), {"job_id": job_id})
    row = await cur.fetchone()
    return row[0] if row else None
