"""Fuzz the engine's API from its own OpenAPI document with schemathesis: valid and invalid
requests, with and without a token; no 5xx, every status documented, every body on schema."""

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from conftest import JWT_SECRET, bearer
from planning_engine.embedded_postgres import EmbeddedPostgres
from planning_engine.seeding import seed_foundational
from readiness.engine_process import EngineProcess


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


def test_no_generated_request_breaks_the_api(fuzzed_engine: EngineProcess) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzzed_engine.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {
        "POST /api/plans/generate",
        "GET /api/plans/jobs/{job_id}",
        "GET /health",
    }
    sent: list[int] = []
    for operation in operations:
        # Invalid input exists only where there is input: the plan endpoints take a body or a path.
        modes = (
            (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
            if "/api/" in operation.label
            else (GenerationMode.POSITIVE,)
        )
        for mode in modes:

            @settings(
                max_examples=150,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def exercise(case: schemathesis.Case) -> None:
                for headers in (bearer("fuzz-user"), {}):
                    response = case.call_and_validate(base_url=fuzzed_engine.url, headers=headers)
                    assert response.status_code < 500
                    sent.append(response.status_code)

            exercise()
    assert len(sent) >= 1000, f"only {len(sent)} generated requests"
