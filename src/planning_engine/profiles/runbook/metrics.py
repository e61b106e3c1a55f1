"""The database gauges of /metrics on a runbook database (the metric names are shared)."""

from psycopg import AsyncConnection

from planning_engine.metrics import DatabaseState
from planning_engine.profiles.runbook.sql import SQL


async def database_state(conn: AsyncConnection) -> DatabaseState:
    jobs: dict[str, int] = dict(await (await conn.execute(SQL("metrics", "jobs"))).fetchall())
    library: dict[str, int] = dict(
        await (await conn.execute(SQL("metrics", "movements"))).fetchall()
    )
    failures = await (await conn.execute(SQL("metrics", "import_failures"))).fetchone()
    return DatabaseState(jobs, library, failures[0] if failures else 0)
