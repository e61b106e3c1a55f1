"""The engine's HTTP API (FastAPI): plan jobs, health, metrics.

`create_app` puts the parts together: the request guard (tokens, body limits), the faults a
rehearsal asks for (`faulty_deployment`), the error shape (`errors`), the routes (`routes`) and
the pool and workers the lifespan opens. The routes are the same in both schema profiles; the job
store, the schema check of /health and the gauges come from the profile's backend
(`profiles/`).
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
from fastapi import FastAPI
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from planning_engine import __version__
from planning_engine.api.errors import install_error_handlers
from planning_engine.api.faulty_deployment import FaultyDeployment
from planning_engine.api.routes import caller, plan_routes, service_routes
from planning_engine.faults import TOKEN_FAULTS
from planning_engine.flags import FlagSource, flag_from_environment
from planning_engine.guard import RequestGuard
from planning_engine.logs import get_logger, log_event
from planning_engine.metrics import EngineMetrics
from planning_engine.profiles import backend_for
from planning_engine.profiles.backend import SchemaBackend
from planning_engine.settings import ServiceSettings
from planning_engine.worker import WorkerPool

__all__ = ["create_app", "open_service_pool"]

log = get_logger("service")


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
    # "no_auth" rehearses an API deployed without authentication: no token means anonymous;
    # "no_signature_check" one that reads tokens without checking who signed them,
    # "no_expiry_check" one that accepts them for ever.
    allow_anonymous = "no_auth" in settings.faults
    skipped = settings.faults & TOKEN_FAULTS
    # Added first, so it runs inside the guard: the caller is known when a fault needs it.
    app.add_middleware(FaultyDeployment, faults=settings.faults, store=backend.jobs)
    app.add_middleware(
        RequestGuard,
        jwt_secret=settings.jwt_secret,
        max_body_bytes=settings.max_body_bytes,
        body_timeout_s=settings.body_timeout_s,
        max_token_ttl_s=settings.max_token_ttl_s,
        allow_anonymous=allow_anonymous,
        skipped_token_checks=skipped,
    )
    install_error_handlers(app)
    app.include_router(plan_routes(backend.jobs, caller(settings, allow_anonymous, skipped)))
    app.include_router(service_routes(backend, metrics))
    app.state.metrics = metrics
    return app


async def _note_database(pool: AsyncConnectionPool, backend: SchemaBackend) -> None:
    """Log, once, what the profile finds worth saying about this database (e.g. no import
    ledger). A database that does not answer yet is left to /health to report."""
    try:
        async with pool.connection(timeout=3) as conn:
            notes = await backend.startup_notes(conn)
    except (psycopg.Error, PoolTimeout, OSError):
        return
    for note in notes:
        log_event(log, "Schema note", schema_profile=backend.profile, note=note)
