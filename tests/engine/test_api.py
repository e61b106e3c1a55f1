"""The engine's HTTP API over real HTTP, against a real `planning-engine serve` and Postgres."""

import json
import uuid

import httpx
import jwt
import psycopg
import pytest

from planning_engine.contract import validate_scoring
from support.engine_api import bearer, plan_request, wait_for_job
from support.known_secrets import JWT_SECRET


@pytest.fixture
def engine(start_engine, seeded_dsn: str):
    return start_engine(seeded_dsn)


def _generate(engine, user: str = "test-user", **changes: object) -> httpx.Response:
    return httpx.post(
        f"{engine.url}/api/plans/generate", json=plan_request(user, **changes), headers=bearer(user)
    )


def test_generated_plan_completes_with_scoring_persisted_everywhere(
    engine, seeded_dsn: str
) -> None:
    accepted = _generate(engine)
    assert accepted.status_code == 202
    assert accepted.json()["status"] == "queued"
    job = wait_for_job(engine.url, accepted.json()["jobId"], bearer("test-user"))
    assert job["status"] == "completed" and job["progress"] == 100
    assert job["startedAt"] and job["completedAt"]
    scoring = job["resultData"]["scoring"]
    assert scoring["version"] == "fixed-weight-v1" and 0 <= scoring["total"] <= 1
    assert validate_scoring(scoring).valid
    with psycopg.connect(seeded_dsn) as conn:
        stored_job, content = conn.execute(
            "SELECT j.result_data, p.content FROM plan_jobs j JOIN plans p USING (job_id) WHERE j.job_id = %s",
            (job["jobId"],),
        ).fetchone()
    assert stored_job["scoring"] == scoring == content["scoring"]
    assert str(stored_job["planId"]) == job["resultData"]["planId"]


def test_plan_follows_the_request(engine, seeded_dsn: str) -> None:
    job = wait_for_job(
        engine.url,
        _generate(engine, weeklyGoalDays=5, availabilityDays=3, durationWeeks=8).json()["jobId"],
        bearer("test-user"),
    )
    assert job["resultData"]["summary"] == {
        "durationWeeks": 8,
        "sessionsPerWeek": 3,
        "totalSessions": 24,
        "deloadWeeks": 2,
        "movementsUsed": 5,
    }
    with psycopg.connect(seeded_dsn) as conn:
        (content,) = conn.execute(
            "SELECT content FROM plans WHERE job_id = %s", (job["jobId"],)
        ).fetchone()
    assert [s["dayOfWeek"] for s in content["microcycles"][0]["sessions"]] == [1, 3, 5]
    assert content["microcycles"][3]["deload"] is True
    used = {
        e["movementId"]
        for w in content["microcycles"]
        for s in w["sessions"]
        for e in s["exercises"]
    }
    assert used == {"back-squat", "bench-press", "deadlift", "overhead-press", "pull-up"}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        bearer("test-user", secret="another-secret-that-is-long-enough-0000"),
    ],
    ids=["no-token", "garbage", "wrong-scheme", "wrong-signature"],
)
def test_requests_without_a_valid_token_get_401(engine, headers: dict[str, str]) -> None:
    response = httpx.post(f"{engine.url}/api/plans/generate", json=plan_request(), headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert (
        httpx.get(f"{engine.url}/api/plans/jobs/{uuid.uuid4()}", headers=headers).status_code == 401
    )


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "test-user", "exp": 1},
        {"exp": 4102444800},
        {"sub": "", "exp": 4102444800},
        {"sub": 12345, "exp": 4102444800},
        {"sub": "test-user"},
    ],
    ids=["expired", "missing-sub", "empty-sub", "subject-not-a-user-id", "no-expiry"],
)
def test_tokens_with_bad_claims_get_401(engine, claims: dict[str, object]) -> None:
    token = jwt.encode(claims, JWT_SECRET, algorithm="HS256")
    response = httpx.post(
        f"{engine.url}/api/plans/generate",
        json=plan_request(),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 401


def test_alg_none_tokens_get_401(engine) -> None:
    token = jwt.encode({"sub": "test-user", "exp": 4102444800}, key=None, algorithm="none")
    assert (
        httpx.get(
            f"{engine.url}/api/plans/jobs/{uuid.uuid4()}",
            headers={"Authorization": f"Bearer {token}"},
        ).status_code
        == 401
    )


def test_user_id_must_be_the_token_subject(engine) -> None:
    response = httpx.post(
        f"{engine.url}/api/plans/generate",
        json=plan_request("someone-else"),
        headers=bearer("test-user"),
    )
    assert response.status_code == 403


def test_another_users_job_is_403_and_reveals_nothing(engine) -> None:
    job_id = _generate(engine, "user-a").json()["jobId"]
    response = httpx.get(f"{engine.url}/api/plans/jobs/{job_id}", headers=bearer("user-b"))
    assert response.status_code == 403
    assert set(response.json()) == {"error", "message"}
    assert "user-a" not in response.text


@pytest.mark.parametrize(
    "job_id",
    ["0b9a4c6e-1f53-4a43-9a8e-2d1f5c7e9b10", "not-a-uuid"],
    ids=["unknown-uuid", "not-a-uuid"],
)
def test_unknown_job_is_404(engine, job_id: str) -> None:
    assert (
        httpx.get(f"{engine.url}/api/plans/jobs/{job_id}", headers=bearer("test-user")).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"weeklyGoalDays": 9}, "weeklyGoalDays"),
        ({"goals": []}, "goals"),
        ({"experience": "guru"}, "experience"),
        ({"availabilityDays": "four"}, "availabilityDays"),
        ({"goals": ["juggling"]}, "goals.0"),
        ({"weeklyGoalDays": True}, "weeklyGoalDays"),
        ({"selectedDaysPerWeek": 0}, "selectedDaysPerWeek"),
        ({"userId": "test\x00user"}, "userId"),
    ],
)
def test_invalid_bodies_list_their_field_errors(
    engine, change: dict[str, object], field: str
) -> None:
    response = httpx.post(
        f"{engine.url}/api/plans/generate", json=plan_request(**change), headers=bearer("test-user")
    )
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["fieldErrors"]]


def test_fields_the_engine_does_not_know_are_accepted_and_not_stored(
    engine, seeded_dsn: str
) -> None:
    response = _generate(engine, clientVersion="9.1", notes={"text": "nul \x00 inside"})
    assert response.status_code == 202
    job = wait_for_job(engine.url, response.json()["jobId"], bearer("test-user"))
    assert job["status"] == "completed"
    with psycopg.connect(seeded_dsn) as conn:
        (stored,) = conn.execute(
            "SELECT request_data FROM plan_jobs WHERE job_id = %s", (job["jobId"],)
        ).fetchone()  # type: ignore[misc]
    assert "clientVersion" not in stored and "notes" not in stored


def test_malformed_json_is_400(engine) -> None:
    response = httpx.post(
        f"{engine.url}/api/plans/generate",
        content=b'{"userId": ',
        headers={**bearer("test-user"), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "malformed_json"


def test_idempotency_key_returns_the_same_job(engine) -> None:
    headers = {**bearer("test-user"), "Idempotency-Key": "abc-123"}
    first = httpx.post(f"{engine.url}/api/plans/generate", json=plan_request(), headers=headers)
    again = httpx.post(f"{engine.url}/api/plans/generate", json=plan_request(), headers=headers)
    assert first.json()["jobId"] == again.json()["jobId"]
    other = httpx.post(
        f"{engine.url}/api/plans/generate", json=plan_request(weeklyGoalDays=2), headers=headers
    )
    assert other.status_code == 409


def test_health_metrics_and_openapi(engine) -> None:
    health = httpx.get(f"{engine.url}/health")
    assert health.status_code == 200 and health.json()["migrations"] == "applied"
    metrics = httpx.get(f"{engine.url}/metrics").text
    for name in (
        'planning_jobs{status="completed"}',
        "planning_plans_scored_total",
        "planning_scoring_errors_total",
        "planning_scoring_duration_seconds_bucket",
        'planning_movement_library_movements{status="published"} 8.0',
        "planning_movement_import_failures",
    ):
        assert name in metrics
    spec = httpx.get(f"{engine.url}/openapi.json").json()
    assert set(spec["paths"]) >= {
        "/api/plans/generate",
        "/api/plans/jobs/{job_id}",
        "/health",
        "/metrics",
    }
    assert {"401", "403", "422"} <= set(spec["paths"]["/api/plans/generate"]["post"]["responses"])
    job_responses = set(spec["paths"]["/api/plans/jobs/{job_id}"]["get"]["responses"])
    assert {"200", "401", "403", "404", "503"} <= job_responses
    assert "409" not in job_responses  # a read has no body to conflict
    # A read has no body to be malformed, but its Authorization header may come twice.
    assert (
        "sent twice"
        in spec["paths"]["/api/plans/jobs/{job_id}"]["get"]["responses"]["400"]["description"]
    )
    assert "413" in spec["paths"]["/api/plans/generate"]["post"]["responses"]


def test_without_migrations_every_endpoint_says_503_and_names_migrate(
    start_engine, bare_dsn: str
) -> None:
    engine = start_engine(bare_dsn, healthy=False)
    responses = [
        httpx.get(f"{engine.url}/health"),
        httpx.post(
            f"{engine.url}/api/plans/generate", json=plan_request(), headers=bearer("test-user")
        ),
        httpx.get(f"{engine.url}/api/plans/jobs/{uuid.uuid4()}", headers=bearer("test-user")),
    ]
    for response in responses:
        assert response.status_code == 503, response.text
        assert "planning-engine migrate" in response.json()["message"]


def test_empty_library_fails_the_job_with_the_cause(start_engine, dsn: str) -> None:
    engine = start_engine(dsn)
    job = wait_for_job(engine.url, _generate(engine).json()["jobId"], bearer("test-user"))
    assert job["status"] == "failed"
    assert job["errorData"]["message"] == "movement library is empty: seed it"


@pytest.mark.parametrize("value", ["false", "0", "maybe"])
def test_flag_off_or_invalid_leaves_scoring_out(start_engine, seeded_dsn: str, value: str) -> None:
    engine = start_engine(seeded_dsn, FEATURE_V1_PLANNING_SCORING=value)
    job = wait_for_job(engine.url, _generate(engine).json()["jobId"], bearer("test-user"))
    assert job["status"] == "completed"
    assert "scoring" not in job["resultData"]
    log = [json.loads(line) for line in engine.log_file.read_text().splitlines()]
    override = [e for e in log if e["message"] == "Feature flag override from environment"]
    assert (
        override
        and override[0]["flag"] == "feature.v1_planning_scoring"
        and override[0]["value"] is False
    )
    assert (value == "maybe") == any(
        e["level"] == "warning" and "Invalid feature flag" in e["message"] for e in log
    )


def test_scoring_is_logged_with_job_and_total(engine) -> None:
    job = wait_for_job(engine.url, _generate(engine).json()["jobId"], bearer("test-user"))
    log = [json.loads(line) for line in engine.log_file.read_text().splitlines()]
    (applied,) = [e for e in log if e["message"] == "Applied fixed-weight scoring"]
    assert (
        applied["job_id"] == job["jobId"]
        and applied["total"] == job["resultData"]["scoring"]["total"]
    )
