"""The job queue on athlete-ally's `plan_jobs` and `plans`, with the runbook store's signatures.

That schema has no lease columns, no idempotency column and no trigger, so:

* the lease is the job's "updatedAt": a claim, a progress update, a completion or a failure
  each sets it to a new value (strictly later than the one before) and is guarded by
  `"updatedAt" = <the value this worker last wrote>` and status `processing`. A worker whose
  job was taken over finds the value changed and its update matches nothing. A job
  `processing` whose "updatedAt" is older than the lease is taken over by the reaper: back to
  `pending` with "retryCount" + 1, or `failed` with "errorData" once its retries are used up;
* an Idempotency-Key becomes the "jobId" itself: uuid5 of (user, key), inserted with
  ON CONFLICT ("jobId") DO NOTHING, so a repeated request finds the job it created;
* the API's insert calls pg_notify('plan_jobs', jobId) in its own transaction, which is what
  wakes idle workers (the runbook profile's trigger does the same there);
* a job not yet picked up is `pending` (the runbook profile's `queued`);
* the plan gets an id of this schema's shape; the job's "resultData" carries it as `planId`
  (nothing else links a job to its plan), and the plan insert commits with the completion.

The statements are named files in `sql/jobs/`.
"""

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from planning_engine.ids import new_id
from planning_engine.profiles.athlete_ally.sql import SQL
from planning_engine.profiles.backend import ClaimedJob

# Fixed, so that the same user and Idempotency-Key give the same "jobId" in every process.
IDEMPOTENCY_NAMESPACE = uuid.UUID("6f1d2c0e-5b8a-4d55-9a57-2f3c9e0b7a41")


@dataclass
class Lease:
    """The row a worker holds and the "updatedAt" it last wrote there: its proof of holding."""

    row_id: str
    token: datetime


@dataclass(frozen=True)
class HeldJob(ClaimedJob):
    lease: Lease


def _lease(job: ClaimedJob) -> Lease:
    if not isinstance(job, HeldJob):
        raise TypeError(f"job {job.job_id} was not claimed from the athlete-ally store")
    return job.lease


def job_id_for(user_id: str, idempotency_key: str | None) -> str:
    """A new "jobId", or the one this user's Idempotency-Key always maps to."""
    if idempotency_key is None:
        return str(uuid.uuid4())
    return str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, json.dumps([user_id, idempotency_key])))


def new_plan_id() -> str:
    return new_id()


async def enqueue(
    conn: AsyncConnection, user_id: str, request: dict[str, Any], idempotency_key: str | None
) -> tuple[dict[str, Any], bool]:
    """Insert a job and notify the workers when it commits, or return the one this user's
    Idempotency-Key already created. Returns (job, created)."""
    job_id = job_id_for(user_id, idempotency_key)
    async with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            SQL("jobs", "enqueue"),
            {"id": new_id(), "job_id": job_id, "user_id": user_id, "request": Jsonb(request)},
        )
        row = await cur.fetchone()
        if row is not None:
            await cur.execute(SQL("jobs", "notify"), {"job_id": job_id})
            return row, True
        await cur.execute(SQL("jobs", "get"), {"job_id": job_id})
        existing = await cur.fetchone()
        assert existing is not None  # the conflict above proves the row exists
        return existing, False


async def get_job(conn: AsyncConnection, job_id: uuid.UUID) -> dict[str, Any] | None:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(SQL("jobs", "get"), {"job_id": str(job_id)})
        return await cur.fetchone()


async def claim(conn: AsyncConnection, owner: str, lease_seconds: float) -> ClaimedJob | None:
    """The oldest pending job, now processing; its "updatedAt" is the lease (see the module
    docstring), so `owner` and `lease_seconds` need no column of their own."""
    cur = await conn.execute(SQL("jobs", "claim"))
    row = await cur.fetchone()
    if row is None:
        return None
    row_id, job_id, user_id, request, retry_count, token = row
    return HeldJob(
        job_id=job_id,
        user_id=user_id,
        request=request,
        retry_count=retry_count,
        lease=Lease(row_id, token),
    )


async def reap_expired(conn: AsyncConnection, lease_seconds: float) -> list[tuple[str, str]]:
    cur = await conn.execute(SQL("jobs", "reap_expired"), {"lease": lease_seconds})
    return [(row[0], row[1]) for row in await cur.fetchall()]


async def published_movements(conn: AsyncConnection) -> list[dict[str, Any]]:
    """Every library row is a published movement; named as the planner knows them."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(SQL("jobs", "published_movements"))
        return await cur.fetchall()


async def _update(
    conn: AsyncConnection, job: ClaimedJob, statement: str, params: dict[str, Any]
) -> datetime | None:
    """Run a guarded update; the new token when this worker still held the job, else None.
    The lease keeps its token until the caller knows the update committed."""
    lease = _lease(job)
    cur = await conn.execute(statement, {**params, "id": lease.row_id, "token": lease.token})
    row = await cur.fetchone()
    return row[0] if row is not None else None


async def _guarded(
    conn: AsyncConnection, job: ClaimedJob, statement: str, params: dict[str, Any]
) -> datetime | None:
    """A guarded update of its own (autocommit) transaction, remembered as the new token."""
    token = await _update(conn, job, statement, params)
    if token is not None:
        _lease(job).token = token
    return token


async def complete(
    conn: AsyncConnection,
    job: ClaimedJob,
    owner: str,
    plan: dict[str, Any],
    plan_id: str,
    result: dict[str, Any] | None,
) -> bool:
    """Store the plan and mark the job completed, in one transaction, only while this worker
    still holds the job."""
    async with conn.transaction():
        stored = Jsonb(result) if result is not None else None
        token = await _update(conn, job, SQL("jobs", "complete"), {"result": stored})
        if token is None:
            return False
        await conn.execute(
            SQL("jobs", "insert_plan"),
            {
                "id": plan_id,
                "user_id": job.user_id,
                "name": _plan_name(plan),
                "description": f"plan job {job.job_id}",
                "weeks": int(plan.get("durationWeeks") or 0),
                "content": Jsonb(plan),
            },
        )
    # Only now: had the plan insert failed, a retry would still need the token of before.
    _lease(job).token = token
    return True


def _plan_name(plan: dict[str, Any]) -> str:
    goals = ", ".join(str(g) for g in plan.get("goals") or []) or "training"
    return f"{plan.get('durationWeeks')}-week {goals} plan"


async def fail(
    conn: AsyncConnection, job: ClaimedJob, owner: str, error: dict[str, Any]
) -> datetime | None:
    return await _guarded(conn, job, SQL("jobs", "fail"), {"error": Jsonb(error)})


async def set_progress(
    conn: AsyncConnection, job: ClaimedJob, owner: str, progress: int
) -> datetime | None:
    return await _guarded(conn, job, SQL("jobs", "set_progress"), {"progress": progress})


async def plan_scoring(conn: AsyncConnection, job_id: uuid.UUID) -> dict[str, Any] | None:
    """The scoring of the plan a job produced: found by the job's planId, or (when its result
    was not stored) by the job named in the plan's description."""
    cur = await conn.execute(SQL("jobs", "plan_scoring"), {"job_id": str(job_id)})
    row = await cur.fetchone()
    return row[0] if row else None
