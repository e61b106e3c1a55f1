"""The routes: the runbook's plan jobs (generate, read), /health and /metrics. They are the same
in both schema profiles; the job store and the schema check come from the profile's backend."""

import uuid
from collections.abc import Callable
from typing import Annotated, Any

import psycopg
from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from psycopg_pool import PoolTimeout

from planning_engine import __version__
from planning_engine.api.errors import error
from planning_engine.api.models import (
    ERRORS,
    GENERATE_ERRORS,
    JOB_ERRORS,
    GenerateRequest,
    JobAccepted,
    JobView,
)
from planning_engine.guard import ANONYMOUS, SUBJECT_STATE_KEY, authenticate
from planning_engine.metrics import EngineMetrics
from planning_engine.profiles.backend import JobStore, SchemaBackend
from planning_engine.settings import ServiceSettings

GENERATE_PATH = "/api/plans/generate"
JOB_PATH = "/api/plans/jobs/{job_id}"

# Documents the scheme in OpenAPI; the token itself is checked by RequestGuard, before the body.
_bearer = HTTPBearer(auto_error=False)


def caller(
    settings: ServiceSettings, allow_anonymous: bool, skipped_checks: frozenset[str]
) -> Callable[..., str]:
    """The dependency that names the request's user: the subject RequestGuard verified before
    the body was read (checked again only if the route is reached some other way)."""

    def current_user(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> str:
        verified = request.scope.get("state", {}).get(SUBJECT_STATE_KEY)
        if isinstance(verified, str):
            return verified
        return authenticate(
            request.headers.get("authorization"),
            settings.jwt_secret,
            settings.max_token_ttl_s,
            allow_anonymous,
            skipped_checks,
        )

    return current_user


def job_view(job: dict[str, Any]) -> JobView:
    return JobView(
        jobId=str(job["job_id"]),
        userId=job["user_id"],
        status=job["status"],
        progress=job["progress"],
        resultData=job["result_data"],
        errorData=job["error_data"],
        createdAt=job["created_at"],
        startedAt=job["started_at"],
        completedAt=job["completed_at"],
        retryCount=job["retry_count"],
        maxRetries=job["max_retries"],
    )


def plan_routes(store: JobStore, current_user: Callable[..., str]) -> APIRouter:
    router = APIRouter()
    User = Annotated[str, Depends(current_user)]

    @router.post(
        GENERATE_PATH, status_code=202, response_model=JobAccepted, responses=GENERATE_ERRORS
    )
    async def generate(
        request: Request,
        body: GenerateRequest,
        user: User,
        # Blank is refused, not stored: '' would be a key shared by every blank request.
        idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
    ) -> Any:
        user = body.userId if user == ANONYMOUS else user  # an API without authentication
        if body.userId != user:
            return error(403, "forbidden", "userId must be the token's subject")
        request_data = body.model_dump(exclude_none=True)
        async with request.app.state.pool.connection() as conn:
            job, created = await store.enqueue(conn, user, request_data, idempotency_key)
        if not created and job["request_data"] != request_data:
            return error(
                409, "idempotency_conflict", "this Idempotency-Key was used with a different body"
            )
        return JobAccepted(jobId=str(job["job_id"]), status=job["status"])

    @router.get(JOB_PATH, response_model=JobView, responses=JOB_ERRORS)
    async def get_job(request: Request, job_id: str, user: User) -> Any:
        try:
            key = uuid.UUID(job_id)
        except ValueError:
            return error(404, "not_found", "no such job")
        async with request.app.state.pool.connection() as conn:
            job = await store.get_job(conn, key)
        if job is None:
            return error(404, "not_found", "no such job")
        if job["user_id"] != user and user != ANONYMOUS:
            return error(403, "forbidden", "this job belongs to another user")
        return job_view(job)

    return router


def service_routes(backend: SchemaBackend, metrics: EngineMetrics) -> APIRouter:
    router = APIRouter()

    @router.get("/health", responses={503: ERRORS[503]})
    async def health(request: Request) -> Any:
        try:
            async with request.app.state.pool.connection(timeout=3) as conn:
                problem = await backend.schema_problem(conn)
        except (psycopg.Error, PoolTimeout, OSError):
            return error(503, "database_unavailable", "the database does not answer")
        if problem:
            return error(503, "schema_outdated", problem)
        return {
            "status": "ok",
            "database": "ok",
            **backend.health_detail,
            "schemaProfile": backend.profile,
            "version": __version__,
            "scoring": request.app.state.workers.flags.describe(),
        }

    @router.get("/metrics", response_class=Response)
    async def metrics_endpoint(request: Request) -> Response:
        try:
            async with request.app.state.pool.connection(timeout=3) as conn:
                await metrics.refresh(conn)
        except (psycopg.Error, PoolTimeout, OSError):
            pass  # serve the in-process counters; database gauges keep their last values
        return Response(metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    return router
