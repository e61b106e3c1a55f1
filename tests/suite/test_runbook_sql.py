"""The runbook's SQL runs unchanged against the engine's schema and gives the runbook's answers."""

import re
import uuid
from pathlib import Path

import psycopg
import pytest

from planning_engine.seeding import seed_foundational
from readiness.expectations import FOUNDATIONAL_MOVEMENTS
from readiness.schema_profiles import BASE_PROFILE, PROFILES_DIR, load_profile

RUNBOOK = Path(__file__).resolve().parents[2] / "docs" / "STAGING_DEPLOYMENT_READINESS.md"


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


PROFILE = load_profile(BASE_PROFILE)
QUERIES = sorted(path.stem for path in (PROFILES_DIR / BASE_PROFILE).glob("*.sql"))
QUOTED = [name for name in QUERIES if PROFILE.query(name).runbook_sql is not None]


def _sql(name: str) -> str:
    return PROFILE.query(name).sql


def test_the_runbook_profile_quotes_the_runbooks_queries() -> None:
    assert len(QUOTED) == 10, QUOTED


@pytest.mark.parametrize("name", QUOTED)
def test_each_query_is_quoted_from_the_runbook(name: str) -> None:
    assert _squash(PROFILE.query(name).sql) in _squash(RUNBOOK.read_text(encoding="utf-8"))


@pytest.fixture
def seeded(db: psycopg.Connection) -> psycopg.Connection:
    seed_foundational(db)
    return db


def test_phase2_counts_eight_movements(seeded: psycopg.Connection) -> None:
    assert seeded.execute(_sql("count_movements")).fetchone() == (8,)


def test_phase2_listing_is_ordered_by_name(seeded: psycopg.Connection) -> None:
    rows = seeded.execute(_sql("list_movements")).fetchall()
    assert [(r[1], r[2]) for r in rows] == sorted(FOUNDATIONAL_MOVEMENTS.items())
    assert {r[4] for r in rows} == {"published"}


def test_phase2_audit_log_is_not_empty(seeded: psycopg.Connection) -> None:
    assert seeded.execute(_sql("count_audit")).fetchone()[0] > 0  # type: ignore[index]


def test_phase4_status_counts(seeded: psycopg.Connection) -> None:
    assert seeded.execute(_sql("status_counts")).fetchall() == [("published", 8)]


def test_phase4_no_duplicates(seeded: psycopg.Connection) -> None:
    assert seeded.execute(_sql("duplicate_names")).fetchall() == []


def test_phase4_audit_actions(seeded: psycopg.Connection) -> None:
    assert dict(seeded.execute(_sql("audit_actions")).fetchall()) == {
        "imported": 8,
        "published": 8,
    }


def test_phase4_scoring_query_reads_plan_jobs(seeded: psycopg.Connection) -> None:
    seeded.execute(
        "INSERT INTO plan_jobs (user_id, status, request_data, result_data) VALUES "
        "('u', 'completed', '{}', '{\"scoring\": {\"version\": \"fixed-weight-v1\", \"total\": 0.5}}')"
    )
    (row,) = seeded.execute(_sql("recent_scoring")).fetchall()
    assert row[1:] == ("completed", True, "fixed-weight-v1", 0.5)


def test_rollback_check_and_truncate_run(seeded: psycopg.Connection) -> None:
    seeded.execute(
        "INSERT INTO plan_jobs (user_id, request_data, result_data) VALUES ('u', '{}', '{}')"
    )
    assert seeded.execute(_sql("rollback_scoring_check")).fetchall() == [(False,)]
    seeded.execute(_sql("truncate_movements"))
    assert seeded.execute(_sql("count_movements")).fetchone() == (0,)


# The parameters of the queries that take some.
PARAMS = {
    "table_exists": ("movement_library",),
    "stored_scoring": (str(uuid.uuid4()),),
    "insert_hand_made_movement": ("hand-made", "Hand Made"),
    "recent_scored_plans": (0.0, 100, [str(uuid.uuid4())]),
    "recent_scoring_payloads": (0.0,),
    "plan_cache_copy": (str(uuid.uuid4()),),
    "stored_plan_scoring": {"job_id": str(uuid.uuid4())},
    "queue_moved": {"seconds": 15},
    "plan_jobs_since": (0.0,),
}


@pytest.mark.parametrize("name", sorted(set(QUERIES) - set(QUOTED)))
def test_each_of_the_suites_own_queries_runs_on_the_schema(
    name: str, seeded: psycopg.Connection
) -> None:
    cursor = seeded.execute(PROFILE.query(name).sql, PARAMS.get(name))
    if cursor.description is None:  # a statement: the one row it writes
        assert cursor.rowcount == 1, name
    else:  # a query: every column named, none twice (the suite reads rows by column name)
        names = [column.name for column in cursor.description]
        assert all(names) and len(set(names)) == len(names), (name, names)


def test_a_full_grant_shows_every_permission(seeded: psycopg.Connection) -> None:
    rows = seeded.execute(_sql("permissions")).fetchall()
    assert len(rows) == 4 * 4 + 1 and all(granted for _, _, granted in rows)
