"""Workers: claim plan jobs, generate and score the plan, store the result.

Each worker is an asyncio task. Idle workers wait on one LISTEN connection (the NOTIFY that
comes with each insert wakes them within milliseconds) with a slow poll as a fallback; any
database error is waited out with a backoff, so a Postgres restart only pauses them.

The workers are the same in both schema profiles: only the job store they are given differs
(chosen from `settings.schema_profile`), so every fault of PLANNING_ENGINE_FAULTS behaves alike.
"""

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import psycopg
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from planning_engine import planner, scoring
from planning_engine.faults import corrupt_scoring, plan_to_score, plan_to_store
from planning_engine.flags import FlagSource
from planning_engine.logs import get_logger, log_event
from planning_engine.metrics import EngineMetrics
from planning_engine.profiles import backend_for
from planning_engine.profiles.backend import ClaimedJob
from planning_engine.settings import ServiceSettings

log = get_logger("worker")
T = TypeVar("T")
RECONNECT_BACKOFF_S = (0.1, 0.25, 0.5, 1.0, 2.0)


async def _back_off(attempt: int, message: str, error: BaseException, **fields: Any) -> None:
    """Log the outage and wait a little longer each consecutive failure."""
    delay = RECONNECT_BACKOFF_S[min(attempt, len(RECONNECT_BACKOFF_S) - 1)]
    log_event(log, message, logging.WARNING, error=type(error).__name__, retry_in_s=delay, **fields)
    await asyncio.sleep(delay)


class WorkerPool:
    """N claiming tasks, one LISTEN task and one lease reaper, sharing a connection pool."""

    def __init__(
        self,
        pool: AsyncConnectionPool,
        settings: ServiceSettings,
        flags: FlagSource,
        metrics: EngineMetrics,
    ) -> None:
        self.pool, self.settings, self.flags, self.metrics = pool, settings, flags, metrics
        self.jobs = backend_for(settings.schema_profile).jobs
        self.owner_prefix = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()

    def start(self) -> None:
        self._tasks.append(asyncio.create_task(self._listen(), name="listen"))
        self._tasks.append(asyncio.create_task(self._reap(), name="reaper"))
        for index in range(self.settings.workers):
            self._tasks.append(
                asyncio.create_task(
                    self._work(f"{self.owner_prefix}:{index}"), name=f"worker-{index}"
                )
            )

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _pause(self, seconds: float) -> None:
        """Wait for a NOTIFY, a stop, or the timeout, whichever comes first."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)

    async def _listen(self) -> None:
        attempt = 0
        while not self._stopping.is_set():
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.settings.dsn, autocommit=True, connect_timeout=5
                ) as conn:
                    await conn.execute("LISTEN plan_jobs")
                    attempt = 0
                    self._wake.set()  # catch up on anything queued while we were not listening
                    async for _ in conn.notifies():
                        self._wake.set()
            except (psycopg.Error, OSError) as error:
                await _back_off(attempt, "Job notifications lost; reconnecting", error)
                attempt += 1

    async def _reap(self) -> None:
        interval = max(0.2, min(self.settings.lease_seconds / 4, 5.0))
        while not self._stopping.is_set():
            try:
                async with self.pool.connection() as conn:
                    for job_id, status in await self.jobs.reap_expired(
                        conn, self.settings.lease_seconds
                    ):
                        log_event(
                            log,
                            "Job lease expired",
                            logging.WARNING,
                            job_id=str(job_id),
                            new_status=status,
                        )
                        self._wake.set()
            except (psycopg.Error, OSError, TimeoutError):
                pass  # the claiming loops report database trouble; the reaper just tries again
            await asyncio.sleep(interval)

    async def _work(self, owner: str) -> None:
        attempt = 0
        while not self._stopping.is_set():
            try:
                # Clear before claiming: a NOTIFY that lands during the claim sets it again.
                self._wake.clear()
                async with self.pool.connection() as conn:
                    job = await self.jobs.claim(conn, owner, self.settings.lease_seconds)
                attempt = 0
                if job is None:
                    await self._pause(self.settings.poll_seconds)
                    continue
                self._wake.set()  # more may be waiting: let another idle worker look too
                await self.process(job, owner)
            except asyncio.CancelledError:
                raise
            except (psycopg.Error, OSError, TimeoutError) as error:
                await _back_off(
                    attempt, "Database unavailable to worker; retrying", error, worker=owner
                )
                attempt += 1
            except Exception as error:  # a bug must cost one job at most, never the worker
                log_event(log, "Worker error", logging.ERROR, worker=owner, error=repr(error))

    async def process(self, job: ClaimedJob, owner: str) -> None:
        faults = self.settings.faults
        if "hold_jobs" in faults:
            return  # rehearsal of a stuck worker: the job stays processing until its lease expires
        movements = await self._while_held(job, self.jobs.published_movements)
        try:
            if "fail_jobs" in faults:
                raise planner.PlanningError("injected failure (PLANNING_ENGINE_FAULTS=fail_jobs)")
            plan = planner.generate_plan(job.request, movements)
        except planner.PlanningError as error:
            await self._fail(job, owner, "plan generation failed", error.cause)
            return
        except Exception as error:  # e.g. a request row written by hand that the API would refuse
            await self._fail(job, owner, "internal error", f"{type(error).__name__}: {error}")
            return
        await self._while_held(job, lambda conn: self.jobs.set_progress(conn, job, owner, 60))
        result = self._result(job, plan)
        stored_result: dict[str, Any] | None = result
        if "empty_result" in faults:
            stored_result = None
        if "scoring_not_persisted" in faults:
            result.pop("scoring", None)  # the plan keeps it; the API puts it back into its response
        stored_plan = plan_to_store(plan, faults)
        completed = await self._while_held(
            job,
            lambda conn: self.jobs.complete(
                conn, job, owner, stored_plan, result["planId"], stored_result
            ),
        )
        if not completed:
            log_event(
                log,
                "Job lease lost before completion; result discarded",
                logging.WARNING,
                job_id=str(job.job_id),
            )
            return
        self.metrics.plans_generated.inc()

    async def _while_held(
        self, job: ClaimedJob, step: Callable[[AsyncConnection], Awaitable[T]]
    ) -> T:
        """Run one database step of a claimed job, waiting out an outage: the lease is this
        worker's, so it finishes the job itself as soon as Postgres is back rather than leaving
        it to the lease reaper (a lease later). Completing is safe to repeat: only the lease
        holder's update of a processing job counts."""
        attempt = 0
        while True:
            try:
                async with self.pool.connection() as conn:
                    return await step(conn)
            except (psycopg.OperationalError, OSError, TimeoutError) as error:
                if self._stopping.is_set():
                    raise
                await _back_off(
                    attempt, "Database unavailable mid-job; retrying", error, job_id=str(job.job_id)
                )
                attempt += 1

    async def _fail(self, job: ClaimedJob, owner: str, error: str, cause: str) -> None:
        """A job that cannot succeed on retry: failed at once, with the cause in error_data."""
        await self._while_held(
            job, lambda conn: self.jobs.fail(conn, job, owner, {"error": error, "message": cause})
        )
        self.metrics.job_failures.inc()
        log_event(log, "Plan generation failed", logging.ERROR, job_id=str(job.job_id), error=cause)

    def _result(self, job: ClaimedJob, plan: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = {
            "planId": self.jobs.new_plan_id(),
            "summary": planner.summarise(plan),
        }
        if self.flags.scoring_enabled(job.user_id):
            payload = self._score(job, plan)
            if payload is not None:
                plan["scoring"] = payload
                result["scoring"] = payload
        return result

    def _score(self, job: ClaimedJob, plan: dict[str, Any]) -> dict[str, Any] | None:
        started = time.perf_counter()
        try:
            payload = scoring.score_plan(plan_to_score(plan, self.settings.faults), job.request)
            corrupt_scoring(payload, self.settings.faults)
        except Exception as error:  # a scoring bug must not lose the plan; it is counted and logged
            self.metrics.scoring_errors.inc()
            log_event(
                log,
                "Scoring calculation error",
                logging.ERROR,
                job_id=str(job.job_id),
                error=repr(error),
            )
            return None
        elapsed = time.perf_counter() - started
        self.metrics.scoring_duration.observe(elapsed)
        self.metrics.plans_scored.inc()
        log_event(
            log,
            "Applied fixed-weight scoring",
            job_id=str(job.job_id),
            total=payload["total"],
            version=payload["version"],
            duration_ms=round(elapsed * 1000, 3),
        )
        return payload
