"""The suite against a staging that behaves as the athlete-ally deployment does
(DEPLOYED_API_ATHLETE_ALLY.md): the reference engine serving the athlete-ally API profile on the
spec's own tables, checked as a staging the suite did not start, directly and through the
gateway's routes. Nothing tells the suite which API or schema it faces: it detects both.

The healthy deployment is not NO-GO: it is INCOMPLETE only for the key metric that service does
not expose. Each of its defects is NO-GO with its own cause first.
"""

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest

from engine_sandbox.embedded_postgres import EmbeddedPostgres
from planning_engine.auth import mint_token
from planning_engine.migrate import migrate
from planning_engine.seeding import seed_foundational
from readiness.target.engine_process import EngineProcess
from support.known_secrets import JWT_SECRET
from support.suite_runner import run_suite

PROFILE = "athlete-ally"
GATEWAY = {"PLANNING_GATEWAY_ONLY": "true", "PLANNING_GATEWAY_RATE_LIMITS": "true"}
# A short window keeps the gateway rows quick; a run through the default one (a minute) is
# measured by benchmarks/deployed_api.py.
SHORT_WINDOW = {**GATEWAY, "PLANNING_GATEWAY_WINDOW_S": "8"}
STUCK = {"PLANNING_JOB_DEADLINE_S": "3"}
NOT_EXPOSED = "not exposed by this deployment"


@dataclass(frozen=True)
class Row:
    engine_env: dict[str, str] = field(default_factory=dict)
    suite_env: dict[str, str] = field(default_factory=dict)


@dataclass
class Outcome:
    exit_code: int
    predicate: dict[str, Any]
    output: str

    @property
    def first_cause(self) -> dict[str, Any]:
        causes = self.predicate["causes"]
        assert causes, self.output
        return dict(causes[0])

    def not_verified(self) -> list[str]:
        return [
            reason
            for criterion in self.predicate["criteria"]
            if criterion["required"] and criterion["status"] != "passed"
            for reason in criterion.get("reasons", [criterion["status"]])
        ]


ROWS = {
    "healthy": Row(),
    "healthy via the gateway": Row(SHORT_WINDOW),
    "llm stub": Row({"PLANNING_ENGINE_FAULTS": "llm_stub"}),
    "llm stub via the gateway": Row({**SHORT_WINDOW, "PLANNING_ENGINE_FAULTS": "llm_stub"}),
    "plan cache": Row({"PLANNING_ENGINE_FAULTS": "plan_cache"}, STUCK),
    "plan cache via the gateway": Row(
        {**SHORT_WINDOW, "PLANNING_ENGINE_FAULTS": "plan_cache"}, STUCK
    ),
    "queue stall": Row({"PLANNING_ENGINE_FAULTS": "queue_stall"}, STUCK),
    "queue stall via the gateway": Row(
        {**SHORT_WINDOW, "PLANNING_ENGINE_FAULTS": "queue_stall"}, STUCK
    ),
    "health 503": Row({"PLANNING_ENGINE_FAULTS": "health_503"}),
    # the gateway's default window is a minute: a 25 s budget cannot wait for the next one
    "gateway limits beyond the budget": Row(GATEWAY, {"PLANNING_MAX_DURATION": "25"}),
}


def deployed_staging(postgres: EmbeddedPostgres, folder: Path, row: Row) -> Outcome:
    """A seeded athlete-ally database and an engine serving the athlete-ally API on it, checked
    by `pytest features/` as a staging."""
    dsn = postgres.create_database("deployed", migrated=False)
    engine = None
    try:
        with psycopg.connect(dsn) as conn:
            migrate(conn, profile=PROFILE)
            seed_foundational(conn, actor="ops", profile=PROFILE)
        engine = EngineProcess(
            dsn,
            folder / "engine.log",
            {
                "PLANNING_JWT_SECRET": JWT_SECRET,
                "FEATURE_V1_PLANNING_SCORING": "true",
                "PLANNING_SCHEMA_PROFILE": PROFILE,
                "PLANNING_API_PROFILE": PROFILE,
                **row.engine_env,
            },
        ).start(healthy=False)
        env = {
            "PLANNING_API_URL": engine.url,
            "PLANNING_DATABASE_URL": dsn,
            "PLANNING_API_TOKEN": mint_token("qa-user", JWT_SECRET, athlete_ally=True),
            "PLANNING_API_TOKEN_2": mint_token("qa-other-user", JWT_SECRET, athlete_ally=True),
            "PLANNING_ENGINE_LOG_FILE": str(engine.log_file),
            **row.suite_env,
        }
        run = run_suite(folder, env, timeout_s=400)
        predicate = json.loads((folder / "reports" / "verdict.json").read_text())["predicate"]
        return Outcome(run.exit_code, predicate, run.output[-3000:])
    finally:
        if engine is not None:
            engine.stop()
        postgres.drop_database(dsn)


@pytest.fixture(scope="module")
def outcomes(
    postgres: EmbeddedPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Outcome]]:
    with ThreadPoolExecutor(3) as pool:
        futures = {
            name: pool.submit(deployed_staging, postgres, tmp_path_factory.mktemp("deployed"), row)
            for name, row in ROWS.items()
        }
        yield {name: future.result() for name, future in futures.items()}


def _assert_healthy(outcome: Outcome) -> None:
    """Nothing failed; what is not verified is only what this deployment does not expose."""
    assert outcome.predicate["verdict"] == "INCOMPLETE", outcome.output
    assert outcome.predicate["causes"] == []
    reasons = outcome.not_verified()
    assert reasons and all(NOT_EXPOSED in reason for reason in reasons), reasons


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "routes"),
    [("healthy", "engine routes"), ("healthy via the gateway", "gateway routes")],
)
def test_the_healthy_deployment_is_incomplete_only_for_what_it_does_not_expose(
    outcomes: dict[str, Outcome], name: str, routes: str
) -> None:
    outcome = outcomes[name]
    _assert_healthy(outcome)
    target = outcome.predicate["target"]
    assert target["api_profile"].startswith(f"athlete-ally ({routes}")
    assert "detected from the target's answers" in target["api_profile"]
    assert target["schema_profile"] == "athlete-ally (detected from the target's columns)"
    drift = {d["runbook"]: d for d in target["api_drift"]}
    assert "Route GET:/api/plans/jobs/" in drift["GET /api/plans/jobs/{jobId}"]["deployment"]
    assert 'grep "feature.v1_planning_scoring"' in drift


# The service's defects (spec §10) as the fault rows make them, and the cause each must be first.
DEFECTS = [
    ("llm stub", "D3", "plan jobs fail", "LLM integration not implemented yet"),
    ("plan cache", "D5", "plan jobs are left queued by plan-cache hits", "a plan-cache hit"),
    (
        "queue stall",
        "D6",
        "plan jobs are stranded in the engine's in-memory queue",
        "in the engine's in-memory queue",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize("via", ["", " via the gateway"])
@pytest.mark.parametrize(
    ("defect", "title", "finding"),
    [(d, t, f) for d, _, t, f in DEFECTS],
    ids=[d[0] for d in DEFECTS],
)
def test_each_defect_is_no_go_with_its_own_cause_first(
    outcomes: dict[str, Outcome], defect: str, via: str, title: str, finding: str
) -> None:
    outcome = outcomes[defect + via]
    assert (outcome.exit_code, outcome.predicate["verdict"]) == (1, "NO-GO"), outcome.output
    first = outcome.first_cause
    assert first["cause"] == title, outcome.predicate["causes"]
    assert finding in first["finding"], first
    assert f"cause 1/{len(outcome.predicate['causes'])}: {title}" in outcome.output


@pytest.mark.slow
def test_a_failed_job_without_error_data_says_so(outcomes: dict[str, Outcome]) -> None:
    finding = outcomes["llm stub"].first_cause["finding"]
    assert "failed and gives no reason (errorData None)" in finding
    assert "the engine log says: Plan generation failed after max retries" in finding


@pytest.mark.slow
def test_health_503_while_the_api_works_is_a_warning_not_a_cause(
    outcomes: dict[str, Outcome],
) -> None:
    outcome = outcomes["health 503"]
    _assert_healthy(outcome)
    warning = outcome.predicate["target"]["health_warning"]
    assert "GET /health answers 503: nats unhealthy (connection closed)" in warning
    assert "warning: GET /health answers 503" in outcome.output


@pytest.mark.slow
def test_rate_limits_are_a_cause_only_when_the_budget_cannot_wait_them_out(
    outcomes: dict[str, Outcome],
) -> None:
    outcome = outcomes["gateway limits beyond the budget"]
    assert outcome.predicate["verdict"] == "NO-GO", outcome.output
    assert [c["cause"] for c in outcome.predicate["causes"]] == [
        "the gateway's rate limits outlast the run's budget"
    ]
    assert "cannot wait that out" in outcome.first_cause["finding"]


def docs_table() -> str:
    """The athlete-ally API section's table of docs/FAULT_MATRIX.md, made from the rows above."""
    lines = [
        "| deployment | how it is made | verdict | first cause, or what is not verified |",
        "|---|---|---|---|",
        "| healthy, engine routes | `serve --api-profile athlete-ally` | INCOMPLETE | "
        f"scoring calculation errors are {NOT_EXPOSED} |",
        "| healthy, gateway routes | `PLANNING_GATEWAY_ONLY=true`, rate limits on | INCOMPLETE | "
        "the same; the default limits (10 plans a minute) only make the run longer |",
        "| D4: /health 503, jobs flow | `PLANNING_ENGINE_FAULTS=health_503` | INCOMPLETE | "
        "the same, and a warning: `GET /health answers 503: nats unhealthy` |",
    ]
    for defect, spec, title, finding in DEFECTS:
        fault = ROWS[defect].engine_env["PLANNING_ENGINE_FAULTS"]
        lines.append(
            f"| {spec}: {defect}, engine and gateway routes | `PLANNING_ENGINE_FAULTS={fault}` | "
            f"NO-GO | {title}: `…{finding}…` |"
        )
    return "\n".join(lines)


def test_the_docs_show_this_table() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "FAULT_MATRIX.md"
    assert docs_table() in docs.read_text(encoding="utf-8"), (
        "docs/FAULT_MATRIX.md's athlete-ally API table is out of date; it should be:\n"
        + docs_table()
    )
