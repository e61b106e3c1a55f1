"""The runbook's SQL runs unchanged against the engine's schema and gives the runbook's answers."""

import re
import uuid
from pathlib import Path

import psycopg
import pytest

from planning_engine.seeding import seed_foundational
from readiness.expectations import FOUNDATIONAL_MOVEMENTS
from readiness.runbook import runbook_sql, suite_sql

RUNBOOK = Path(__file__).resolve().parents[2] / "docs" / "STAGING_DEPLOYMENT_READINESS.md"


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize(
    "name",
    [n for n in dir(runbook_sql) if n.isupper() and isinstance(getattr(runbook_sql, n), str)],
)
def test_each_query_is_quoted_from_the_runbook(name: str) -> None:
    assert _squash(getattr(runbook_sql, name)) in _squash(RUNBOOK.read_text(encoding="utf-8"))


@pytest.fixture
def seeded(db: psycopg.Connection) -> psycopg.Connection:
    seed_foundational(db)
    return db


def test_phase2_counts_eight_movements(seeded: psycopg.Connection) -> None:
    assert seeded.execute(runbook_sql.COUNT_MOVEMENTS).fetchone() == (8,)


def test_phase2_listing_is_ordered_by_name(seeded: psycopg.Connection) -> None:
    rows = seeded.execute(runbook_sql.LIST_MOVEMENTS).fetchall()
    assert [(r[1], r[2]) for r in rows] == sorted(FOUNDATIONAL_MOVEMENTS.items())
    assert {r[4] for r in rows} == {"published"}


def test_phase2_audit_log_is_not_empty(seeded: psycopg.Connection) -> None:
    assert seeded.execute(runbook_sql.COUNT_AUDIT).fetchone()[0] > 0  # type: ignore[index]


def test_phase4_status_counts(seeded: psycopg.Connection) -> None:
    assert seeded.execute(runbook_sql.STATUS_COUNTS).fetchall() == [("published", 8)]


def test_phase4_no_duplicates(seeded: psycopg.Connection) -> None:
    assert seeded.execute(runbook_sql.DUPLICATE_NAMES).fetchall() == []


def test_phase4_audit_actions(seeded: psycopg.Connection) -> None:
    assert dict(seeded.execute(runbook_sql.AUDIT_ACTIONS).fetchall()) == {
        "imported": 8,
        "published": 8,
    }


def test_phase4_scoring_query_reads_plan_jobs(seeded: psycopg.Connection) -> None:
    seeded.execute(
        "INSERT INTO plan_jobs (user_id, status, request_data, result_data) VALUES "
        "('u', 'completed', '{}', '{\"scoring\": {\"version\": \"fixed-weight-v1\", \"total\": 0.5}}')"
    )
    (row,) = seeded.execute(runbook_sql.RECENT_SCORING).fetchall()
    assert row[1:] == ("completed", True, "fixed-weight-v1", 0.5)


def test_rollback_check_and_truncate_run(seeded: psycopg.Connection) -> None:
    seeded.execute(
        "INSERT INTO plan_jobs (user_id, request_data, result_data) VALUES ('u', '{}', '{}')"
    )
    assert seeded.execute(runbook_sql.ROLLBACK_SCORING_CHECK).fetchall() == [(False,)]
    seeded.execute(runbook_sql.TRUNCATE_MOVEMENTS)
    assert seeded.execute(runbook_sql.COUNT_MOVEMENTS).fetchone() == (0,)


@pytest.mark.parametrize(
    "name", [n for n in dir(suite_sql) if n.isupper() and isinstance(getattr(suite_sql, n), str)]
)
def test_each_of_the_suites_own_queries_runs_on_the_schema(
    name: str, seeded: psycopg.Connection
) -> None:
    sql = getattr(suite_sql, name)
    params = {
        "TABLE_EXISTS": ("movement_library",),
        "STORED_SCORING": (str(uuid.uuid4()),),
        "INSERT_HAND_MADE_MOVEMENT": ("hand-made", "Hand Made"),
        "RECENT_SCORED_PLANS": (100, str(uuid.uuid4())),
    }
    cursor = seeded.execute(sql, params.get(name))
    assert cursor.description is not None or cursor.rowcount == 1


def test_a_full_grant_shows_every_permission(seeded: psycopg.Connection) -> None:
    rows = seeded.execute(suite_sql.PERMISSIONS).fetchall()
    assert len(rows) == 4 * 4 + 1 and all(granted for _, _, granted in rows)
