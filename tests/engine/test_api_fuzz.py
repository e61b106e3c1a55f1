"""Fuzz the engine's API from its own OpenAPI document with schemathesis: valid and invalid
requests, with and without a token; no 5xx, every status documented, every body on schema."""

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from engine_sandbox.embedded_postgres import EmbeddedPostgres
from planning_engine.seeding import seed_foundational
from readiness.target.engine_process import EngineProcess
from support.engine_api import bearer
from support.known_secrets import JWT_SECRET


@pytest.fixture
def fuzzed_engine(postgres: EmbeddedPostgres, tmp_path: Path) -> Iterator[EngineProcess]:
    dsn = postgres.create_database("fuzz")
    with psycopg.connect(dsn) as conn:
        seed_foundational(conn)
    env = {"PLANNING_JWT_SECRET": JWT_SECRET, "FEATURE_V1_PLANNING_SCORING": "true"}
    engine = EngineProcess(dsn, tmp_path / "engine.log", env, workers=2).start()
    yield engine
    engine.stop()
    postgres.drop_database(dsn)


def _token_for(case: schemathesis.Case) -> dict[str, str]:
    """The body's own user where it names one, so valid bodies reach the 202 path."""
    body = case.body if isinstance(case.body, dict) else {}
    user = body.get("userId")
    return bearer(user if isinstance(user, str) and user else "fuzz-user")


def test_no_generated_request_breaks_the_api(fuzzed_engine: EngineProcess) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzzed_engine.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {
        "POST /api/plans/generate",
        "GET /api/plans/jobs/{job_id}",
        "GET /health",
    }
    generated = 0
    statuses: dict[str, set[int]] = {}
    jobs_seen: list[tuple[str, str]] = []  # (job id, owner) the fuzzing created, read back
    # by their owners, so the 200 bodies are checked against the schema too
    for operation in operations:
        # Invalid input exists only where there is input: the plan endpoints take a body or a path.
        has_input = "/api/" in operation.label
        modes = (
            (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
            if has_input
            else (GenerationMode.POSITIVE,)
        )
        for mode in modes:

            @settings(
                max_examples=260 if has_input else 20,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def exercise(case: schemathesis.Case) -> None:
                nonlocal generated
                generated += 1
                owner = _token_for(case)
                if case.path_parameters and jobs_seen and generated % 3 == 0:
                    job_id, user = jobs_seen[generated % len(jobs_seen)]
                    case.path_parameters["job_id"], owner = job_id, bearer(user)
                for headers in (owner, bearer("fuzz-other-user"), {}):
                    response = case.call_and_validate(base_url=fuzzed_engine.url, headers=headers)
                    assert response.status_code < 500
                    statuses.setdefault(case.operation.label, set()).add(response.status_code)
                    if response.status_code == 202:
                        jobs_seen.append((response.json()["jobId"], case.body["userId"]))

            exercise()
    assert generated >= 1000, f"only {generated} generated requests"
    assert {202, 401, 403, 422} <= statuses["POST /api/plans/generate"]
    assert {200, 401, 403, 404} <= statuses["GET /api/plans/jobs/{job_id}"]
