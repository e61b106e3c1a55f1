"""What the engine needs of a runbook database: its own migrations, all applied."""

from psycopg import AsyncConnection

from planning_engine.migrate import pending_versions


async def schema_problem(conn: AsyncConnection) -> str | None:
    """Why /health answers 503: a migration the database lacks."""
    pending = await pending_versions(conn)
    if not pending:
        return None
    return f"migrations not applied: {', '.join(pending)}; run `planning-engine migrate`"


async def startup_notes(conn: AsyncConnection) -> list[str]:
    """Nothing: the engine's own migrations made every table it reads."""
    return []
