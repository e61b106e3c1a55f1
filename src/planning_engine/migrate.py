"""Versioned schema migrations, applied in order and recorded in `schema_migrations`.

Each file under `migrations/` runs once. The pending ones run in one transaction, under an
advisory lock: a failing migration leaves the schema as it was, and two engines starting
together cannot apply the same migration twice.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import psycopg

from planning_engine.logs import get_logger, log_event

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
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


def available_migrations() -> list[Migration]:
    migrations = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        version, _, name = path.stem.partition("_")
        migrations.append(Migration(version, name, path.read_text(encoding="utf-8")))
    return migrations


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


def pending_migrations(conn: psycopg.Connection) -> list[Migration]:
    done = applied_versions(conn)
    return [m for m in available_migrations() if m.version not in done]


def migrate(conn: psycopg.Connection) -> list[Migration]:
    """Apply what is pending and return it; an up-to-date database gets an empty list."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        conn.execute(_CREATE_LEDGER)
        pending = pending_migrations(conn)
        for migration in pending:
            conn.execute(migration.sql.encode())
            conn.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                (migration.version, migration.name, migration.checksum),
            )
            log_event(log, "Applied migration", version=migration.version, name=migration.name)
    return pending
