"""The readiness suite itself, run the way QA and CI run it: embedded, against a staging, misconfigured."""

import itertools
import os
import subprocess
import sys
import time
from contextlib import AbstractContextManager
from pathlib import Path

import psycopg
import pytest

from planning_engine.auth import mint_token
from support.known_secrets import JWT_SECRET
from support.local_http import answering
from support.suite_runner import REPO, SUITE_VARIABLES, collect, run_suite


def _library_state(dsn: str) -> list[tuple[object, ...]]:
    with psycopg.connect(dsn) as conn:
        return (
            conn.execute(
                "SELECT movement_id, status, version, updated_at FROM movement_library ORDER BY 1"
            ).fetchall()
            + conn.execute(
                "SELECT action, count(*) FROM movement_audit_log GROUP BY 1 ORDER BY 1"
            ).fetchall()
        )


def _jobs(dsn: str) -> list[tuple[object, ...]]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT job_id, user_id, status, result_data::text FROM plan_jobs ORDER BY job_id"
        ).fetchall()


def _someone_elses_job(dsn: str) -> None:
    """A job that was on the staging before the suite came: the suite must leave it alone."""
    with psycopg.connect(dsn) as conn:
        conn.execute(
            "INSERT INTO plan_jobs (user_id, status, progress, request_data, result_data, created_at)"
            " VALUES ('real-athlete', 'completed', 100, '{}', '{\"planId\": \"p-1\"}',"
            " now() - interval '1 day')"
        )


def test_suite_against_a_staging_it_did_not_start(
    staging_env: dict[str, str], dsn: str, tmp_path: Path
) -> None:
    _someone_elses_job(dsn)
    library, jobs = _library_state(dsn), _jobs(dsn)
    run = run_suite(tmp_path, staging_env)
    assert run.exit_code == 0, run.output[-3000:]
    assert run.with_status("failed") == {}
    skipped = run.with_status("skipped")
    destructive, controlled = collect("destructive"), collect("controlled")
    assert destructive, "the suite has destructive scenarios"
    for name in destructive | controlled:
        reason = skipped.get(name, "")
        expected = "embedded target only" if name in controlled else "--allow-destructive"
        assert expected in reason, f"{name} must be skipped ({expected}): {reason or 'it ran'}"
    assert len(run.with_status("passed")) >= 40
    assert _library_state(dsn) == library, "the staging's movement data must not change"
    assert set(jobs) <= set(_jobs(dsn)), "the staging's own plan jobs must not change"


def test_allow_destructive_runs_the_drills_on_staging(
    staging_env: dict[str, str], dsn: str, tmp_path: Path
) -> None:
    def library(dsn: str) -> list[tuple[object, ...]]:  # what a truncate + re-seed restores
        return [row[:2] for row in _library_state(dsn) if len(row) == 4] + [
            row for row in _library_state(dsn) if len(row) == 2
        ]

    before = library(dsn)
    run = run_suite(
        tmp_path, staging_env, "-m", "destructive", "--allow-destructive", "--allow-incomplete"
    )
    assert run.exit_code == 0, run.output[-3000:]
    assert collect("destructive and not controlled") <= set(run.with_status("passed"))
    for name in collect("destructive and controlled"):  # even with the opt-in: not our engine
        assert "embedded target only" in run.with_status("skipped")[name]
    assert library(dsn) == before, "the drill must leave the library as it found it"


def test_a_broken_staging_fails_with_found_expected_and_fix(
    staging_env: dict[str, str], dsn: str, tmp_path: Path
) -> None:
    env = staging_env
    with psycopg.connect(dsn) as conn:
        conn.execute("DELETE FROM movement_library WHERE movement_id = 'assault-bike'")
    run = run_suite(tmp_path, env, "-m", "phase2 and readonly")
    assert run.exit_code == 1
    message = run.with_status("failed")["test_the_library_holds_the_8_foundational_movements"]
    assert (
        "found movement_library has 7 rows, expected 8: re-seed with `planning-engine seed`"
        in message
    )


_STAGING = {
    "PLANNING_API_URL": "http://127.0.0.1:9",
    "PLANNING_DATABASE_URL": "postgresql://u:p@127.0.0.1:9/db",
    "PLANNING_API_TOKEN": "opaque-token-1",
}


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"PLANNING_API_URL": "http://127.0.0.1:9"}, "PLANNING_DATABASE_URL is not"),
        (
            {
                "PLANNING_API_URL": "http://127.0.0.1:9",
                "PLANNING_DATABASE_URL": "postgresql://u:p@h/db",
            },
            "PLANNING_API_TOKEN",
        ),
        (
            {
                "PLANNING_API_URL": "staging.example",
                "PLANNING_DATABASE_URL": "postgresql://u:p@h/db",
                "PLANNING_API_TOKEN": "t",
            },
            "is not a URL",
        ),
        ({"PLANNING_SLA_MS": "fast"}, "PLANNING_SLA_MS='fast' is not a number"),
        (
            {"PLANNING_DATABASE_URL": "postgresql://u:p@h/db", "STAGING_TOKEN": "t"},
            "PLANNING_DATABASE_URL and STAGING_TOKEN are set but PLANNING_API_URL is not",
        ),
        ({"FEATURE_V1_PLANNING_SCORING": "yes"}, "FEATURE_V1_PLANNING_SCORING='yes' is not a flag"),
        (
            {**_STAGING, "PLANNING_ENGINE_LOG_FILE": "/var/log/no-such.log"},
            "PLANNING_ENGINE_LOG_FILE='/var/log/no-such.log' is not a readable file",
        ),
        (
            {**_STAGING, "PLANNING_API_TOKEN_2": _STAGING["PLANNING_API_TOKEN"]},
            "PLANNING_API_TOKEN_2 is a token for the same user",
        ),
        (
            {
                **_STAGING,
                "PLANNING_ENGINE_LOG_FILE": __file__,
                "PLANNING_ENGINE_LOG_COMMAND": "true",
            },
            "PLANNING_ENGINE_LOG_FILE and PLANNING_ENGINE_LOG_COMMAND are both set",
        ),
    ],
    ids=[
        "no-database",
        "no-token",
        "not-a-url",
        "bad-sla",
        "staging-without-url",
        "bad-flag",
        "no-log-file",
        "same-user-twice",
        "two-logs",
    ],
)
def test_wrong_configuration_fails_fast_with_one_message(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    started = time.monotonic()
    run = run_suite(tmp_path, env, timeout_s=60)
    assert run.exit_code == 4
    assert expected in run.output
    assert time.monotonic() - started < 15


def test_the_projects_own_tests_ignore_an_engine_developers_dsn(tmp_path: Path) -> None:
    """PLANNING_DATABASE_URL is the engine's variable too: it stops only a run of the suite."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in SUITE_VARIABLES},
        "PLANNING_DATABASE_URL": "postgresql://dev:pw@127.0.0.1:9/planning",
        "PYTEST_DEBUG_TEMPROOT": str(tmp_path),
    }
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/suite/test_checklist.py",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-1000:] + run.stderr[-1000:]


@pytest.mark.parametrize(
    ("api", "database", "where"),
    [
        ("http://127.0.0.1:9", "127.0.0.1:9/staging", "127.0.0.1:9/staging"),
        (
            "http://staging.invalid:8080",
            "staging.invalid:5432/planning",
            "staging.invalid:5432/planning",
        ),
    ],
    ids=["port-closed", "name-does-not-resolve"],
)
def test_an_unreachable_staging_ends_quickly_with_failures(
    tmp_path: Path, api: str, database: str, where: str
) -> None:
    env = {
        "PLANNING_API_URL": api,
        "PLANNING_DATABASE_URL": f"postgresql://qa:secret-pw@{database}",
        "PLANNING_API_TOKEN": mint_token("qa-user", JWT_SECRET),
    }
    started = time.monotonic()
    run = run_suite(tmp_path, env, timeout_s=120)
    assert run.exit_code == 1
    assert time.monotonic() - started < 60
    failures = run.with_status("failed")
    assert f"cannot reach Postgres at {where}" in failures["test_the_database_answers"]
    assert (
        f"cannot reach the planning API at {api}"
        in failures["test_a_test_plan_generated_through_the_api_is_scored"]
    )
    assert "secret-pw" not in run.output


def misbehaving_api(mode: str) -> AbstractContextManager[str]:
    """A local 'staging API' that answers every request with a 500, or accepts and never answers."""
    return answering(500, "application/json", b'{"error": "internal"}', hang=mode == "hang")


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("500", 'found 500 {"error": "internal"}, expected 202'),
        ("hang", "did not answer within 1 s"),
    ],
    ids=["answering-500s", "hanging"],
)
def test_a_broken_staging_api_ends_in_no_go_within_the_deadlines(
    staging_env: dict[str, str], tmp_path: Path, mode: str, expected: str
) -> None:
    with misbehaving_api(mode) as url:
        env = {**staging_env, "PLANNING_API_URL": url, "PLANNING_HTTP_TIMEOUT_S": "1"}
        started = time.monotonic()
        run = run_suite(tmp_path, env, timeout_s=180)
    assert run.exit_code == 1
    assert time.monotonic() - started < 90
    failures = run.with_status("failed")
    assert expected in failures["test_a_test_plan_generated_through_the_api_is_scored"]
    assert "test_the_database_answers" in run.with_status("passed")


def _queued_forever(start_engine, dsn: str, staging_suite_env, deadline_s: float) -> dict[str, str]:
    """A staging whose engine has no workers: test plans stay queued until the suite's deadline."""
    from planning_engine.seeding import seed_foundational

    with psycopg.connect(dsn) as conn:
        seed_foundational(conn, actor="ops")
    engine = start_engine(dsn, workers=0)
    return {**staging_suite_env(engine), "PLANNING_JOB_DEADLINE_S": str(deadline_s)}


ONE_PLAN = ("-k", "a_test_plan_generated_through_the_api_is_scored")


def test_verbose_runs_show_one_line_a_second_while_a_job_is_awaited(
    start_engine, dsn: str, staging_suite_env, tmp_path: Path
) -> None:
    env = _queued_forever(start_engine, dsn, staging_suite_env, 3.5)
    # run_suite passes -q; -vv on top of it is QA's plain `pytest features/ -v`.
    run = run_suite(tmp_path, env, "-vv", *ONE_PLAN)
    lines = [line for line in run.output.splitlines() if "waiting for job" in line]
    assert 2 <= len(lines) <= 4, run.output[-2000:]
    assert all("(queued)" in line for line in lines)
    seconds = [float(line.rsplit("(", 1)[1].split()[0]) for line in lines]
    assert seconds[0] >= 1.0 and all(b - a >= 0.9 for a, b in itertools.pairwise(seconds))
    assert run.exit_code == 1


def test_quiet_runs_show_no_wait_lines(
    start_engine, dsn: str, staging_suite_env, tmp_path: Path
) -> None:
    run = run_suite(tmp_path, _queued_forever(start_engine, dsn, staging_suite_env, 1.5), *ONE_PLAN)
    assert "waiting for job" not in run.output
    assert run.exit_code == 1


def test_expecting_scoring_off_checks_the_rest_and_is_incomplete(tmp_path: Path) -> None:
    """The runbook deploys with scoring on: a run told otherwise can never say GO."""
    run = run_suite(tmp_path, {"FEATURE_V1_PLANNING_SCORING": "false"})
    assert run.exit_code == 1
    assert "Readiness verdict: INCOMPLETE" in run.output
    assert run.with_status("failed") == {}
    skipped = run.with_status("skipped")
    assert "FEATURE_V1_PLANNING_SCORING=false" in skipped["test_the_scoring_flag_is_expected_on"]
    assert "scoring is off" in skipped["test_scoring_matches_the_contract"]
    assert "test_every_movement_is_published" in run.with_status("passed")


def test_an_api_serving_none_of_the_known_routes_is_one_cause_first(
    staging_env: dict[str, str], tmp_path: Path
) -> None:
    """Not "plan jobs do not complete -> check the workers": the routes are what is wrong."""
    with answering(404, "application/json", b'{"detail": "Not Found"}') as url:
        run = run_suite(tmp_path, {**staging_env, "PLANNING_API_URL": url})
    assert run.exit_code == 1
    verdict_lines = run.output[run.output.index("Readiness verdict: NO-GO") :].splitlines()
    assert verdict_lines[1].startswith(
        "  cause 1/1: the planning API serves none of the known routes"
    ), run.output[-1500:]
    assert "GET /status/{job_id}: 404" in verdict_lines[1]
