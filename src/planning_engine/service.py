"""Running the engine: `serve` (API + in-process workers) and `worker` (workers only)."""

import asyncio
import contextlib
import signal

import uvicorn
from psycopg_pool import AsyncConnectionPool

from planning_engine.api import create_app
from planning_engine.flags import flag_from_environment
from planning_engine.logs import get_logger, log_event
from planning_engine.metrics import EngineMetrics
from planning_engine.settings import ServiceSettings
from planning_engine.worker import WorkerPool

log = get_logger("service")


def serve(settings: ServiceSettings, host: str, port: int) -> None:
    log_event(
        log,
        "Planning engine starting",
        host=host,
        port=port,
        workers=settings.workers,
        faults=sorted(settings.faults),
    )
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
    )


def run_workers(settings: ServiceSettings) -> None:
    asyncio.run(_run_workers(settings))


async def _run_workers(settings: ServiceSettings) -> None:
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
    workers = WorkerPool(pool, settings, flags, EngineMetrics())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    workers.start()
    log_event(log, "Workers started", workers=settings.workers, owner=workers.owner_prefix)
    try:
        await stop.wait()
    finally:
        await workers.stop()
        await pool.close()
        flags.close()
