"""What the engine needs of an athlete-ally database, and how its absence is reported.

There may be no migration ledger to ask (Prisma, not `migrate`, may have made the tables), so
"is the schema there" means: are the tables, columns and enum types the engine uses present.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import psycopg
from psycopg import AsyncConnection
from psycopg import errors as pg_errors

from planning_engine.database import schema_required as runbook_schema_required
from planning_engine.errors import SchemaMissing
from planning_engine.profiles.athlete_ally.sql import SQL
from planning_engine.schema_profile import ATHLETE_ALLY, migrate_command

MIGRATE = migrate_command(ATHLETE_ALLY)
IMPORT_LEDGER = "movement_import_runs"

# The movement columns a record maps onto, in the order statements list them.
MOVEMENT_COLUMNS = (
    "name",
    "slug",
    "classification",
    "equipment",
    "primaryMuscles",
    "secondaryMuscles",
    "recommendedRpe",
    "tags",
    "instructions",
    "metadata",
)
_MOVEMENT_COLUMNS = ("id", "createdAt", "updatedAt", *MOVEMENT_COLUMNS)
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "movement_staging": (
        *_MOVEMENT_COLUMNS,
        "status",
        "createdById",
        "updatedById",
        "reviewerId",
        "reviewedAt",
        "reviewNotes",
        "publishedMovementId",
    ),
    "movement_library": (
        *_MOVEMENT_COLUMNS,
        "version",
        "stagingSourceId",
        "stagingSnapshot",
        "publishedById",
        "publishedAt",
    ),
    "movement_audit_log": (
        "id",
        "createdAt",
        "action",
        "actorId",
        "actorEmail",
        "actorRole",
        "movementStagingId",
        "movementLibraryId",
        "diff",
        "notes",
        "metadata",
    ),
    "plan_jobs": (
        "id",
        "createdAt",
        "updatedAt",
        "jobId",
        "userId",
        "status",
        "progress",
        "requestData",
        "resultData",
        "errorData",
        "startedAt",
        "completedAt",
        "retryCount",
        "maxRetries",
    ),
    "plans": (
        "id",
        "createdAt",
        "updatedAt",
        "userId",
        "version",
        "status",
        "name",
        "description",
        "startDate",
        "endDate",
        "content",
    ),
}
REQUIRED_TYPES = ("MovementStageStatus", "MovementAuditAction")


def describe_gaps(columns: Iterable[tuple[str, str]], types: Iterable[str]) -> list[str]:
    """What is missing, given what the catalog lists: a whole table once, not column by column."""
    present: dict[str, set[str]] = {}
    for table, column in columns:
        present.setdefault(table, set()).add(column)
    gaps = []
    for table, required in REQUIRED_COLUMNS.items():
        if table not in present:
            gaps.append(f"table {table}")
            continue
        gaps.extend(f'column {table}."{c}"' for c in required if c not in present[table])
    found = set(types)
    gaps.extend(f'type "{t}"' for t in REQUIRED_TYPES if t not in found)
    return gaps


def schema_gaps(conn: psycopg.Connection) -> list[str]:
    tables = list(REQUIRED_COLUMNS)
    columns = conn.execute(SQL("schema", "present_columns"), {"tables": tables}).fetchall()
    types = [
        row[0]
        for row in conn.execute(SQL("schema", "present_types"), {"types": list(REQUIRED_TYPES)})
    ]
    return describe_gaps(columns, types)


async def schema_gaps_async(conn: AsyncConnection) -> list[str]:
    tables = list(REQUIRED_COLUMNS)
    columns = await (
        await conn.execute(SQL("schema", "present_columns"), {"tables": tables})
    ).fetchall()
    types = await (
        await conn.execute(SQL("schema", "present_types"), {"types": list(REQUIRED_TYPES)})
    ).fetchall()
    return describe_gaps(columns, [row[0] for row in types])


def missing_schema_error(gaps: list[str]) -> SchemaMissing:
    """Worded like the runbook profile's ("table X is missing") so that callers matching on the
    cause or the `planning-engine migrate` fix need not know the profile."""
    if len(gaps) == 1 and gaps[0].startswith("table "):
        cause = f"{gaps[0]} is missing"
    else:
        cause = f"the athlete-ally schema is incomplete: missing {', '.join(gaps)}"
    return SchemaMissing(cause, f"apply the schema with `{MIGRATE}`")


def require_schema(conn: psycopg.Connection) -> None:
    """Refuse, before anything is written, a database that lacks what the engine uses (also one
    holding the runbook profile's tables, whose columns are named differently)."""
    gaps = schema_gaps(conn)
    if gaps:
        raise missing_schema_error(gaps)


@contextmanager
def schema_required() -> Iterator[None]:
    """A table dropped or altered after the check above still ends as SchemaMissing."""
    with runbook_schema_required(MIGRATE):
        try:
            yield
        except (pg_errors.UndefinedColumn, pg_errors.UndefinedObject) as error:
            raise SchemaMissing(
                f"the athlete-ally schema is incomplete: {error.diag.message_primary or error}",
                f"apply the schema with `{MIGRATE}`",
            ) from None


def has_import_ledger(conn: psycopg.Connection) -> bool:
    row = conn.execute(SQL("schema", "ledger_exists")).fetchone()
    return bool(row and row[0])


async def has_import_ledger_async(conn: AsyncConnection) -> bool:
    row = await (await conn.execute(SQL("schema", "ledger_exists"))).fetchone()
    return bool(row and row[0])


async def schema_problem(conn: AsyncConnection) -> str | None:
    """Why /health answers 503: a table, column or type the engine uses is missing."""
    gaps = await schema_gaps_async(conn)
    if not gaps:
        return None
    return f"athlete-ally schema incomplete: missing {', '.join(gaps)}; create it (`{MIGRATE}`)"
