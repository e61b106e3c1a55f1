"""Plan generation as the athlete-ally service runs it (§4 of DEPLOYED_API_ATHLETE_ALLY.md).

A `POST /generate` only publishes an event; the consumer picks it up a moment later (the 404
window), inserts the job `queued` with the whole event as "requestData", and puts it in an
in-memory queue. A generator takes it `processing` (progress 10, 25, 75), scores the plan when
the flag is on, writes the `plans` row and completes the job: progress 100, "resultData" the
scoring alone, "completedAt" never set. A failed job keeps "errorData" NULL; its error goes to
stderr. Nothing survives a restart but the rows.

Faults (PLANNING_ENGINE_FAULTS) reproduce that service's defects: `llm_stub` (every job fails),
`plan_cache` (after the first plan, every job stays `queued` while a copy of the first plan is
written for it) and `queue_stall` (at most 3 at once; the queue drains only on the next event).
"""

import asyncio
import os
import time
from collections import deque
from collections.abc import Coroutine
from typing import Any

from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from planning_engine import planner, scoring
from planning_engine.faults import corrupt_scoring, plan_to_score, plan_to_store
from planning_engine.flags import ENV_OVERRIDE
from planning_engine.ids import new_id
from planning_engine.profiles.athlete_ally import deployed_log
from planning_engine.profiles.athlete_ally.deployed_metrics import DeployedMetrics
from planning_engine.profiles.athlete_ally.jobs import published_movements
from planning_engine.profiles.athlete_ally.sql import SQL
from planning_engine.settings import ServiceSettings

ATTEMPTS = 4  # one try and three retries, back to back, as the service makes them
STALLING_CAPACITY = 3  # PLAN_GENERATION_MAX_CONCURRENT's default
STALLING_GENERATION_S = 1.0  # how long one generation takes in the queue_stall rehearsal
LLM_STUB_ERROR = "LLM integration not implemented yet"
DEFAULT_PROFILE: dict[str, Any] = {
    "proficiency": "intermediate",
    "season": "offseason",
    "availabilityDays": 3,
    "weeklyGoalDays": 4,
    "equipment": ["bodyweight", "dumbbells"],
    "purpose": "general_fitness",
}


def plan_event(job_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """The `plan_generation_requested` event, stored whole as "requestData": the service's
    hard-coded profile, where the reference engine takes what the runbook's body asks for."""
    event: dict[str, Any] = {
        "eventId": job_id,
        "jobId": job_id,
        "userId": body["userId"],
        "timestamp": int(time.time() * 1000),
        **DEFAULT_PROFILE,
    }
    for day_field in ("weeklyGoalDays", "availabilityDays"):
        value = body.get(day_field)
        if type(value) is int and 1 <= value <= 7:
            event[day_field] = value
    if body.get("experience") in planner.INTENSITY_CYCLES:
        event["proficiency"] = body["experience"]
    goals = body.get("goals")
    if isinstance(goals, list) and goals and goals[0] in planner.GOAL_CATEGORIES:
        event["purpose"] = goals[0]
    if "targetMinutes" in body:
        event["timeCrunchTargetMinutes"] = body["targetMinutes"]
    return event


def planner_request(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "weeklyGoalDays": event["weeklyGoalDays"],
        "availabilityDays": event["availabilityDays"],
        "experience": event["proficiency"],
        "goals": [event["purpose"]],
    }


def stored_content(plan: dict[str, Any]) -> dict[str, Any]:
    """The plan as the service stores it: its length in `duration`, never `durationWeeks`."""
    content = {key: value for key, value in plan.items() if key != "durationWeeks"}
    content["duration"] = plan.get("durationWeeks")
    return content


class DeployedGenerator:
    def __init__(
        self, pool: AsyncConnectionPool, settings: ServiceSettings, metrics: DeployedMetrics
    ) -> None:
        self.pool, self.settings, self.metrics = pool, settings, metrics
        self.faults = settings.faults
        stalls = "queue_stall" in self.faults
        self.capacity = STALLING_CAPACITY if stalls else max(1, settings.workers)
        self.waiting: deque[dict[str, Any]] = deque()
        self.running = 0
        self.cached_plan: dict[str, Any] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._scoring_turn = asyncio.Lock()

    def publish(self, event: dict[str, Any]) -> None:
        """The 202 is sent; the consumer picks the event up after the pick-up delay."""
        self.metrics.events_published.labels(
            topic="plan_generation_requested", status="success"
        ).inc()
        self._spawn(self._consume_later(event))

    def queue_status(self) -> dict[str, Any]:
        return {
            "queueLength": len(self.waiting),
            "processingCount": self.running,
            "isProcessing": self.running > 0,
        }

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _consume_later(self, event: dict[str, Any]) -> None:
        await asyncio.sleep(self.settings.pickup_delay_s)
        job_id, user = event["jobId"], event["userId"]
        async with self.pool.connection() as conn:
            await conn.execute(
                SQL("generator", "insert_job"),
                {"id": new_id(), "job_id": job_id, "user_id": user, "event": Jsonb(event)},
            )
        self.metrics.events_processed.labels(
            topic="plan_generation_requested", status="success"
        ).inc()
        deployed_log.pino(
            "Processing plan generation requested event", eventId=job_id, userId=user, jobId=job_id
        )
        if "plan_cache" in self.faults and self.cached_plan is not None:
            await self._copy_cached_plan(event)
            return
        self.waiting.append(event)
        deployed_log.pino("Plan generation queued successfully", jobId=job_id, userId=user)
        self._drain()

    def _drain(self) -> None:
        while self.waiting and self.running < self.capacity:
            self.running += 1
            self._spawn(self._generate(self.waiting.popleft()))

    async def _generate(self, event: dict[str, Any]) -> None:
        try:
            await self._run(event)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a database outage mid-job: the job is left where it was
            deployed_log.plain(
                f"Plan generation error for jobId: {event['jobId']}: {error!r}", stderr=True
            )
        finally:
            self.running -= 1
            if "queue_stall" not in self.faults:
                self._drain()

    async def _run(self, event: dict[str, Any]) -> None:
        job_id = event["jobId"]
        await self._set(job_id, "processing", 10)
        if "queue_stall" in self.faults:
            # The service's generation takes seconds (an LLM call): a burst of requests is
            # then always more than its 3 slots at once, whatever this machine's speed.
            await asyncio.sleep(STALLING_GENERATION_S)
        async with self.pool.connection() as conn:
            movements = await published_movements(conn)
        plan = await self._attempts(event, movements)
        if plan is None:
            await self._set(job_id, "failed", 0)  # "errorData" stays NULL, as the service leaves it
            return
        result: dict[str, Any] | None = None
        if self._scoring_enabled():
            async with self._scoring_turn:
                # The service generates one plan at a time per process, so no two of its plans
                # are scored in the same millisecond: evaluatedAt is what links a job to its plan.
                payload = scoring.score_plan(plan_to_score(plan, self.faults), event)
                await asyncio.sleep(0.002)
            corrupt_scoring(payload, self.faults)
            plan["scoring"] = payload
            result = {"scoring": payload}
            fields = {"jobId": job_id, "scoring": payload.get("total")}
            deployed_log.plain(
                f"{deployed_log.node_object(fields)} Applied fixed-weight scoring to plan candidate"
            )
        await self._set(job_id, "processing", 75)
        content = stored_content(plan_to_store(plan, self.faults))
        plan_id = new_id()
        async with self.pool.connection() as conn, conn.transaction():
            await conn.execute(
                SQL("generator", "insert_plan"),
                _plan_row(plan_id, event["userId"], _name(plan), Jsonb(content)),
            )
            await conn.execute(
                SQL("generator", "complete"),
                {"result": Jsonb(result) if result else None, "job_id": job_id},
            )
        deployed_log.plain(f"Plan saved to database for planId: {plan_id}, jobId: {job_id}")
        self.metrics.events_published.labels(topic="plan_generated", status="success").inc()
        deployed_log.plain(
            f"Plan generated event published for jobId: {job_id}, userId: {event['userId']}"
        )
        deployed_log.plain(f"Plan generation completed successfully for jobId: {job_id}")
        if "plan_cache" in self.faults and self.cached_plan is None:
            self.cached_plan = content

    async def _attempts(
        self, event: dict[str, Any], movements: list[dict[str, Any]]
    ) -> dict[str, Any] | None:
        """The plan, or None once every attempt failed (each failure counted on /metrics)."""
        job_id = event["jobId"]
        for attempt in range(ATTEMPTS):
            await self._set(job_id, "processing", 25)
            try:
                if "llm_stub" in self.faults:
                    raise RuntimeError(LLM_STUB_ERROR)
                plan = planner.generate_plan(planner_request(event), movements)
            except Exception as failure:
                error = failure.cause if isinstance(failure, planner.PlanningError) else failure
                self.metrics.attempt(succeeded=False)
                if attempt + 1 < ATTEMPTS:
                    deployed_log.plain(
                        f"Retrying plan generation for jobId: {job_id}, retryCount: {attempt + 1}",
                        stderr=True,
                    )
                    continue
                deployed_log.plain(
                    f"Plan generation failed after max retries: Error: {error} for jobId: {job_id}",
                    stderr=True,
                )
                return None
            self.metrics.attempt(succeeded=True)
            return plan
        return None

    def _scoring_enabled(self) -> bool:
        """Evaluated for each plan, from the environment, logged as the service logs it:
        without the flag's name or value."""
        raw = os.environ.get(ENV_OVERRIDE)
        if raw is not None:
            deployed_log.logger_json(
                "Feature flag override from environment", module="feature-flags"
            )
            return raw in ("true", "1")
        deployed_log.logger_json(
            "LaunchDarkly SDK key not provided; feature flags disabled", "warn", "feature-flags"
        )
        deployed_log.logger_json("LaunchDarkly unavailable, using default", module="feature-flags")
        return False

    async def _copy_cached_plan(self, event: dict[str, Any]) -> None:
        """A plan-cache hit: a copy of the cached plan for this user; the job is never updated."""
        plan_id = new_id()
        assert self.cached_plan is not None
        async with self.pool.connection() as conn:
            await conn.execute(
                SQL("generator", "insert_plan"),
                _plan_row(
                    plan_id, event["userId"], _name(self.cached_plan), Jsonb(self.cached_plan)
                ),
            )
        deployed_log.plain(f"Using cached plan for jobId: {event['jobId']}, cacheKey: plan:cached")

    async def _set(self, job_id: str, status: str, progress: int) -> None:
        async with self.pool.connection() as conn:
            await conn.execute(
                SQL("generator", "set_state"),
                {"status": status, "progress": progress, "job_id": job_id},
            )


def _plan_row(plan_id: str, user_id: str, name: str, content: Jsonb) -> dict[str, Any]:
    return {
        "id": plan_id,
        "user_id": user_id,
        "name": name,
        "description": "Generated training plan",
        "content": content,
    }


def _name(plan: dict[str, Any]) -> str:
    goals = ", ".join(str(g) for g in plan.get("goals") or []) or "training"
    return f"{plan.get('durationWeeks') or plan.get('duration')}-week {goals} plan"
