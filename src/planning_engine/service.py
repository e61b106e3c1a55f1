"""Running the engine: `serve` (API + in-process workers) and `worker` (workers only)."""

import asyncio
import contextlib
import signal

import uvicorn
from prometheus_client import start_http_server
from psycopg_pool import AsyncConnectionPool

from planning_engine.api import create_app
from planning_engine.api_profile import ATHLETE_ALLY_API
from planning_engine.flags import flag_from_environment
from planning_engine.guard import guarded_h11_protocol
from planning_engine.logs import get_logger, log_event
from planning_engine.metrics import EngineMetrics
from planning_engine.settings import ServiceSettings
from planning_engine.worker import WorkerPool

log = get_logger("service")
MAX_HEAD_BYTES = 16 * 1024
KEEP_ALIVE_S = 5


def serve(settings: ServiceSettings, host: str, port: int) -> None:
    log_event(
        log,
        "Planning engine starting",
        host=host,
        port=port,
        workers=settings.workers,
        faults=sorted(settings.faults),
        max_body_bytes=settings.max_body_bytes,
        header_timeout_s=settings.header_timeout_s,
        body_timeout_s=settings.body_timeout_s,
        max_connections=settings.max_connections,
        schema_profile=settings.schema_profile,
        api_profile=settings.api_profile,
    )
    if settings.api_profile == ATHLETE_ALLY_API:
        from planning_engine.profiles.athlete_ally.deployed_api import announce, create_deployed_app

        app = create_deployed_app(settings)
        announce(host, port)
    else:
        app = create_app(settings)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
        # h11 always (httptools would bypass the head timeout), heads capped at 16 KiB,
        # connections beyond the cap answered 503 instead of queueing without bound.
        http=guarded_h11_protocol(settings.header_timeout_s),
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        limit_concurrency=settings.max_connections,
        timeout_keep_alive=KEEP_ALIVE_S,
    )


def run_workers(settings: ServiceSettings, metrics_port: int | None = None) -> None:
    """Workers without the API. Their scoring counters (plans scored, scoring errors, scoring
    time) live in this process: with `metrics_port` they are served for Prometheus to scrape
    beside the API's /metrics, which reports the database-wide gauges."""
    metrics = EngineMetrics()  # a worker's: its own counters only
    if metrics_port:
        start_http_server(metrics_port, addr="127.0.0.1", registry=metrics.registry)
        log_event(log, "Worker metrics served", port=metrics_port)
    asyncio.run(_run_workers(settings, metrics))


async def _run_workers(settings: ServiceSettings, metrics: EngineMetrics) -> None:
    pool = AsyncConnectionPool(
        settings.dsn,
        min_size=1,
        max_size=max(2, settings.workers + 1),
        open=False,
        timeout=5,
        kwargs={"autocommit": True, "connect_timeout": 5},
        check=AsyncConnectionPool.check_connection,
        reconnect_timeout=0,
    )
    await pool.open(wait=False)
    flags = flag_from_environment()
    workers = WorkerPool(pool, settings, flags, metrics)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    workers.start()
    log_event(
        log,
        "Workers started",
        workers=settings.workers,
        owner=workers.owner_prefix,
        schema_profile=settings.schema_profile,
    )
    try:
        await stop.wait()
    finally:
        await workers.stop()
        await pool.close()
        flags.close()
