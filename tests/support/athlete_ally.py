"""Databases of the athlete-ally schema profile for the engine's tests, and what they hold."""

from typing import Any

import psycopg

from engine_sandbox.embedded_postgres import EmbeddedPostgres
from planning_engine.migrate import migrate
from planning_engine.profiles import backend_for
from planning_engine.schema_profile import ATHLETE_ALLY

PROFILE = "athlete-ally"
CURATION_TABLES = ("movement_library", "movement_staging", "movement_audit_log")
CUID = r"^c[0-9a-z]{24}$"


def spec_ddl() -> str:
    """The five tables and two enums of the spec, as another tool (Prisma) would create them:
    no ledger, no movement_import_runs."""
    return (backend_for(ATHLETE_ALLY).migrations / "0001_athlete_ally_schema.sql").read_text()


def migrated_database(postgres: EmbeddedPostgres, prefix: str = "aa") -> str:
    dsn = postgres.create_database(prefix, migrated=False)
    with psycopg.connect(dsn) as conn:
        migrate(conn, PROFILE)
    return dsn


def spec_only_database(postgres: EmbeddedPostgres, prefix: str = "aaspec") -> str:
    dsn = postgres.create_database(prefix, migrated=False)
    with psycopg.connect(dsn) as conn:
        conn.execute(spec_ddl().encode())
    return dsn


def seeded(dsn: str, actor: str = "seed") -> str:
    from planning_engine.seeding import seed_foundational

    with psycopg.connect(dsn) as conn:
        seed_foundational(conn, actor=actor, profile=PROFILE)
    return dsn


def curation_counts(conn: psycopg.Connection) -> dict[str, int]:
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in CURATION_TABLES}  # type: ignore[index]


def audit_breakdown(conn: psycopg.Connection) -> dict[tuple[str, str], int]:
    """Audit rows by (action, what they are about: "draft" or "library")."""
    rows = conn.execute(
        "SELECT action::text, CASE WHEN \"movementStagingId\" IS NOT NULL THEN 'draft'"
        " ELSE 'library' END, count(*) FROM movement_audit_log GROUP BY 1, 2"
    ).fetchall()
    return {(action, about): count for action, about, count in rows}


FIRST_SEED = {
    ("CREATED", "draft"): 8,
    ("CREATED", "library"): 8,
    ("REVIEW_SUBMITTED", "draft"): 8,
    ("APPROVED", "draft"): 8,
    ("PUBLISHED", "draft"): 8,
}


def last_writes(conn: psycopg.Connection) -> dict[str, Any]:
    """The latest write time of each curation table: unchanged when nothing was written."""
    return {
        t: conn.execute(
            f'SELECT max("{"createdAt" if t == "movement_audit_log" else "updatedAt"}") FROM {t}'
        ).fetchone()[0]  # type: ignore[index]
        for t in CURATION_TABLES
    }
