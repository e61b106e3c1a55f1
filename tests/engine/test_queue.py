"""The Postgres job queue under failure: killed workers, exhausted retries, a database restart."""

import socket
import time

import httpx
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from support.engine_api import bearer, plan_request, wait_for_job


def _submit(url: str, count: int = 1, user: str = "test-user") -> list[str]:
    with httpx.Client(headers=bearer(user), timeout=10) as client:
        return [
            client.post(f"{url}/api/plans/generate", json=plan_request(user)).json()["jobId"]
            for _ in range(count)
        ]


def _await_status(dsn: str, job_id: str, status: str, within_s: float = 15.0) -> None:
    deadline = time.monotonic() + within_s
    with psycopg.connect(dsn, autocommit=True) as conn:
        while (
            conn.execute("SELECT status FROM plan_jobs WHERE job_id = %s", (job_id,)).fetchone()[0]
            != status
        ):  # type: ignore[index]
            assert time.monotonic() < deadline, f"job {job_id} never reached {status}"
            time.sleep(0.02)


def test_jobs_of_a_killed_worker_process_complete_exactly_once(
    start_engine, seeded_dsn: str
) -> None:
    """A `worker` process holding four jobs is SIGKILLed; another takes them over once their
    leases expire: each ends completed once, with one plan, within lease + 5 s of the kill."""
    lease_s = 2.0
    api = start_engine(seeded_dsn, workers=0)
    stuck = start_engine(
        seeded_dsn,
        command="worker",
        workers=4,
        PLANNING_ENGINE_FAULTS="hold_jobs",
        PLANNING_LEASE_SECONDS=str(lease_s),
    )
    job_ids = _submit(api.url, 4)
    for job_id in job_ids:
        _await_status(seeded_dsn, job_id, "processing")
    stuck.kill()
    killed_at = time.monotonic()
    start_engine(seeded_dsn, command="worker", workers=2, PLANNING_LEASE_SECONDS=str(lease_s))
    for job_id in job_ids:
        job = wait_for_job(api.url, job_id, bearer("test-user"), within_s=lease_s + 5)
        assert job["status"] == "completed"
        assert job["retryCount"] == 1
    assert time.monotonic() - killed_at <= lease_s + 5
    with psycopg.connect(seeded_dsn) as conn:
        plans = dict(conn.execute("SELECT job_id::text, count(*) FROM plans GROUP BY 1").fetchall())
    assert plans == dict.fromkeys(job_ids, 1)


def test_a_job_that_breaks_the_planner_fails_alone_and_the_workers_go_on(
    start_engine, seeded_dsn: str
) -> None:
    """Rows the API would refuse (written by hand, or by an older client) fail with the cause;
    every worker is still there for the jobs after them."""
    with psycopg.connect(seeded_dsn, autocommit=True) as conn:
        broken = [
            str(
                conn.execute(
                    "INSERT INTO plan_jobs (user_id, request_data) VALUES ('test-user', %s)"
                    " RETURNING job_id",
                    (request,),
                ).fetchone()[0]  # type: ignore[index]
            )
            for request in ("{}", '{"weeklyGoalDays": "four"}', "[]", '"text"')
        ]
    engine = start_engine(seeded_dsn, workers=2)
    for job_id in broken:
        job = wait_for_job(engine.url, job_id, bearer("test-user"))
        assert job["status"] == "failed"
        assert job["errorData"]["error"] == "internal error"
        assert job["errorData"]["message"]
    for job_id in _submit(engine.url, 6):
        assert wait_for_job(engine.url, job_id, bearer("test-user"))["status"] == "completed"
    assert "Plan generation failed" in engine.log_file.read_text()


def test_a_job_fails_with_error_data_once_retries_are_used_up(
    start_engine, seeded_dsn: str
) -> None:
    stuck = start_engine(
        seeded_dsn, PLANNING_ENGINE_FAULTS="hold_jobs", PLANNING_LEASE_SECONDS="0.3"
    )
    (job_id,) = _submit(stuck.url)
    job = wait_for_job(stuck.url, job_id, bearer("test-user"), within_s=15)
    assert job["status"] == "failed"
    assert job["retryCount"] == job["maxRetries"] == 3
    assert "stopped and 3 retries are used up" in job["errorData"]["message"]


def test_extra_worker_processes_share_the_queue(start_engine, seeded_dsn: str) -> None:
    api = start_engine(seeded_dsn, workers=0)
    workers = [
        start_engine(seeded_dsn, command="worker", workers=2),
        start_engine(seeded_dsn, command="worker", workers=2, PLANNING_JWT_SECRET=""),  # no API
    ]
    job_ids = _submit(api.url, 20)
    for job_id in job_ids:
        assert wait_for_job(api.url, job_id, bearer("test-user"))["status"] == "completed"
    assert [w.process.poll() for w in workers] == [None, None]  # type: ignore[union-attr]
    with psycopg.connect(seeded_dsn) as conn:
        owners = conn.execute("SELECT count(*), count(DISTINCT job_id) FROM plans").fetchone()
    assert owners == (20, 20)


def _completed(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT count(*) FROM plan_jobs WHERE status = 'completed'").fetchone()[
            0
        ]  # type: ignore[index]


def test_engine_rides_out_a_postgres_restart(start_engine, postgres, seeded_dsn: str) -> None:
    """200 jobs queued, the workers part-way through them, then Postgres stops and starts."""
    if postgres._server is None:
        pytest.skip("PLANNING_TEST_DATABASE_URL server: restarting it is not ours to do")
    api = start_engine(seeded_dsn, workers=0)
    job_ids = _submit(api.url, 200)
    engine = start_engine(seeded_dsn, workers=1)  # one worker: the 200 take a while
    deadline = time.monotonic() + 15
    while (done := _completed(seeded_dsn)) == 0:
        assert time.monotonic() < deadline, "the worker never completed a job"
        time.sleep(0.002)
    postgres.pause()
    try:
        assert done < 200, "every job had completed before Postgres stopped: nothing in flight"
        assert httpx.get(f"{engine.url}/health", timeout=10).status_code == 503
    finally:
        postgres.resume()
    deadline = time.monotonic() + 15
    while httpx.get(f"{engine.url}/health", timeout=10).status_code != 200:
        assert time.monotonic() < deadline, "engine never reported healthy after the restart"
        time.sleep(0.05)
    job_ids += _submit(engine.url, 10)
    for job_id in job_ids:  # well within the 30 s lease: no job waits for the lease reaper
        assert (
            wait_for_job(engine.url, job_id, bearer("test-user"), within_s=10)["status"]
            == "completed"
        )
    with psycopg.connect(seeded_dsn) as conn:
        assert conn.execute("SELECT count(*), count(DISTINCT job_id) FROM plans").fetchone() == (
            210,
            210,
        )


def test_a_worker_process_serves_its_own_scoring_counters(start_engine, seeded_dsn: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    api = start_engine(seeded_dsn, workers=0)
    start_engine(seeded_dsn, command="worker", workers=2, PLANNING_METRICS_PORT=str(port))
    for job_id in _submit(api.url, 5):
        assert wait_for_job(api.url, job_id, bearer("test-user"))["status"] == "completed"
    samples = {
        sample.name: sample.value
        for family in text_string_to_metric_families(
            httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        )
        for sample in family.samples
    }
    assert samples["planning_plans_scored_total"] == 5
    assert samples["planning_scoring_errors_total"] == 0
    assert "planning_jobs" not in samples  # database gauges are the API's to report
