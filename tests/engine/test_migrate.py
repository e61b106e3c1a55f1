"""`migrate`: versioned, recorded, idempotent, and the schema SYSTEM.md describes."""

import psycopg
import pytest

from planning_engine.migrate import available_migrations
from readiness.schema_profiles import load_profile

RUNBOOK_TABLES = {
    "movement_library",
    "movement_staging",
    "movement_audit_log",
    "plan_jobs",
    "plans",
}


def test_first_run_applies_every_migration_and_records_it(engine_cli, bare_dsn: str) -> None:
    result = engine_cli("migrate", "--dsn", bare_dsn)
    assert result.code == 0
    assert "applied migrations: 0001_movement_library" in result.out
    with psycopg.connect(bare_dsn) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")]
        tables = {
            r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname='public'")
        }
    assert versions == [m.version for m in available_migrations()]
    assert tables >= RUNBOOK_TABLES


def test_second_run_changes_nothing_and_says_so(engine_cli, bare_dsn: str) -> None:
    engine_cli("migrate", "--dsn", bare_dsn)
    again = engine_cli("migrate", "--dsn", bare_dsn)
    assert again.code == 0
    assert "no changes" in again.out


def _constraint_names(conn: psycopg.Connection, table: str) -> set[str]:
    rows = conn.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass", (table,)
    ).fetchall()
    return {r[0] for r in rows}


def test_movement_name_is_unique(db: psycopg.Connection) -> None:
    assert "movement_library_name_key" in _constraint_names(db, "movement_library")


@pytest.mark.parametrize(
    ("table", "column", "bad_value"),
    [
        ("movement_library", "status", "live"),
        ("movement_library", "recommended_rpe", 11),
        ("movement_library", "recommended_rpe", 0),
        ("movement_audit_log", "action", "deleted"),
    ],
)
def test_checks_refuse_values_outside_the_design(
    db: psycopg.Connection, table: str, column: str, bad_value: object
) -> None:
    rows = {
        "movement_library": "INSERT INTO movement_library (movement_id, name, category, recommended_rpe, "
        "content_hash, status) VALUES ('x', 'X', 'strength', %(rpe)s, 'h', %(status)s)",
        "movement_audit_log": "INSERT INTO movement_audit_log (movement_id, action, actor) "
        "VALUES ('x', %(action)s, 'test')",
    }
    values = {
        "rpe": 5,
        "status": "draft",
        "action": "imported",
        column.replace("recommended_", ""): bad_value,
    }
    with pytest.raises(psycopg.errors.CheckViolation):
        db.execute(rows[table], values)


def test_plan_jobs_has_the_columns_the_queue_and_runbook_need(db: psycopg.Connection) -> None:
    columns = {
        r[0]
        for r in db.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'plan_jobs'"
        )
    }
    required = set(load_profile("runbook").required_columns["plan_jobs"])
    assert columns >= required | {"lease_owner", "lease_expires_at"}


def test_runbook_queries_on_plan_jobs_use_the_status_index(db: psycopg.Connection) -> None:
    indexes = {
        r[0] for r in db.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'plan_jobs'")
    }
    assert {"plan_jobs_status_created_idx", "plan_jobs_created_idx"} <= indexes


def test_movement_tables_keep_only_the_indexes_a_query_reads(db: psycopg.Connection) -> None:
    """Each index costs an entry per imported row: 0004 dropped the ones nothing reads."""
    indexes = {
        r[0]: r[1]
        for r in db.execute(
            "SELECT indexname, tablename FROM pg_indexes WHERE tablename IN"
            " ('movement_library', 'movement_staging', 'movement_audit_log')"
        )
    }
    assert sorted(indexes) == [
        "movement_audit_log_event_id_key",
        "movement_audit_log_movement_idx",
        "movement_audit_log_pkey",
        "movement_library_name_key",
        "movement_library_pkey",
        "movement_staging_batch_id_record_index_key",
        "movement_staging_pkey",
    ]
