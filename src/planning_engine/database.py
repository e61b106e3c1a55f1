"""Opening Postgres connections, with failures translated into causes and fixes."""

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import errors as pg_errors

from planning_engine.dsn import describe_target, mask_dsn
from planning_engine.errors import DatabaseUnavailable, SchemaMissing

CONNECT_TIMEOUT_S = 5
STATEMENT_TIMEOUT_MS = 30_000


def explain_connection_failure(dsn: str, error: Exception) -> DatabaseUnavailable:
    """Map libpq's wording onto what the runbook's Troubleshooting section tells people to do."""
    detail = mask_dsn(str(error).strip().splitlines()[0] if str(error).strip() else repr(error))
    where = describe_target(dsn)
    lowered = detail.lower()
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return DatabaseUnavailable(
            f"Postgres at {where} rejected the credentials ({detail})",
            "check the user and password in PLANNING_DATABASE_URL / --dsn",
        )
    if "does not exist" in lowered and "database" in lowered:
        return DatabaseUnavailable(
            f"database missing at {where} ({detail})",
            "create it (createdb) or fix the database name in the DSN",
        )
    if "timeout" in lowered or "timed out" in lowered:
        return DatabaseUnavailable(
            f"Postgres at {where} did not answer within {CONNECT_TIMEOUT_S}s",
            "check the host, port and firewall; verify with psql \"$PLANNING_DATABASE_URL\" -c 'SELECT 1'",
        )
    return DatabaseUnavailable(
        f"cannot reach Postgres at {where} ({detail})",
        "verify the DSN format and that the server is running: "
        "psql \"$PLANNING_DATABASE_URL\" -c 'SELECT 1'",
    )


def connect(dsn: str, *, autocommit: bool = False) -> psycopg.Connection:
    """A connection with a connect timeout and a statement timeout, so nothing hangs forever."""
    try:
        return psycopg.connect(
            dsn,
            autocommit=autocommit,
            connect_timeout=CONNECT_TIMEOUT_S,
            options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
            application_name="planning-engine",
        )
    except (psycopg.OperationalError, psycopg.ProgrammingError) as error:
        raise explain_connection_failure(dsn, error) from None


@contextmanager
def schema_required(migrate_command: str = "planning-engine migrate") -> Iterator[None]:
    """Turn 'relation does not exist' into the runbook's fix: apply the schema (with the
    command of the caller's schema profile)."""
    try:
        yield
    except pg_errors.UndefinedTable as error:
        table = (error.diag.message_primary or str(error)).split('"')
        name = table[1] if len(table) > 1 else "a required table"
        raise SchemaMissing(
            f"table {name} is missing",
            f"apply the schema with `{migrate_command}`",
        ) from None
