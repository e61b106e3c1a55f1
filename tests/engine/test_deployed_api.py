"""`serve --api-profile athlete-ally`: the deployed athlete-ally service's API, jobs, tokens, logs,
metrics and defects (DEPLOYED_API_ATHLETE_ALLY.md), over real HTTP, on the spec's own tables."""

import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import jwt
import psycopg
import pytest

from planning_engine.auth import mint_token
from planning_engine.contract import validate_scoring
from planning_engine.scoring import score_plan
from support.athlete_ally import PROFILE, seeded, spec_only_database
from support.known_secrets import JWT_SECRET

ENV = {"PLANNING_SCHEMA_PROFILE": PROFILE, "PLANNING_API_PROFILE": "athlete-ally"}
JOB_ID = re.compile(r"^plan-gen-\d{13}-[0-9a-z]{1,9}$")
RUNBOOK_BODY = {
    "weeklyGoalDays": 5,
    "availabilityDays": 6,
    "goals": ["power"],
    "experience": "advanced",
}


def token(user: str, **claims: Any) -> str:
    base = jwt.decode(
        mint_token(user, JWT_SECRET, athlete_ally=True), options={"verify_signature": False}
    )
    return jwt.encode({**base, **claims}, claims.pop("_secret", JWT_SECRET), algorithm="HS256")


def auth(user: str = "athlete-a") -> dict[str, str]:
    return {"Authorization": f"Bearer {token(user)}"}


@pytest.fixture
def spec_dsn(postgres) -> Iterator[str]:
    dsn = seeded(spec_only_database(postgres))
    yield dsn
    postgres.drop_database(dsn)


@pytest.fixture
def deployed(start_engine, spec_dsn: str) -> Callable[..., Any]:
    def start(**env: str) -> Any:
        return start_engine(spec_dsn, healthy=False, **ENV, **env)

    return start


def final(url: str, job_id: str, user: str = "athlete-a", within_s: float = 15) -> dict[str, Any]:
    """The job once completed or failed, polled through its 404 window."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        answer = httpx.get(f"{url}/status/{job_id}", headers=auth(user), timeout=5)
        if answer.status_code == 200 and answer.json()["status"] in ("completed", "failed"):
            return dict(answer.json())
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish within {within_s} s")


def generate(url: str, body: dict[str, Any] | None = None, user: str = "athlete-a") -> str:
    answer = httpx.post(
        f"{url}/generate", json={"userId": user, **(body or {})}, headers=auth(user), timeout=5
    )
    assert answer.status_code == 202, answer.text
    return str(answer.json()["jobId"])


def test_a_job_is_404_until_picked_up_then_completes_as_the_service_stores_it(
    deployed, spec_dsn: str
) -> None:
    engine = deployed(PLANNING_PICKUP_DELAY_S="0.5")
    accepted = httpx.post(
        f"{engine.url}/generate", json={"userId": "athlete-a", **RUNBOOK_BODY}, headers=auth()
    )
    assert accepted.status_code == 202
    body = accepted.json()
    assert JOB_ID.match(body["jobId"]) and body["status"] == "queued" and "scoring" not in body
    early = httpx.get(f"{engine.url}/status/{body['jobId']}", headers=auth())
    assert (early.status_code, early.json()["status"]) == (404, "not_found")

    job = final(engine.url, body["jobId"])
    assert (job["status"], job["progress"], job["completedAt"], job["errorData"]) == (
        "completed",
        100,
        None,
        None,
    )
    assert (
        set(job["resultData"]) == {"scoring"}
        and validate_scoring(job["resultData"]["scoring"]).valid
    )
    assert job["createdAt"].endswith("Z") and "updatedAt" not in job and "requestData" not in job
    with psycopg.connect(spec_dsn) as conn:
        request, updated = conn.execute(
            'SELECT "requestData", "updatedAt" FROM plan_jobs WHERE "jobId" = %s', (body["jobId"],)
        ).fetchone()
        plans = conn.execute(
            'SELECT content, description FROM plans WHERE "userId" = %s', ("athlete-a",)
        ).fetchall()
    assert updated is not None
    assert {
        k: request[k]
        for k in ("eventId", "weeklyGoalDays", "availabilityDays", "proficiency", "purpose")
    } == {
        "eventId": body["jobId"],
        "weeklyGoalDays": 5,
        "availabilityDays": 6,
        "proficiency": "advanced",
        "purpose": "power",
    }
    [(content, description)] = plans
    assert (
        body["jobId"] not in description
        and "durationWeeks" not in content
        and content["duration"] == 12
    )
    assert content["scoring"] == job["resultData"]["scoring"]
    recomputed = score_plan(content, request)
    assert recomputed["total"] == job["resultData"]["scoring"]["total"]


def test_tokens_are_checked_as_the_service_checks_them(deployed) -> None:
    engine = deployed()
    refused = {
        "no header": {},
        "another secret": {
            "Authorization": f"Bearer {token('a', _secret='another-secret-of-32-characters-x')}"
        },
        "another audience": {"Authorization": f"Bearer {token('a', aud='someone-else')}"},
        "another issuer": {"Authorization": f"Bearer {token('a', iss='someone-else')}"},
        "expired": {"Authorization": f"Bearer {token('a', exp=int(time.time()) - 10)}"},
        "no userId": {"Authorization": f"Bearer {mint_token('a', JWT_SECRET)}"},
        "unknown role": {"Authorization": f"Bearer {token('a', role='root')}"},
    }
    for case, headers in refused.items():
        answer = httpx.post(f"{engine.url}/generate", json={"userId": "a"}, headers=headers)
        assert (answer.status_code, answer.json()) == (
            401,
            {"error": "unauthorized", "message": "Authentication required"},
        ), case
    assert httpx.get(f"{engine.url}/no/such/route").status_code == 401
    missing = httpx.post(f"{engine.url}/api/plans/generate", json={}, headers=auth())
    assert missing.json() == {
        "message": "Route POST:/api/plans/generate not found",
        "error": "Not Found",
        "statusCode": 404,
    }


def test_owner_comes_from_the_body_and_other_users_get_403(deployed) -> None:
    engine = deployed()
    job_id = generate(engine.url, user="athlete-b")  # owned by b, whoever's token made it
    job = final(engine.url, job_id, user="athlete-b")
    assert job["userId"] == "athlete-b"
    other = httpx.get(f"{engine.url}/status/{job_id}", headers=auth("athlete-c"))
    assert (other.status_code, other.json()["error"]) == (403, "forbidden")
    bad = httpx.post(
        f"{engine.url}/generate", json={"userId": "a", "targetMinutes": 5}, headers=auth()
    )
    assert (bad.status_code, bad.json()) == (400, {"error": "invalid_payload"})


def test_the_gateway_routes_take_the_tokens_user_and_rate_limit_it(deployed) -> None:
    engine = deployed(PLANNING_GATEWAY_RATE_LIMITS="true", PLANNING_GATEWAY_WINDOW_S="30")
    answers = [
        httpx.post(f"{engine.url}/api/v1/plans/generate", json={}, headers=auth())
        for _ in range(11)
    ]
    assert [a.status_code for a in answers] == [202] * 10 + [429]
    limited = answers[-1]
    assert limited.json()["error"] == "strict_rate_limit_exceeded"
    assert 1 <= int(limited.headers["Retry-After"]) <= 30
    assert answers[0].headers["X-RateLimit-Remaining"] == "9"
    status = httpx.get(
        f"{engine.url}/api/v1/plans/status",
        params={"jobId": answers[0].json()["jobId"]},
        headers=auth(),
    )
    assert status.status_code in (200, 404)
    assert httpx.get(f"{engine.url}/api/v1/plans/status", headers=auth()).json() == {
        "error": "jobId_required"
    }
    job = final(engine.url, answers[0].json()["jobId"])
    assert job["userId"] == "athlete-a"


def test_the_log_mixes_the_services_formats(deployed) -> None:
    engine = deployed()
    job_id = generate(engine.url)
    final(engine.url, job_id)
    text = engine.log_file.read_text()
    assert '"msg":"Feature flag override from environment"' in text
    assert "feature.v1_planning_scoring" not in text
    assert re.search(
        rf"\{{ jobId: '{job_id}', scoring: 0\.\d+ \}} Applied fixed-weight scoring to plan candidate",
        text,
    )
    assert f"Plan generation completed successfully for jobId: {job_id}" in text
    metrics = httpx.get(f"{engine.url}/metrics").text
    assert (
        'planning_engine_concurrency_operations_completed_total{operation="plan_generation",status="success"} 1.0'
        in metrics
    )
    assert "planning_movement_library_movements" not in metrics


def test_the_llm_stub_fails_every_job_with_no_error_data(deployed) -> None:
    engine = deployed(PLANNING_ENGINE_FAULTS="llm_stub")
    job_id = generate(engine.url)
    job = final(engine.url, job_id)
    assert (job["status"], job["progress"], job["errorData"], job["resultData"]) == (
        "failed",
        0,
        None,
        None,
    )
    assert (
        f"Error: LLM integration not implemented yet for jobId: {job_id}"
        in engine.log_file.read_text()
    )
    metrics = httpx.get(f"{engine.url}/metrics").text
    assert 'operation="plan_generation",status="error"} 4.0' in metrics


def test_a_plan_cache_hit_leaves_the_job_queued_and_copies_the_first_plan(
    deployed, spec_dsn: str
) -> None:
    engine = deployed(PLANNING_ENGINE_FAULTS="plan_cache")
    first = final(engine.url, generate(engine.url))
    second = generate(engine.url, user="athlete-b")
    deadline = time.monotonic() + 10
    with psycopg.connect(spec_dsn, autocommit=True) as conn:
        while (
            conn.execute(
                'SELECT count(*) FROM plans WHERE "userId" = %s', ("athlete-b",)
            ).fetchone()[0]
            == 0
        ):
            assert time.monotonic() < deadline, "no plan copy was written"
            time.sleep(0.05)
        copy = conn.execute(
            'SELECT content FROM plans WHERE "userId" = %s', ("athlete-b",)
        ).fetchone()[0]
        status = conn.execute(
            'SELECT status, progress FROM plan_jobs WHERE "jobId" = %s', (second,)
        ).fetchone()
    assert status == ("queued", 0)
    assert copy["scoring"] == first["resultData"]["scoring"]


def test_a_burst_beyond_three_stalls_in_the_in_memory_queue(deployed) -> None:
    engine = deployed(PLANNING_ENGINE_FAULTS="queue_stall")
    with ThreadPoolExecutor(8) as pool:  # a burst: the requests are picked up together
        jobs = list(pool.map(lambda _: generate(engine.url), range(8)))
    deadline = time.monotonic() + 10
    while True:
        queue = httpx.get(f"{engine.url}/queue/status", headers=auth()).json()["queue"]
        if queue["processingCount"] == 0 and queue["queueLength"] > 0:
            break
        assert time.monotonic() < deadline, queue
        time.sleep(0.05)
    statuses = [
        httpx.get(f"{engine.url}/status/{j}", headers=auth()).json()["status"] for j in jobs
    ]
    assert statuses.count("queued") == queue["queueLength"] > 0


def test_health_answers_503_for_a_closed_placeholder_connection(deployed) -> None:
    healthy = deployed()
    assert httpx.get(f"{healthy.url}/health").status_code == 200
    broken = deployed(PLANNING_ENGINE_FAULTS="health_503")
    answer = httpx.get(f"{broken.url}/health")
    assert answer.status_code == 503
    checks = answer.json()["checks"]
    assert (checks["database"]["status"], checks["nats"]["details"]["connection"]) == (
        "healthy",
        "closed",
    )
    final(broken.url, generate(broken.url))  # jobs flow all the same


def test_the_athlete_ally_api_refuses_the_runbook_schema(engine_cli, monkeypatch, dsn: str) -> None:
    monkeypatch.setenv("PLANNING_JWT_SECRET", JWT_SECRET)
    result = engine_cli("serve", "--dsn", dsn, "--api-profile", "athlete-ally")
    assert result.code != 0
    assert "add --schema-profile athlete-ally" in result.err
