"""The API faults a rehearsal asks for (PLANNING_ENGINE_FAULTS) change what healthy routes answer,
over real HTTP: the routes themselves know nothing of faults (planning_engine.api.faulty_deployment)."""

import httpx
import psycopg

from support.engine_api import bearer, plan_request, wait_for_job


def _job_of(engine, user: str = "owner") -> str:
    accepted = httpx.post(
        f"{engine.url}/api/plans/generate", json=plan_request(user), headers=bearer(user)
    )
    assert accepted.status_code == 202, accepted.text
    return accepted.json()["jobId"]


def _read(engine, job_id: str, user: str) -> httpx.Response:
    return httpx.get(f"{engine.url}/api/plans/jobs/{job_id}", headers=bearer(user))


def test_a_healthy_api_refuses_another_users_job(start_engine, seeded_dsn: str) -> None:
    engine = start_engine(seeded_dsn)
    assert _read(engine, _job_of(engine), "intruder").status_code == 403


def test_another_users_job_answered_404_as_if_it_did_not_exist(
    start_engine, seeded_dsn: str
) -> None:
    engine = start_engine(seeded_dsn, PLANNING_ENGINE_FAULTS="others_jobs_not_found")
    job_id = _job_of(engine)
    answer = _read(engine, job_id, "intruder")
    assert (answer.status_code, answer.json()["error"]) == (404, "not_found")
    assert _read(engine, job_id, "owner").status_code == 200  # its owner still reads it


def test_without_the_ownership_check_anyone_reads_a_job(start_engine, seeded_dsn: str) -> None:
    engine = start_engine(seeded_dsn, PLANNING_ENGINE_FAULTS="no_ownership_check")
    job_id = _job_of(engine)
    answer = _read(engine, job_id, "intruder")
    assert answer.status_code == 200 and answer.json()["userId"] == "owner"


def test_an_ignored_idempotency_key_makes_two_jobs(start_engine, seeded_dsn: str) -> None:
    engine = start_engine(seeded_dsn, PLANNING_ENGINE_FAULTS="no_idempotency")
    headers = {**bearer("owner"), "Idempotency-Key": "retry-1"}
    first, second = (
        httpx.post(f"{engine.url}/api/plans/generate", json=plan_request("owner"), headers=headers)
        for _ in range(2)
    )
    assert first.json()["jobId"] != second.json()["jobId"]


def test_a_response_that_differs_from_the_stored_scoring(start_engine, seeded_dsn: str) -> None:
    engine = start_engine(seeded_dsn, PLANNING_ENGINE_FAULTS="scoring_response_differs")
    job = wait_for_job(engine.url, _job_of(engine), bearer("owner"))
    with psycopg.connect(seeded_dsn) as conn:
        (stored,) = conn.execute(
            "SELECT result_data FROM plan_jobs WHERE job_id = %s", (job["jobId"],)
        ).fetchone()
    answered, kept = job["resultData"]["scoring"]["total"], stored["scoring"]["total"]
    assert answered == round(max(0.0, kept - 0.05), 4) != kept
    assert job["resultData"]["planId"] == str(stored["planId"])  # the rest as stored
