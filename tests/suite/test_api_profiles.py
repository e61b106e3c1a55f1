"""Telling a deployment's routes apart from its answers to a job that does not exist."""

from typing import Any

import pytest

from readiness.api_profiles import (
    ENGINE_ROUTES,
    GATEWAY_ROUTES,
    RUNBOOK_ROUTES,
    api_drift,
    detect,
    route_missing,
)

FASTIFY_404 = {
    "message": "Route GET:/api/plans/jobs/x not found",
    "error": "Not Found",
    "statusCode": 404,
}
JOB_404 = {"jobId": "x", "status": "not_found", "message": "Plan generation job not found"}


def answering(answers: dict[str, tuple[int, Any]]):
    """A target that answers each route (by its first path segment) as given; asked paths kept."""
    asked: list[str] = []

    def get(path: str) -> tuple[int, Any]:
        asked.append(path)
        for prefix, answer in answers.items():
            if path.startswith(prefix):
                return answer
        return 404, FASTIFY_404

    return get, asked


@pytest.mark.parametrize(
    ("answers", "routes"),
    [
        (
            {"/api/plans/jobs/": (404, {"error": "not_found", "message": "no such job"})},
            RUNBOOK_ROUTES,
        ),
        ({"/status/": (404, JOB_404)}, ENGINE_ROUTES),
        ({"/api/v1/plans/status": (404, JOB_404)}, GATEWAY_ROUTES),
        ({"/api/v1/plans/status": (403, {"error": "forbidden"})}, GATEWAY_ROUTES),
    ],
    ids=["runbook", "athlete-ally engine", "athlete-ally gateway", "gateway answering 403"],
)
def test_the_first_route_that_exists_is_the_deployments(
    answers: dict[str, tuple[int, Any]], routes: Any
) -> None:
    get, _ = answering(answers)
    detection = detect(get)
    assert detection.routes == routes
    assert detection.how == "detected from the target's answers"


def test_the_runbook_route_is_asked_first_and_alone_when_it_exists() -> None:
    get, asked = answering(
        {"/api/plans/jobs/": (404, {"error": "not_found", "message": "no such job"})}
    )
    detect(get)
    assert len(asked) == 1 and asked[0].startswith("/api/plans/jobs/")


def test_no_known_route_is_said_with_what_each_answered() -> None:
    get, _ = answering({})
    detection = detect(get)
    assert detection.routes is None and detection.how == "no known route answers"
    assert all("Route GET:" in answer for answer in detection.answers.values())


def test_a_token_refused_everywhere_tells_nothing_apart() -> None:
    get, _ = answering({"/": (401, {"error": "unauthorized"})})
    assert detect(get).how == "the token was refused on every route"


def test_a_forced_profile_asks_only_its_own_routes() -> None:
    get, asked = answering({"/api/v1/plans/status": (404, JOB_404)})
    detection = detect(get, "athlete-ally")
    assert detection.routes == GATEWAY_ROUTES
    assert not any(path.startswith("/api/plans/") for path in asked)


@pytest.mark.parametrize(
    ("status", "body", "missing"),
    [
        (404, FASTIFY_404, True),
        (404, {"detail": "Not Found"}, True),
        (404, "<html>nginx</html>", True),
        (405, {"detail": "Method Not Allowed"}, True),
        (404, JOB_404, False),
        (200, {"status": "queued"}, False),
        (500, {"error": "internal"}, False),
    ],
)
def test_a_missing_route_is_told_from_a_missing_job(status: int, body: Any, missing: bool) -> None:
    assert route_missing(status, body) is missing


def test_the_job_ids_go_into_the_path_escaped() -> None:
    assert GATEWAY_ROUTES.status_path("a b&c") == "/api/v1/plans/status?jobId=a%20b%26c"
    assert ENGINE_ROUTES.status_path("plan-gen-1-x") == "/status/plan-gen-1-x"


def test_only_the_athlete_ally_routes_drift_from_the_runbook() -> None:
    assert api_drift(RUNBOOK_ROUTES) == []
    drift = {
        d.runbook: d for d in api_drift(GATEWAY_ROUTES, "404 Route GET:/api/plans/jobs/x not found")
    }
    assert drift["POST /api/plans/generate"].used == "POST /api/v1/plans/generate"
    assert (
        "Route GET:/api/plans/jobs/x not found" in drift["GET /api/plans/jobs/{jobId}"].deployment
    )
    assert 'grep "Movement import"' in drift
