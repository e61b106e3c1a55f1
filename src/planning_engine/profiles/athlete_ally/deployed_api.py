"""The athlete-ally API profile: the HTTP API of the engine the runbook was written for, as
DEPLOYED_API_ATHLETE_ALLY.md measures it, and its gateway's routes.

Engine routes: `POST /generate` (202 with a `plan-gen-…` job id; the job's row appears only when
the consumer picks the request up), `GET /status/{jobId}` (404 `not_found` until then, 403 for
another user's job), `GET /health`, `GET /metrics`, `GET /queue/status`. Gateway routes:
`POST /api/v1/plans/generate` (the token's user, overridden by a `userId` in the body) and
`GET /api/v1/plans/status?jobId=`, with the gateway's per-user rate limits when
PLANNING_GATEWAY_RATE_LIMITS is on; PLANNING_GATEWAY_ONLY serves these alone, as a client of
the gateway sees the service. Every path but the health and metrics ones needs a token
the service accepts (issuer, audience, `userId`); the check runs before routing, so an unknown
path without a token is a 401, with one Fastify's "Route … not found".
"""

import random
import string
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from json import JSONDecodeError
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from psycopg.rows import dict_row
from psycopg_pool import PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from planning_engine.api import open_service_pool
from planning_engine.auth import Unauthorized, verify_athlete_ally_token
from planning_engine.faults import TOKEN_FAULTS
from planning_engine.profiles.athlete_ally import deployed_log
from planning_engine.profiles.athlete_ally.deployed_metrics import DeployedMetrics
from planning_engine.profiles.athlete_ally.generator import DeployedGenerator, plan_event
from planning_engine.profiles.athlete_ally.rate_limit import GatewayLimiter
from planning_engine.profiles.athlete_ally.sql import SQL
from planning_engine.settings import ServiceSettings

UNAUTHENTICATED_PATHS = frozenset({"/health", "/metrics", "/api/health", "/api/v1/health"})
GATEWAY_GENERATE = "/api/v1/plans/generate"
GATEWAY_STATUS = "/api/v1/plans/status"
_TIMESTAMPS = ("createdAt", "startedAt", "completedAt")
_started = time.time()


def new_job_id() -> str:
    """`plan-gen-<epoch ms>-<9 base-36 characters>`, as the service makes them."""
    suffix = "".join(random.choices(string.digits + string.ascii_lowercase, k=9))
    return f"plan-gen-{int(time.time() * 1000)}-{suffix}"


def _iso(value: datetime | None) -> str | None:
    """A UTC timestamp column as the service answers it: milliseconds and `Z`."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(status_code=status, content=body, headers=headers)


def valid_generate_body(body: Any) -> bool:
    """The service's zod schema: `userId` a string, `targetMinutes` a whole number 15-180 and
    `seedPlanId` a string where given; any other field is accepted (and dropped by it)."""
    if not isinstance(body, dict) or not isinstance(body.get("userId"), str):
        return False
    minutes = body.get("targetMinutes")
    if "targetMinutes" in body and not (type(minutes) is int and 15 <= minutes <= 180):
        return False
    return "seedPlanId" not in body or isinstance(body["seedPlanId"], str)


def create_deployed_app(settings: ServiceSettings) -> FastAPI:
    metrics = DeployedMetrics()
    limiter = GatewayLimiter(settings.gateway_window_s) if settings.gateway_rate_limits else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await open_service_pool(settings)
        app.state.pool = pool
        app.state.generator = DeployedGenerator(pool, settings, metrics)
        try:
            yield
        finally:
            await app.state.generator.stop()
            await pool.close()

    app = FastAPI(title="athlete-ally planning engine (reference)", lifespan=lifespan)

    @app.middleware("http")
    async def authenticate(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        query = request.url.query
        exact = request.url.path + (f"?{query}" if query else "")
        if exact in UNAUTHENTICATED_PATHS:
            return await call_next(request)
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        try:
            if scheme.lower() != "bearer" or not token or " " in token.strip():
                raise Unauthorized("malformed header")
            request.state.user = verify_athlete_ally_token(
                token.strip(), settings.jwt_secret, settings.faults & TOKEN_FAULTS
            )
        except Unauthorized:
            return _json(401, {"error": "unauthorized", "message": "Authentication required"})
        if limiter is not None and request.url.path.startswith("/api/v1/plans/"):
            verdict = limiter.check(
                request.state.user, request.url.path, request.url.path == GATEWAY_GENERATE
            )
            if not verdict.allowed:
                return _json(429, _limited(verdict.error, verdict.retry_after_s), verdict.headers)
            response = await call_next(request)
            response.headers.update(verdict.headers)
            return response
        return await call_next(request)

    @app.exception_handler(StarletteHTTPException)
    async def _route_not_found(request: Request, exc: StarletteHTTPException) -> Response:
        """Fastify's answer to a route it does not have (or a method it does not take)."""
        return _json(
            exc.status_code,
            {
                "message": f"Route {request.method}:{request.url.path} not found",
                "error": "Not Found",
                "statusCode": exc.status_code,
            },
        )

    async def accept(body: Any) -> Response:
        if not valid_generate_body(body):
            return _json(400, {"error": "invalid_payload"})
        job_id = new_job_id()
        app.state.generator.publish(plan_event(job_id, body))
        return _json(
            202,
            {
                "jobId": job_id,
                "status": "queued",
                "message": "Plan generation request queued successfully",
                "estimatedCompletionTime": "2-5 minutes",
            },
        )

    async def status(job_id: str, user: str) -> Response:
        try:
            async with (
                app.state.pool.connection() as conn,
                conn.cursor(row_factory=dict_row) as cur,
            ):
                await cur.execute(SQL("api", "job_status"), {"job_id": job_id})
                job = await cur.fetchone()
        except (psycopg.Error, PoolTimeout, OSError):
            return _json(500, {"error": "status_query_failed"})
        if job is None:
            return _json(
                404,
                {
                    "jobId": job_id,
                    "status": "not_found",
                    "message": "Plan generation job not found",
                },
            )
        if job["userId"] != user:
            return _json(
                403,
                {
                    "error": "forbidden",
                    "message": "Access denied: You can only access your own jobs",
                },
            )
        return _json(200, {**job, **{key: _iso(job[key]) for key in _TIMESTAMPS}})

    if not settings.gateway_only:

        @app.post("/generate")
        async def generate(request: Request) -> Response:
            return await accept(await _body(request))

        @app.get("/status/{job_id}")
        async def job_status(job_id: str, request: Request) -> Response:
            return await status(job_id, request.state.user)

    @app.post(GATEWAY_GENERATE)
    async def gateway_generate(request: Request) -> Response:
        body = await _body(request)
        merged = {"userId": request.state.user, **body} if isinstance(body, dict) else body
        return await accept({"userId": request.state.user} if body is None else merged)

    @app.get(GATEWAY_STATUS)
    async def gateway_status(request: Request) -> Response:
        job_id = request.query_params.get("jobId")
        if not job_id:
            return _json(400, {"error": "jobId_required"})
        return await status(job_id, request.state.user)

    @app.get("/api/health")
    @app.get("/api/v1/health")
    async def gateway_health() -> Response:
        return _json(200, {"status": "ok"})

    @app.get("/health")
    async def health() -> Response:
        if settings.gateway_only:  # the gateway's own answer, whatever the engine's state
            return _json(200, {"status": "ok"})
        return await _health(app, settings)

    if not settings.gateway_only:

        @app.get("/metrics")
        async def metrics_endpoint() -> Response:
            return Response(metrics.render(), media_type="text/plain")

    @app.get("/queue/status")
    async def queue_status() -> Response:
        return _json(
            200,
            {
                "queue": app.state.generator.queue_status(),
                "database": {"activeConnections": 0, "queryCount": 0, "averageQueryTime": 0},
                "timestamp": _iso(datetime.now(UTC).replace(tzinfo=None)),
            },
        )

    return app


async def _body(request: Request) -> Any:
    """The JSON body, or None when there is none (the gateway sends `{userId}` then)."""
    raw = await request.body()
    if not raw:
        return None
    try:
        return await request.json()
    except (JSONDecodeError, UnicodeDecodeError):
        return "malformed"


def _limited(error: str, retry_after_s: int) -> dict[str, Any]:
    reset = datetime.fromtimestamp(time.time() + retry_after_s, UTC)
    return {
        "error": error,
        "message": "Too many requests. Please try again later.",
        "retryAfter": retry_after_s,
        "resetTime": reset.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }


async def _health(app: FastAPI, settings: ServiceSettings) -> Response:
    """The service's health body. Its NATS check reads a placeholder connection that is always
    closed (defect D4): with the `health_503` fault /health answers 503 although jobs flow."""
    started = time.perf_counter()
    try:
        async with app.state.pool.connection(timeout=3) as conn:
            await conn.execute("SELECT 1")
        database = "healthy"
    except (psycopg.Error, PoolTimeout, OSError):
        database = "unhealthy"
    elapsed = round((time.perf_counter() - started) * 1000)
    nats = "unhealthy" if "health_503" in settings.faults else "healthy"
    checks = {
        "database": {"status": database, "responseTime": elapsed, "details": {}},
        "redis": {"status": "healthy", "responseTime": 0, "details": {"connection": "active"}},
        "nats": {
            "status": nats,
            "responseTime": 0,
            "details": {"connection": "closed" if nats == "unhealthy" else "active"},
        },
    }
    overall = "healthy" if database == nats == "healthy" else "unhealthy"
    body = {
        "status": overall,
        "timestamp": _iso(datetime.now(UTC).replace(tzinfo=None)),
        "uptime": round(time.time() - _started),
        "version": "1.0.0",
        "checks": checks,
    }
    return _json(200 if overall == "healthy" else 503, body)


def announce(host: str, port: int) -> None:
    """The service's start-up lines."""
    deployed_log.pino(f"Server listening at http://{host}:{port}")
    deployed_log.plain(f"planning-engine listening on {host}:{port}")
