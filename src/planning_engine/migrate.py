"""Versioned schema migrations, applied in order and recorded in `schema_migrations`.

Each file under a profile's `migrations/` runs once. The pending ones run in one transaction, under an
advisory lock: a failing migration leaves the schema as it was, and two engines starting
together cannot apply the same migration twice.

Each schema profile has its own folder (`profiles/runbook/migrations/`,
`profiles/athlete_ally/migrations/`); the ledger records athlete-ally's versions with an
`athlete-ally:` prefix so that one ledger can tell which profile a database holds (and refuse
to put the other on top).
"""

import hashlib
from dataclasses import dataclass

import psycopg
from psycopg import errors as pg_errors

from planning_engine.errors import ConfigurationError, EngineError
from planning_engine.logs import get_logger, log_event
from planning_engine.profiles import backend_for
from planning_engine.schema_profile import RUNBOOK, migrate_command

_LOCK_KEY = 5_000_001  # any constant shared by every engine process
log = get_logger("migrate")

_CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     text PRIMARY KEY,
    name        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def available_migrations(profile: str = RUNBOOK) -> list[Migration]:
    backend = backend_for(profile)
    folder, prefix = backend.migrations, backend.ledger_prefix
    migrations = []
    for path in sorted(folder.glob("*.sql")):
        version, _, name = path.stem.partition("_")
        migrations.append(Migration(prefix + version, name, path.read_text(encoding="utf-8")))
    return migrations


def _profile_of(version: str) -> str:
    prefix, separator, _ = version.partition(":")
    return prefix if separator else RUNBOOK


_LEDGER_EXISTS = "SELECT to_regclass('schema_migrations') IS NOT NULL"
_APPLIED = "SELECT version FROM schema_migrations"


def applied_versions(conn: psycopg.Connection) -> set[str]:
    """Versions recorded in the ledger; empty when the ledger itself does not exist yet."""
    exists = conn.execute(_LEDGER_EXISTS).fetchone()
    if not exists or not exists[0]:
        return set()
    return {row[0] for row in conn.execute(_APPLIED)}


async def pending_versions(conn: psycopg.AsyncConnection) -> list[str]:
    """What /health reports: migrations the database still lacks, as `0001_name`."""
    exists = await (await conn.execute(_LEDGER_EXISTS)).fetchone()
    done = (
        {row[0] for row in await (await conn.execute(_APPLIED)).fetchall()}
        if exists and exists[0]
        else set()
    )
    return [f"{m.version}_{m.name}" for m in available_migrations() if m.version not in done]


def pending_migrations(conn: psycopg.Connection, profile: str = RUNBOOK) -> list[Migration]:
    done = applied_versions(conn)
    _refuse_other_profile(done, profile)
    return [m for m in available_migrations(profile) if m.version not in done]


def _refuse_other_profile(done: set[str], profile: str) -> None:
    """Both profiles name their tables alike: one database can hold only one of them."""
    others = sorted(v for v in done if _profile_of(v) != profile)
    if others:
        holder = _profile_of(others[0])
        raise ConfigurationError(
            f"this database holds the {holder} schema (schema_migrations lists "
            f"{', '.join(others)}), so the {profile} schema cannot be applied to it",
            f"give the {profile} profile a database of its own, or run "
            f"`{migrate_command(holder)}` to keep using the {holder} profile",
        )


def migrate(conn: psycopg.Connection, profile: str = RUNBOOK) -> list[Migration]:
    """Apply what is pending and return it; an up-to-date database gets an empty list."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        conn.execute(_CREATE_LEDGER)
        pending = pending_migrations(conn, profile)
        for migration in pending:
            _apply(conn, migration)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                (migration.version, migration.name, migration.checksum),
            )
            log_event(log, "Applied migration", version=migration.version, name=migration.name)
    return pending


def _apply(conn: psycopg.Connection, migration: Migration) -> None:
    """Tables that exist without a ledger entry were made by something else (an athlete-ally
    database created by Prisma): say so rather than quote Postgres's "already exists"."""
    try:
        conn.execute(migration.sql.encode())
    except (pg_errors.DuplicateTable, pg_errors.DuplicateObject) as error:
        raise EngineError(
            f"migration {migration.version}_{migration.name} cannot be applied: "
            f"{error.diag.message_primary or error}; nothing was changed",
            "the tables exist but schema_migrations does not list them, so something else "
            "created them: the engine runs on them as they are, without `migrate`",
        ) from None
