"""The engine's HTTP API (FastAPI): plan jobs, health, metrics.

Every malformed request gets a 4xx with a JSON body naming the problem; database outages
are a 503; nothing a client sends produces a 500. The routes are the same in both schema
profiles; the job store, the schema check of /health and the gauges come from the profile's
backend (`backends.py`).
"""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any, Literal

import psycopg
from fastapi import Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from planning_engine import __version__
from planning_engine.backends import Backend, JobStore, backend_for
from planning_engine.faults import TOKEN_FAULTS
from planning_engine.flags import FlagSource, flag_from_environment
from planning_engine.guard import (
    ANONYMOUS,
    SUBJECT_STATE_KEY,
    AuthFailure,
    RequestGuard,
    authenticate,
)
from planning_engine.logs import get_logger, log_event
from planning_engine.metrics import EngineMetrics
from planning_engine.settings import ServiceSettings
from planning_engine.worker import WorkerPool

Goal = Literal[
    "strength",
    "power",
    "conditioning",
    "endurance",
    "hypertrophy",
    "mobility",
    "fat_loss",
    "general_fitness",
]


class GenerateRequest(BaseModel):
    """The runbook's request body. Fields it does not know are accepted and left out of the
    job (a client may send more than this engine uses); the user id may hold any character but
    NUL, which Postgres text cannot store."""

    model_config = ConfigDict(extra="ignore")

    userId: str = Field(min_length=1, max_length=128, pattern=r"^[^\x00]+$")
    weeklyGoalDays: int = Field(ge=1, le=7)
    availabilityDays: int = Field(ge=1, le=7)
    goals: list[Goal] = Field(min_length=1, max_length=8)
    experience: Literal["beginner", "intermediate", "advanced"]
    durationWeeks: int = Field(default=12, ge=1, le=52)
    selectedDaysPerWeek: int | None = Field(default=None, ge=1, le=7)

    @field_validator(
        "weeklyGoalDays", "availabilityDays", "durationWeeks", "selectedDaysPerWeek", mode="before"
    )
    @classmethod
    def _not_a_bool(cls, value: Any) -> Any:
        """JSON's true is not a count, though Python's bool is an int."""
        if isinstance(value, bool):
            raise ValueError("must be a whole number, not true/false")
        return value


class JobAccepted(BaseModel):
    jobId: str
    status: str


class JobView(BaseModel):
    jobId: str
    userId: str
    status: str
    progress: int
    resultData: dict[str, Any] | None
    errorData: dict[str, Any] | None
    createdAt: datetime
    startedAt: datetime | None
    completedAt: datetime | None
    retryCount: int
    maxRetries: int


class ErrorBody(BaseModel):
    error: str
    message: str
    fieldErrors: list[dict[str, str]] | None = None


def _error(status: int, error: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": error, "message": message, **extra})


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "model": ErrorBody,
        "description": "Malformed request: unparsable JSON, or a header that must be unique"
        " (Authorization, Idempotency-Key) sent twice",
    },
    401: {"model": ErrorBody, "description": "Missing or invalid bearer token"},
    403: {"model": ErrorBody, "description": "The token's user may not do this"},
    404: {"model": ErrorBody, "description": "No such job"},
    409: {"model": ErrorBody, "description": "Idempotency key reused with a different body"},
    413: {"model": ErrorBody, "description": "Body larger than PLANNING_MAX_BODY_BYTES"},
    422: {"model": ErrorBody, "description": "Invalid body: fieldErrors lists each field"},
    503: {"model": ErrorBody, "description": "Database unavailable or schema not applied"},
}
GENERATE_ERRORS: dict[int | str, dict[str, Any]] = {
    code: ERRORS[code] for code in (400, 401, 403, 409, 413, 422, 503)
}
JOB_ERRORS: dict[int | str, dict[str, Any]] = {
    code: ERRORS[code] for code in (400, 401, 403, 404, 503)
}

# Documents the scheme in OpenAPI; the token itself is checked by RequestGuard, before the body.
_bearer = HTTPBearer(auto_error=False)


log = get_logger("service")


async def _faulty_result(
    conn: psycopg.AsyncConnection, store: JobStore, job: dict[str, Any], faults: frozenset[str]
) -> Any:
    """What a broken deployment answers: scoring that is not what the database holds."""
    result = dict(job["result_data"] or {})
    if "scoring_not_persisted" in faults and "scoring" not in result:
        scoring = await store.plan_scoring(conn, job["job_id"])
        if scoring is not None:
            result["scoring"] = scoring
    if "scoring_response_differs" in faults and isinstance(result.get("scoring"), dict):
        result["scoring"] = {
            **result["scoring"],
            "total": round(max(0.0, result["scoring"]["total"] - 0.05), 4),
        }
    return result or None


async def open_service_pool(settings: ServiceSettings) -> AsyncConnectionPool:
    """The API's connection pool: opened without waiting (a database that is down is the
    requests' 503, not a start-up crash), every statement capped at 30 s."""
    pool = AsyncConnectionPool(
        settings.dsn,
        min_size=2,
        max_size=settings.pool_size,
        open=False,
        timeout=5,
        kwargs={
            "autocommit": True,
            "connect_timeout": 5,
            "options": "-c statement_timeout=30000",
        },
        check=AsyncConnectionPool.check_connection,
        reconnect_timeout=0,
    )
    await pool.open(wait=False)
    return pool


def create_app(
    settings: ServiceSettings, flags: FlagSource | None = None, run_workers: bool = True
) -> FastAPI:
    backend = backend_for(settings.schema_profile)
    store = backend.jobs
    metrics = EngineMetrics(read_state=backend.database_state)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await open_service_pool(settings)
        await _note_database(pool, backend)
        flag_source = flags or flag_from_environment()
        workers = WorkerPool(pool, settings, flag_source, metrics)
        if run_workers and settings.workers > 0:
            workers.start()
        app.state.pool, app.state.workers = pool, workers
        try:
            yield
        finally:
            await workers.stop()
            await pool.close()
            if flags is None:
                flag_source.close()

    app = FastAPI(
        title="Stream 5 reference planning engine", version=__version__, lifespan=lifespan
    )

    # "no_auth" rehearses an API deployed without authentication: no token means anonymous.
    allow_anonymous = "no_auth" in settings.faults
    # "no_signature_check" rehearses one that reads tokens without checking who signed them,
    # "no_expiry_check" one that accepts them for ever.
    skipped = settings.faults & TOKEN_FAULTS
    app.add_middleware(
        RequestGuard,
        jwt_secret=settings.jwt_secret,
        max_body_bytes=settings.max_body_bytes,
        body_timeout_s=settings.body_timeout_s,
        max_token_ttl_s=settings.max_token_ttl_s,
        allow_anonymous=allow_anonymous,
        skipped_token_checks=skipped,
    )

    def current_user(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> str:
        """The subject RequestGuard verified before the body was read (checked again only if
        the route is reached some other way)."""
        verified = request.scope.get("state", {}).get(SUBJECT_STATE_KEY)
        if isinstance(verified, str):
            return verified
        return authenticate(
            request.headers.get("authorization"),
            settings.jwt_secret,
            settings.max_token_ttl_s,
            allow_anonymous,
            skipped,
        )

    User = Annotated[str, Depends(current_user)]

    @app.exception_handler(AuthFailure)
    async def _unauthorized(request: Request, exc: AuthFailure) -> JSONResponse:
        response = _error(401, "unauthorized", str(exc))
        response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        """FastAPI's own refusals (unparsable body, unknown path, wrong method) in our error shape."""
        names = {
            400: "malformed_request",
            404: "not_found",
            405: "method_not_allowed",
            408: "request_timeout",
            413: "payload_too_large",
            415: "unsupported_media_type",
        }
        response = _error(
            exc.status_code, names.get(exc.status_code, "http_error"), str(exc.detail)
        )
        for header, value in (exc.headers or {}).items():
            response.headers[header] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = exc.errors()
        if any(p.get("type") == "json_invalid" for p in problems):
            return _error(400, "malformed_json", "the request body is not valid JSON")
        fields = [
            {
                "field": ".".join(str(part) for part in p.get("loc", ())[1:]) or "body",
                "message": str(p.get("msg", "invalid")),
            }
            for p in problems
        ]
        return _error(
            422, "invalid_request", "the request body has invalid fields", fieldErrors=fields
        )

    @app.exception_handler(psycopg.OperationalError)
    @app.exception_handler(PoolTimeout)
    async def _database_down(request: Request, exc: Exception) -> JSONResponse:
        return _error(
            503, "database_unavailable", "the planning database is not answering; retry shortly"
        )

    @app.exception_handler(psycopg.errors.UndefinedTable)
    @app.exception_handler(psycopg.errors.UndefinedColumn)
    async def _schema_missing(request: Request, exc: Exception) -> JSONResponse:
        return _error(
            503,
            "schema_outdated",
            "the planning schema is not applied to this database: run `planning-engine migrate`",
        )

    @app.post(
        "/api/plans/generate",
        status_code=202,
        response_model=JobAccepted,
        responses=GENERATE_ERRORS,
    )
    async def generate(
        body: GenerateRequest,
        user: User,
        # Blank is refused, not stored: '' would be a key shared by every blank request.
        idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
    ) -> Any:
        user = body.userId if user == ANONYMOUS else user
        if body.userId != user:
            return _error(403, "forbidden", "userId must be the token's subject")
        request_data = body.model_dump(exclude_none=True)
        if "no_idempotency" in settings.faults:  # documents the header, ignores it
            idempotency_key = None
        async with app.state.pool.connection() as conn:
            job, created = await store.enqueue(conn, user, request_data, idempotency_key)
        if not created and job["request_data"] != request_data:
            return _error(
                409, "idempotency_conflict", "this Idempotency-Key was used with a different body"
            )
        return JobAccepted(jobId=str(job["job_id"]), status=job["status"])

    @app.get("/api/plans/jobs/{job_id}", response_model=JobView, responses=JOB_ERRORS)
    async def get_job(job_id: str, user: User) -> Any:
        try:
            key = uuid.UUID(job_id)
        except ValueError:
            return _error(404, "not_found", "no such job")
        async with app.state.pool.connection() as conn:
            job = await store.get_job(conn, key)
        if job is None:
            return _error(404, "not_found", "no such job")
        unchecked = user == ANONYMOUS or "no_ownership_check" in settings.faults
        if job["user_id"] != user and not unchecked:
            if "others_jobs_not_found" in settings.faults:  # healthy: hides that it exists
                return _error(404, "not_found", "no such job")
            return _error(403, "forbidden", "this job belongs to another user")
        if settings.faults & {"scoring_not_persisted", "scoring_response_differs"}:
            async with app.state.pool.connection() as conn:
                job["result_data"] = await _faulty_result(conn, store, job, settings.faults)
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

    @app.get("/health", responses={503: ERRORS[503]})
    async def health() -> Any:
        try:
            async with app.state.pool.connection(timeout=3) as conn:
                problem = await backend.schema_problem(conn)
        except (psycopg.Error, PoolTimeout, OSError):
            return _error(503, "database_unavailable", "the database does not answer")
        if problem:
            return _error(503, "schema_outdated", problem)
        return {
            "status": "ok",
            "database": "ok",
            **backend.health_detail,
            "schemaProfile": backend.profile,
            "version": __version__,
            "scoring": app.state.workers.flags.describe(),
        }

    @app.get("/metrics", response_class=Response)
    async def metrics_endpoint() -> Response:
        try:
            async with app.state.pool.connection(timeout=3) as conn:
                await metrics.refresh(conn)
        except (psycopg.Error, PoolTimeout, OSError):
            pass  # serve the in-process counters; database gauges keep their last values
        return Response(metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    app.state.metrics = metrics
    return app


async def _note_database(pool: AsyncConnectionPool, backend: Backend) -> None:
    """Log, once, what the profile finds worth saying about this database (e.g. no import
    ledger). A database that does not answer yet is left to /health to report."""
    try:
        async with pool.connection(timeout=3) as conn:
            notes = await backend.startup_notes(conn)
    except (psycopg.Error, PoolTimeout, OSError):
        return
    for note in notes:
        log_event(log, "Schema note", schema_profile=backend.profile, note=note)
