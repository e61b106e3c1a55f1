"""The database gauges of /metrics on an athlete-ally database, under the runbook's names.

A job not yet picked up is `pending` there; the gauge keeps the runbook's label `queued` for
it, so dashboards and the readiness suite read one metric in both profiles. Every library row
is a published movement. Failed imports are counted from the engine's own ledger,
`movement_import_runs`, which tables created by something else do not have: the count is
then 0, and the service says so once when it starts.
"""

from psycopg import AsyncConnection

from planning_engine.metrics import DatabaseState
from planning_engine.profiles.athlete_ally.schema import IMPORT_LEDGER, has_import_ledger_async
from planning_engine.profiles.athlete_ally.sql import SQL

_LABELS = {"pending": "queued"}


async def database_state(conn: AsyncConnection) -> DatabaseState:
    rows = await (await conn.execute(SQL("metrics", "jobs"))).fetchall()
    jobs: dict[str, int] = {}
    for status, count in rows:
        label = _LABELS.get(status, str(status))
        jobs[label] = jobs.get(label, 0) + count
    library = await (await conn.execute(SQL("metrics", "movements"))).fetchone()
    return DatabaseState(
        jobs,
        {"published": library[0] if library else 0},
        await _import_failures(conn),
    )


async def _import_failures(conn: AsyncConnection) -> int:
    if not await has_import_ledger_async(conn):
        return 0
    failures = await (await conn.execute(SQL("metrics", "import_failures"))).fetchone()
    return failures[0] if failures else 0


async def startup_notes(conn: AsyncConnection) -> list[str]:
    if await has_import_ledger_async(conn):
        return []
    return [
        f"{IMPORT_LEDGER} is absent (the tables were not created by `migrate`): "
        "failed movement imports are not recorded, and planning_movement_import_failures stays 0"
    ]
