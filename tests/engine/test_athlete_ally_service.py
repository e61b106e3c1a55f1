"""`serve` and `worker` in the athlete-ally profile, over real HTTP, on tables created by the spec's
DDL alone (no `migrate`: no ledger, no movement_import_runs, no trigger)."""

import asyncio
import json
import re
import uuid
from collections.abc import Iterator
from datetime import datetime

import httpx
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from planning_engine.contract import validate_scoring
from planning_engine.profiles.athlete_ally import jobs as store
from support.athlete_ally import CUID, PROFILE, seeded, spec_only_database
from support.engine_api import bearer, plan_request, wait_for_job

ENV = {"PLANNING_SCHEMA_PROFILE": PROFILE}


@pytest.fixture
def spec_dsn(postgres) -> Iterator[str]:
    """The foundational library seeded into tables made by the spec's DDL, as on Prisma's."""
    dsn = seeded(spec_only_database(postgres))
    yield dsn
    postgres.drop_database(dsn)


@pytest.fixture
def engine(start_engine, spec_dsn: str):
    return start_engine(spec_dsn, **ENV)


def _generate(url: str, user: str = "test-user", **headers: str) -> httpx.Response:
    return httpx.post(
        f"{url}/api/plans/generate",
        json=plan_request(user),
        headers={**bearer(user), **headers},
        timeout=10,
    )


def _gauges(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    families = text_string_to_metric_families(httpx.get(f"{url}/metrics", timeout=5).text)
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in families
        for sample in family.samples
    }


def test_a_plan_is_generated_pending_first_then_completed_with_its_plan_linked(
    start_engine, spec_dsn: str
) -> None:
    api = start_engine(spec_dsn, workers=0, **ENV)
    accepted = _generate(api.url)
    assert accepted.status_code == 202 and accepted.json()["status"] == "pending"
    job_id = accepted.json()["jobId"]
    assert uuid.UUID(job_id)
    waiting = httpx.get(f"{api.url}/api/plans/jobs/{job_id}", headers=bearer("test-user")).json()
    assert waiting["status"] == "pending" and waiting["startedAt"] is None
    assert datetime.fromisoformat(waiting["createdAt"]).tzinfo is not None
    assert _gauges(api.url)[("planning_jobs", (("status", "queued"),))] == 1.0

    start_engine(spec_dsn, command="worker", workers=1, **ENV)  # woken by the API's NOTIFY
    job = wait_for_job(api.url, job_id, bearer("test-user"))
    assert job["status"] == "completed" and job["progress"] == 100 and job["retryCount"] == 0
    assert validate_scoring(job["resultData"]["scoring"]).valid
    with psycopg.connect(spec_dsn) as conn:
        row_id, result, scoring, plan_id = conn.execute(
            'SELECT id, "resultData", "resultData"->\'scoring\', "resultData"->>\'planId\''
            ' FROM plan_jobs WHERE "jobId" = %s',
            (job_id,),
        ).fetchone()
        plan = conn.execute(
            'SELECT id, "userId", version, status, content, "updatedAt" FROM plans WHERE id = %s',
            (plan_id,),
        ).fetchone()
        triggers = conn.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'plan_jobs'::regclass"
            " AND NOT tgisinternal"
        ).fetchone()
        engine_tables = conn.execute(
            "SELECT to_regclass('schema_migrations'), to_regclass('movement_import_runs')"
        ).fetchone()
    assert re.match(CUID, row_id) and re.match(CUID, plan_id)
    assert scoring == job["resultData"]["scoring"] and result["planId"] == plan_id
    assert plan[:4] == (plan_id, "test-user", 1, "generated") and plan[5] is not None
    assert plan[4]["scoring"] == scoring
    assert triggers == (0,) and engine_tables == (None, None)


def test_the_missing_import_ledger_is_said_once_and_counted_as_zero(engine) -> None:
    notes = [
        json.loads(line)
        for line in engine.log_file.read_text().splitlines()
        if "movement_import_runs" in line
    ]
    assert len(notes) == 1 and notes[0]["message"] == "Schema note"
    gauges = _gauges(engine.url)
    assert gauges[("planning_movement_import_failures", ())] == 0.0
    assert gauges[("planning_movement_library_movements", (("status", "published"),))] == 8.0


def test_an_idempotency_key_maps_to_one_job(engine) -> None:
    first = _generate(engine.url, **{"Idempotency-Key": "abc-123"})
    again = _generate(engine.url, **{"Idempotency-Key": "abc-123"})
    assert first.status_code == again.status_code == 202
    assert (
        first.json()["jobId"] == again.json()["jobId"] == store.job_id_for("test-user", "abc-123")
    )
    other_user = _generate(engine.url, "other-user", **{"Idempotency-Key": "abc-123"})
    assert other_user.json()["jobId"] != first.json()["jobId"]
    conflicting = httpx.post(
        f"{engine.url}/api/plans/generate",
        json=plan_request(weeklyGoalDays=2),
        headers={**bearer("test-user"), "Idempotency-Key": "abc-123"},
    )
    assert conflicting.status_code == 409


_STALE_JOB = """
INSERT INTO plan_jobs (id, "jobId", "userId", status, progress, "requestData", "retryCount",
                       "maxRetries", "startedAt", "createdAt", "updatedAt")
VALUES (%s, %s, 'test-user', 'processing', 10, %s, %s, %s,
        (now() AT TIME ZONE 'UTC') - interval '1 hour', (now() AT TIME ZONE 'UTC') - interval '1 hour',
        (now() AT TIME ZONE 'UTC') - interval '1 hour')
"""


def test_a_processing_job_untouched_for_a_lease_is_taken_over(start_engine, spec_dsn: str) -> None:
    """Rows a dead worker left `processing`: retried (retryCount + 1) while retries remain,
    failed with errorData once they are used up."""
    retried, exhausted = str(uuid.uuid4()), str(uuid.uuid4())
    with psycopg.connect(spec_dsn) as conn:
        for job_id, retries in ((retried, 0), (exhausted, 1)):
            conn.execute(
                _STALE_JOB,
                ("c" + "0" * 23 + str(retries), job_id, json.dumps(plan_request()), retries, 1),
            )
    engine = start_engine(spec_dsn, PLANNING_LEASE_SECONDS="1", **ENV)
    done = wait_for_job(engine.url, retried, bearer("test-user"), within_s=10)
    assert (done["status"], done["retryCount"]) == ("completed", 1)
    failed = wait_for_job(engine.url, exhausted, bearer("test-user"), within_s=10)
    assert failed["status"] == "failed" and failed["errorData"]["error"] == "worker lost"
    assert "stopped and 1 retries are used up" in failed["errorData"]["message"]


def test_a_worker_that_lost_its_job_can_neither_complete_nor_touch_it(spec_dsn: str) -> None:
    """The job's "updatedAt" is the lease: once another worker holds the job, the first
    worker's guarded updates match nothing, and no plan of its is stored."""

    async def scenario() -> None:
        async with await psycopg.AsyncConnection.connect(spec_dsn, autocommit=True) as conn:
            await store.enqueue(conn, "test-user", plan_request(), None)
            first = await store.claim(conn, "worker-1", 30)
            assert first is not None
            assert await store.set_progress(conn, first, "worker-1", 40) is not None
            await conn.execute(
                'UPDATE plan_jobs SET "updatedAt" = "updatedAt" - interval \'1 hour\''
            )
            assert [status for _, status in await store.reap_expired(conn, 30)] == ["pending"]
            second = await store.claim(conn, "worker-2", 30)
            assert second is not None and second.job_id == first.job_id
            assert await store.set_progress(conn, first, "worker-1", 60) is None
            assert not await store.complete(conn, first, "worker-1", {}, store.new_plan_id(), {})
            assert await store.fail(conn, first, "worker-1", {"error": "late"}) is None
            plan_id = store.new_plan_id()
            assert await store.complete(
                conn, second, "worker-2", {"durationWeeks": 1}, plan_id, {"planId": plan_id}
            )
            plans = await (await conn.execute("SELECT id FROM plans")).fetchall()
            assert plans == [(plan_id,)]

    asyncio.run(scenario())


def test_faults_behave_as_in_the_runbook_profile(start_engine, spec_dsn: str) -> None:
    """scoring_not_persisted: the API answers with the plan's scoring the job row lacks."""
    engine = start_engine(spec_dsn, PLANNING_ENGINE_FAULTS="scoring_not_persisted", **ENV)
    job = wait_for_job(engine.url, _generate(engine.url).json()["jobId"], bearer("test-user"))
    assert job["status"] == "completed" and "scoring" in job["resultData"]
    with psycopg.connect(spec_dsn) as conn:
        stored = conn.execute(
            'SELECT "resultData" FROM plan_jobs WHERE "jobId" = %s', (job["jobId"],)
        ).fetchone()[0]  # type: ignore[index]
    assert "scoring" not in stored and stored["planId"] == job["resultData"]["planId"]


def test_health_checks_the_tables_and_names_what_is_missing(start_engine, spec_dsn: str) -> None:
    engine = start_engine(spec_dsn, **ENV)
    healthy = httpx.get(f"{engine.url}/health").json()
    assert healthy["status"] == "ok" and healthy["schemaProfile"] == PROFILE
    with psycopg.connect(spec_dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE plans")
        unhealthy = httpx.get(f"{engine.url}/health")
        assert unhealthy.status_code == 503
        assert "missing table plans" in unhealthy.json()["message"]
        conn.execute('ALTER TABLE plan_jobs DROP COLUMN "errorData"')
        message = httpx.get(f"{engine.url}/health").json()["message"]
    assert 'missing column plan_jobs."errorData", table plans;' in message
    assert "planning-engine migrate --schema-profile athlete-ally" in message


def test_a_runbook_database_is_unhealthy_for_an_athlete_ally_engine(start_engine, dsn: str) -> None:
    engine = start_engine(dsn, healthy=False, **ENV)
    health = httpx.get(f"{engine.url}/health")
    assert health.status_code == 503
    assert 'column movement_library."slug"' in health.json()["message"]
