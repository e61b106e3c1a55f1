"""Prove the gate: for each way a staging deployment can be broken, the readiness suite says NO-GO,
the scenarios tied to that criterion fail with the cause and the runbook's fix, and every other
scenario still passes. The healthy target gives GO.

Data faults are made from the outside (SQL on the target's database after seeding); behaviour
faults through the reference engine's PLANNING_ENGINE_FAULTS. The table of this file is the
README's "What the gate catches".
"""

import json
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from conftest import JWT_SECRET, password_login
from planning_engine.auth import mint_token
from planning_engine.embedded_postgres import EmbeddedPostgres
from planning_engine.seeding import seed_foundational
from readiness.checks import FIXES
from readiness.engine_process import EngineProcess
from suite_runner import run_suite

AUDIT_TABLE = frozenset(
    {
        "test_the_runbooks_tables_exist[movement_audit_log]",
        "test_the_audit_log_records_the_seeding",
        "test_the_audit_log_matches_the_import_and_publish_actions",
        "test_every_audited_movement_is_in_the_library",
    }
)
PLAN_OUTLINE = frozenset(
    f"test_a_experience_athlete_training_goal_on_days_days_gets_a_valid_scored_plan[{row}]"
    for row in (
        "beginner-strength-2",
        "beginner-conditioning-3",
        "beginner-mobility-4",
        "intermediate-strength-4",
        "intermediate-hypertrophy-5",
        "intermediate-endurance-3",
        "advanced-power-5",
        "advanced-strength-6",
        "advanced-conditioning-7",
        "advanced-fat_loss-4",
        "intermediate-general_fitness-3",
        "beginner-power-1",
    )
)
SCORED_PLAN = (
    frozenset(
        {
            "test_a_test_plan_generated_through_the_api_is_scored",
            "test_recent_completed_plans_carry_valid_scoring_in_the_database",
            "test_scoring_is_present_in_the_api_response",
            "test_scoring_is_persisted_in_the_database_as_returned",
            "test_scoring_matches_the_contract",
        }
    )
    | PLAN_OUTLINE
)
CONTRACT = frozenset({"test_scoring_matches_the_contract"}) | PLAN_OUTLINE
# A wrong version or total also fails the runbook's own version / total checks.
VERSION_OR_TOTAL = frozenset(
    {
        "test_a_test_plan_generated_through_the_api_is_scored",
        "test_recent_completed_plans_carry_valid_scoring_in_the_database",
    }
)
COUNT = frozenset({"test_the_library_holds_the_8_foundational_movements"})
LISTING = frozenset({"test_the_listing_shows_the_foundational_movements_and_their_categories"})
STATUS = frozenset({"test_every_movement_is_published"})
RESEED = frozenset({"test_reseeding_the_library_would_change_nothing"})
METRIC_COUNT = frozenset({"test_the_movement_library_count_has_not_dropped_below_8"})
ALL_DATABASE = frozenset(
    {
        "test_the_staging_database_credentials_are_available",
        "test_the_database_answers",
        "test_the_schema_is_applied",
        *(
            f"test_the_runbooks_tables_exist[{t}]"
            for t in ("movement_library", "movement_staging", "movement_audit_log", "plan_jobs")
        ),
        "test_the_library_holds_the_8_foundational_movements",
        "test_the_audit_log_records_the_seeding",
        "test_the_listing_shows_the_foundational_movements_and_their_categories",
        "test_reseeding_the_library_would_change_nothing",
        "test_every_movement_is_published",
        "test_every_movement_is_unique_by_name",
        "test_the_audit_log_matches_the_import_and_publish_actions",
        "test_every_audited_movement_is_in_the_library",
        "test_recent_completed_plans_carry_valid_scoring_in_the_database",
        "test_scoring_is_persisted_in_the_database_as_returned",
        *(
            f"test_the_runbook_query_query_runs_within_the_sla[{q}]"
            for q in (
                "movement count",
                "movement listing",
                "audit log size",
                "status counts",
                "duplicate names",
                "audit actions",
                "recent scoring",
            )
        ),
    }
)


@dataclass(frozen=True)
class Fault:
    """A broken staging: `fails` are exactly the scenarios that must fail, each naming a runbook fix;
    `fix` is the one the fault's own criterion must name."""

    name: str
    criterion: str
    fails: frozenset[str]
    fix: str
    sql: str = ""
    engine_env: dict[str, str] = field(default_factory=dict)
    suite_env: dict[str, str] = field(default_factory=dict)
    workers: int = 4


FAULTS = [
    # schema
    Fault(
        "table missing",
        "Phase 1: tables exist",
        AUDIT_TABLE
        | {
            "test_the_schema_is_applied",
            "test_the_runbook_query_query_runs_within_the_sla[audit actions]",
            "test_the_runbook_query_query_runs_within_the_sla[audit log size]",
        },
        "planning-engine migrate",
        sql="DROP TABLE movement_audit_log",
    ),
    Fault(
        "Postgres unreachable",
        "Prerequisites: database credentials",
        ALL_DATABASE,
        "cannot reach Postgres",
        suite_env={"PLANNING_DATABASE_URL": "unreachable"},
    ),
    Fault(
        "wrong password",
        "Prerequisites: database credentials",
        ALL_DATABASE,
        "rejected the credentials",
        suite_env={"PLANNING_DATABASE_URL": "wrong-password"},
    ),
    # seeding
    Fault(
        "library empty",
        "8 movements, all published",
        COUNT
        | LISTING
        | STATUS
        | RESEED
        | METRIC_COUNT
        | SCORED_PLAN
        | {
            "test_every_audited_movement_is_in_the_library",
            "test_one_user_cannot_read_another_users_job",
            "test_the_application_log_shows_no_errors",
        },
        "re-seed with `planning-engine seed`",
        sql="DELETE FROM movement_library",
    ),
    Fault(
        "7 of 8 movements",
        "8 movements, all published",
        COUNT
        | LISTING
        | STATUS
        | RESEED
        | METRIC_COUNT
        | {"test_every_audited_movement_is_in_the_library"},
        "re-seed with `planning-engine seed`",
        sql="DELETE FROM movement_library WHERE movement_id = 'assault-bike'",
    ),
    Fault(
        "one movement left draft",
        "8 movements, all published",
        STATUS | RESEED | METRIC_COUNT,
        "re-seed with `planning-engine seed`",
        sql="UPDATE movement_library SET status = 'draft' WHERE movement_id = 'deadlift'",
    ),
    Fault(
        "duplicate movement name",
        "no duplicate movements",
        COUNT | STATUS | RESEED | {"test_every_movement_is_unique_by_name"},
        "truncate and re-seed",
        sql="ALTER TABLE movement_library DROP CONSTRAINT movement_library_name_key;"
        " INSERT INTO movement_library (movement_id, name, category, recommended_rpe, content_hash, status)"
        " VALUES ('back-squat-copy', 'Back Squat', 'strength', 8, 'x', 'draft')",
    ),
    Fault(
        "audit log missing the published rows",
        "audit log matches imports and publishes",
        frozenset({"test_the_audit_log_matches_the_import_and_publish_actions"}),
        "Rollback: Movement Seeding",
        sql="DELETE FROM movement_audit_log WHERE action = 'published'",
    ),
    Fault(
        "audit rows for a movement not in the library",
        "audit log matches imports and publishes",
        frozenset({"test_every_audited_movement_is_in_the_library"}),
        "Rollback: Movement Seeding",
        sql="INSERT INTO movement_audit_log (movement_id, action, actor) VALUES ('ghost-lift', 'updated', 'x')",
    ),
    # scoring
    Fault(
        "scoring flag off",
        "scoring flag enabled",
        SCORED_PLAN | {"test_the_engine_evaluates_the_scoring_flag_as_enabled"},
        "FEATURE_V1_PLANNING_SCORING=true",
        engine_env={"FEATURE_V1_PLANNING_SCORING": "false"},
    ),
    Fault(
        "version fixed-weight-v2",
        "payloads validate against the contract",
        CONTRACT | VERSION_OR_TOTAL,
        "Scoring Validation Fails",
        engine_env={"PLANNING_ENGINE_FAULTS": "scoring_version_v2"},
    ),
    Fault(
        "total 1.2",
        "payloads validate against the contract",
        CONTRACT | VERSION_OR_TOTAL,
        "Scoring Validation Fails",
        engine_env={"PLANNING_ENGINE_FAULTS": "scoring_total_out_of_range"},
    ),
    Fault(
        "weights sum to 0.9",
        "payloads validate against the contract",
        CONTRACT,
        "Scoring Validation Fails",
        engine_env={"PLANNING_ENGINE_FAULTS": "scoring_weights_0_9"},
    ),
    Fault(
        "contribution != weight x score",
        "payloads validate against the contract",
        CONTRACT,
        "Scoring Validation Fails",
        engine_env={"PLANNING_ENGINE_FAULTS": "scoring_bad_contribution"},
    ),
    Fault(
        "missing factor",
        "payloads validate against the contract",
        CONTRACT,
        "Scoring Validation Fails",
        engine_env={"PLANNING_ENGINE_FAULTS": "scoring_missing_factor"},
    ),
    Fault(
        "evaluatedAt not a date",
        "payloads validate against the contract",
        CONTRACT,
        "Scoring Validation Fails",
        engine_env={"PLANNING_ENGINE_FAULTS": "scoring_bad_timestamp"},
    ),
    Fault(
        "scoring in the response but not persisted",
        "scoring persisted",
        frozenset(
            {
                "test_scoring_is_persisted_in_the_database_as_returned",
                "test_recent_completed_plans_carry_valid_scoring_in_the_database",
            }
        ),
        "FEATURE_V1_PLANNING_SCORING=true",
        engine_env={"PLANNING_ENGINE_FAULTS": "scoring_not_persisted"},
    ),
    Fault(
        "persisted scoring differs from the response",
        "scoring persisted",
        CONTRACT | {"test_scoring_is_persisted_in_the_database_as_returned"},
        "Scoring Validation Fails",
        engine_env={"PLANNING_ENGINE_FAULTS": "scoring_response_differs"},
    ),
    # jobs
    Fault(
        "jobs stay queued (no worker)",
        "test plans complete",
        SCORED_PLAN | {"test_one_user_cannot_read_another_users_job"},
        "plan workers are running",
        suite_env={"PLANNING_JOB_DEADLINE_S": "1"},
        workers=0,
    ),
    Fault(
        "jobs fail",
        "test plans complete",
        SCORED_PLAN
        | {
            "test_one_user_cannot_read_another_users_job",
            "test_the_application_log_shows_no_errors",
        },
        "plan workers are running",
        engine_env={"PLANNING_ENGINE_FAULTS": "fail_jobs"},
    ),
    Fault(
        "job completes without resultData",
        "test plans complete",
        SCORED_PLAN | {"test_one_user_cannot_read_another_users_job"},
        "plan workers are running",
        engine_env={"PLANNING_ENGINE_FAULTS": "empty_result"},
    ),
    # security
    Fault(
        "jobs readable without a token",
        "API security",
        frozenset({"test_requests_without_a_token_are_rejected"}),
        "valid bearer token",
        engine_env={"PLANNING_ENGINE_FAULTS": "no_auth"},
    ),
    Fault(
        "one user's job readable by another",
        "API security",
        frozenset({"test_one_user_cannot_read_another_users_job"}),
        "check job ownership",
        engine_env={"PLANNING_ENGINE_FAULTS": "no_ownership_check"},
    ),
    # performance
    Fault(
        "runbook query slower than the SLA",
        "no performance regressions",
        frozenset(
            f"test_the_runbook_query_query_runs_within_the_sla[{q}]"
            for q in ("movement count", "movement listing", "status counts", "duplicate names")
        ),
        "check the plan_jobs indexes",
        sql="ALTER TABLE movement_library RENAME TO movement_library_data;"
        " CREATE VIEW movement_library AS SELECT * FROM movement_library_data WHERE pg_sleep(0.08) IS NOT NULL",
    ),
]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RowResult:
    exit_code: int
    verdict: str
    failed: dict[str, str]
    output: str


def _run_row(
    fault: Fault | None, postgres: EmbeddedPostgres, folder: Path, suite_env_for
) -> RowResult:
    """Break a fresh staging (database + engine) the fault's way and run the suite against it."""
    dsn = postgres.create_database("matrix")
    engine = None
    try:
        with psycopg.connect(dsn) as conn:
            seed_foundational(conn, actor="ops")
            if fault is not None and fault.sql:
                conn.execute(fault.sql)
        engine_env = {
            "PLANNING_JWT_SECRET": JWT_SECRET,
            "FEATURE_V1_PLANNING_SCORING": "true",
            **(fault.engine_env if fault else {}),
        }
        engine = EngineProcess(
            dsn, folder / "engine.log", engine_env, workers=fault.workers if fault else 4
        ).start()
        env = {**suite_env_for(engine, dsn), **(fault.suite_env if fault else {})}
        if env["PLANNING_DATABASE_URL"] == "unreachable":
            env["PLANNING_DATABASE_URL"] = f"postgresql://qa:pw@127.0.0.1:{_closed_port()}/staging"
        elif env["PLANNING_DATABASE_URL"] == "wrong-password":
            env["PLANNING_DATABASE_URL"] = make_conninfo(
                dsn, user="matrix_user", password="wrong-password"
            )
        run = run_suite(folder, env)
        verdict = json.loads((folder / "reports" / "verdict.json").read_text())["predicate"][
            "verdict"
        ]
        return RowResult(run.exit_code, verdict, run.with_status("failed"), run.output[-2000:])
    finally:
        if engine is not None:
            engine.stop()
        postgres.drop_database(dsn)


@pytest.fixture(scope="module")
def matrix(
    postgres: EmbeddedPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, RowResult]]:
    """Every row, run three at a time against one shared Postgres (each on its own database)."""
    if postgres._server is None:
        pytest.skip(
            "PLANNING_TEST_DATABASE_URL server: the wrong-password row needs our own pg_hba.conf"
        )
    rows = {"healthy": None, **{f.name: f for f in FAULTS}}
    with password_login(postgres, "matrix_user"), ThreadPoolExecutor(3) as pool:
        futures = {
            name: pool.submit(_run_row, fault, postgres, tmp_path_factory.mktemp("row"), _suite_env)
            for name, fault in rows.items()
        }
        yield {name: future.result() for name, future in futures.items()}


def _suite_env(engine: EngineProcess, dsn: str) -> dict[str, str]:
    return {
        "PLANNING_API_URL": engine.url,
        "PLANNING_DATABASE_URL": dsn,
        "PLANNING_API_TOKEN": mint_token("qa-user", JWT_SECRET),
        "PLANNING_API_TOKEN_2": mint_token("qa-other-user", JWT_SECRET),
        "PLANNING_ENGINE_LOG_FILE": str(engine.log_file),
    }


def test_the_healthy_staging_is_go(matrix: dict[str, RowResult]) -> None:
    row = matrix["healthy"]
    assert (row.exit_code, row.verdict, row.failed) == (0, "GO", {}), row.output


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_the_gate_catches(fault: Fault, matrix: dict[str, RowResult]) -> None:
    row = matrix[fault.name]
    assert (row.exit_code, row.verdict) == (1, "NO-GO"), row.output
    unexpected, missing = set(row.failed) - fault.fails, fault.fails - set(row.failed)
    assert not unexpected and not missing, (
        f"unexpected failures: {unexpected}; not caught: {missing}"
    )
    for name, message in row.failed.items():
        assert any(fix in message for fix in FIXES.values()), (
            f"{name} names no runbook fix: {message}"
        )
    assert any(fault.fix in message for message in row.failed.values()), (
        f"no failure names {fault.fix!r}"
    )
