"""The deploy as the reference point, end to end: a staging (database + engine the suite did not
start) with traffic before and after its deploy, in both schema and API profiles. Old jobs from
before the deploy stay information; a failure rate or a latency that rose with the release is
NO-GO on its Success Criterion; the history keeps every run; a watch raises the runbook's alert."""

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from psycopg.types.json import Jsonb

from engine_sandbox.embedded_postgres import EmbeddedPostgres
from planning_engine.auth import mint_token
from planning_engine.migrate import migrate
from planning_engine.seeding import seed_foundational
from readiness.target.engine_process import EngineProcess
from support.known_secrets import JWT_SECRET
from support.suite_runner import REPO, run_suite

RUNBOOK, ATHLETE_ALLY = "runbook", "athlete-ally"
SCORED = {
    "scoring": {
        "version": "fixed-weight-v1",
        "total": 0.9,
        "factors": {"safety": {"score": 0.95}, "compliance": {"score": 0.8}},
    }
}


@dataclass
class Staging:
    profile: str
    dsn: str
    engine: EngineProcess
    env: dict[str, str]

    def add_jobs(
        self,
        first: datetime,
        count: int,
        failed: int = 0,
        latency_s: float = 2.0,
        scored: bool = True,
        scoring: dict | None = None,
    ) -> None:
        """`count` jobs of another user, one a minute from `first`; the first `failed` failed,
        the others completed after `latency_s` (with a little spread)."""
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            for n in range(count):
                created = first + timedelta(minutes=n)
                done = created + timedelta(seconds=latency_s * (1 + (n % 5) / 20))
                status = "failed" if n < failed else "completed"
                result = (
                    Jsonb(SCORED if scored else {"plan": "x"}) if status == "completed" else None
                )
                error = Jsonb({"error": "generation failed"}) if status == "failed" else None
                if self.profile == RUNBOOK:
                    conn.execute(
                        "INSERT INTO plan_jobs (user_id, status, progress, request_data,"
                        " result_data, error_data, created_at, updated_at, completed_at)"
                        " VALUES ('other-user', %s, 100, '{}', %s, %s, %s, %s, %s)",
                        (status, result, error, created, done, done),
                    )
                else:  # UTC timestamps without a zone; the service never sets "completedAt"
                    naive, updated = created.replace(tzinfo=None), done.replace(tzinfo=None)
                    conn.execute(
                        'INSERT INTO plan_jobs (id, "jobId", "userId", status, progress,'
                        ' "requestData", "resultData", "errorData", "createdAt", "updatedAt")'
                        " VALUES (%s, %s, 'other-user', %s, 100, '{}', %s, %s, %s, %s)",
                        (
                            f"old-{created.timestamp()}-{n}",
                            f"plan-gen-{n}-{created.timestamp()}",
                            status,
                            result,
                            error,
                            naive,
                            updated,
                        ),
                    )


def _staging(postgres: EmbeddedPostgres, folder: Path, profile: str, before_start=None):
    dsn = postgres.create_database("since", migrated=profile == RUNBOOK)
    with psycopg.connect(dsn) as conn:
        if profile != RUNBOOK:
            migrate(conn, profile=profile)
        seed_foundational(conn, actor="ops", profile=profile)
    staging = Staging(profile, dsn, None, {})  # type: ignore[arg-type]
    if before_start is not None:
        before_start(staging)
    engine = EngineProcess(
        dsn,
        folder / "engine.log",
        {
            "PLANNING_JWT_SECRET": JWT_SECRET,
            "FEATURE_V1_PLANNING_SCORING": "true",
            "PLANNING_SCHEMA_PROFILE": profile,
            "PLANNING_API_PROFILE": profile,
        },
    ).start(healthy=False)
    athlete = profile == ATHLETE_ALLY
    staging.engine = engine
    staging.env = {
        "PLANNING_API_URL": engine.url,
        "PLANNING_DATABASE_URL": dsn,
        "PLANNING_API_TOKEN": mint_token("qa-user", JWT_SECRET, athlete_ally=athlete),
        "PLANNING_API_TOKEN_2": mint_token("qa-other-user", JWT_SECRET, athlete_ally=athlete),
        "PLANNING_ENGINE_LOG_FILE": str(engine.log_file),
        "PLANNING_JWT_SECRET": JWT_SECRET,
    }
    return staging


@pytest.fixture(params=[RUNBOOK, ATHLETE_ALLY])
def make_staging(request, postgres: EmbeddedPostgres, tmp_path: Path) -> Iterator:
    made: list[Staging] = []

    def make(before_start=None) -> Staging:
        staging = _staging(postgres, tmp_path / "engine", request.param, before_start)
        made.append(staging)
        return staging

    yield make
    for staging in made:
        staging.engine.stop()
        postgres.drop_database(staging.dsn)


def _predicate(folder: Path) -> dict:
    return json.loads((folder / "reports" / "verdict.json").read_text())["predicate"]


def _criterion(predicate: dict, item: str) -> dict:
    return next(c for c in predicate["criteria"] if c["item"] == item)


def test_old_jobs_from_before_the_deploy_stay_go_over_three_runs(
    make_staging, tmp_path: Path
) -> None:
    """Unscored and failed jobs of the last hour, from before the engine started (the deploy),
    and jobs an older release scored its own way (no plan to recompute it from): the runbook's
    LIMIT 10 shows them, the verdict does not count them, run after run."""

    def old_traffic(staging: Staging) -> None:
        recent = datetime.now(UTC) - timedelta(minutes=30)
        staging.add_jobs(recent, 6, failed=3, scored=False)
        older_release = {"version": "fixed-weight-v0", "total": 0.7, "factors": {}}
        staging.add_jobs(recent + timedelta(minutes=10), 3, scoring=older_release)

    staging = make_staging(old_traffic)
    # The athlete-ally service exposes no scoring-error count: INCOMPLETE for that one alone.
    healthy = "GO" if staging.profile == RUNBOOK else "INCOMPLETE"
    verdicts = []
    for _ in range(3):
        run = run_suite(tmp_path, staging.env, "--allow-incomplete", timeout_s=300)
        predicate = _predicate(tmp_path)
        verdicts.append(predicate["verdict"])
        assert (run.exit_code, predicate["failedTests"]) == (0, []), run.output[-3000:]
    assert verdicts == [healthy] * 3
    assert predicate["deployedAt"]["source"] != ""
    with sqlite3.connect(tmp_path / "reports" / "history.sqlite") as history:
        kept = history.execute("SELECT verdict, measured FROM runs ORDER BY id").fetchall()
    assert [verdict for verdict, _ in kept] == [healthy] * 3
    measured = json.loads(kept[-1][1])
    since = measured["jobs"]["since"]  # the run's own plans; the old jobs are none of them
    assert (since["failed"], since["scored"]) == (0, since["jobs"]), measured["jobs"]
    assert set(measured["queries_ms"]) >= {"movement count", "recent scoring"}
    assert measured["scores"]["total"]["count"] >= 12
    page = (tmp_path / "reports" / "signoff.html").read_text()
    assert "Last runs on this target (3)" in page
    assert "Before and since the deploy" in page


def _released(staging: Staging, folder: Path, before: dict, after: dict) -> dict:
    """A release deployed 2 hours ago: 100 jobs of the hour before it (`before`), 100 after it
    (`after`), then the suite, told the deploy time. Its verdict.json predicate."""
    deployed = datetime.now(UTC) - timedelta(hours=2)
    staging.add_jobs(deployed - timedelta(minutes=110), 100, **before)
    staging.add_jobs(deployed + timedelta(minutes=5), 100, **after)
    env = {**staging.env, "PLANNING_DEPLOYED_AT": deployed.isoformat()}
    run = run_suite(folder, env, "--allow-incomplete", timeout_s=300)
    assert run.exit_code == 1, run.output[-3000:]
    return _predicate(folder)


def test_a_failure_rate_from_1_to_10_percent_is_no_go(make_staging, tmp_path: Path) -> None:
    predicate = _released(make_staging(), tmp_path, {"failed": 1}, {"failed": 10})
    assert [c["cause"] for c in predicate["causes"]] == [
        "plan jobs fail more often since the deploy"
    ]
    assert _criterion(predicate, "No increase in error rates")["status"] == "failed"
    finding = predicate["causes"][0]["finding"]
    assert "1 of 100 (1.0%) before the deploy" in finding, finding
    assert "Fisher's exact test" in finding and "p = " in finding, finding


def test_a_doubled_job_latency_is_no_go(make_staging, tmp_path: Path) -> None:
    predicate = _released(make_staging(), tmp_path, {"latency_s": 2.0}, {"latency_s": 4.0})
    assert [c["cause"] for c in predicate["causes"]] == ["plan jobs are slower since the deploy"]
    assert _criterion(predicate, "No performance regressions")["status"] == "failed"
    finding = predicate["causes"][0]["finding"]
    assert "Mann-Whitney U" in finding and "median 2." in finding, finding


def _watch(env: dict[str, str], folder: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "readiness.run", "watch", "--reports-dir", str(folder), *args],
        cwd=REPO,
        env={**_base_env(), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _base_env() -> dict[str, str]:
    import os

    from support.suite_runner import SUITE_VARIABLES

    return {k: v for k, v in os.environ.items() if k not in SUITE_VARIABLES}


def test_a_watch_raises_the_alert_in_the_round_after_a_movement_is_deleted(
    make_staging, tmp_path: Path
) -> None:
    staging = make_staging()
    watch = _watch(staging.env, tmp_path / "reports", "--every", "5", "--for", "15")
    assert watch.stdout is not None
    lines = []
    for line in watch.stdout:  # read until round 1 is done, then break the library
        lines.append(line)
        if line.startswith("round 1"):
            break
    with psycopg.connect(staging.dsn, autocommit=True) as conn:
        conn.execute(
            "DELETE FROM movement_library WHERE ctid = (SELECT ctid FROM movement_library LIMIT 1)"
        )
    rest, _ = watch.communicate(timeout=120)
    output = "".join(lines) + rest
    assert watch.returncode == 1, output
    assert "round 1" in output and ": OK" in output.splitlines()[1], output
    assert "round 2" in output and "Movement count drops below 8" in output, output
    assert "round 3" not in output, output
    page = (tmp_path / "reports" / "trend.html").read_text()
    table = page.split('id="trend-table"')[1]
    row = next(r for r in table.split("<tr>") if "round 2" in r)
    assert "ALERT" in row and "7 published movements" in row, row


def test_a_watch_without_alerts_exits_0_and_a_silent_target_is_a_data_point(
    make_staging, tmp_path: Path
) -> None:
    staging = make_staging()
    staging.engine.stop()  # the API refuses connections: each round says so and goes on
    started = time.monotonic()
    watch = _watch(
        {**staging.env, "PLANNING_API_DOWN_S": "1"},
        tmp_path / "reports",
        "--every",
        "1",
        "--for",
        "2",
        "--plans",
        "0",
    )
    output, _ = watch.communicate(timeout=120)
    assert watch.returncode == 0, output
    assert output.count("NO ANSWER") == 2, output
    assert time.monotonic() - started < 60
    assert "NO ANSWER" in (tmp_path / "reports" / "trend.html").read_text()


def test_ctrl_c_ends_a_watch_cleanly_with_its_page_written(make_staging, tmp_path: Path) -> None:
    staging = make_staging()
    watch = _watch(staging.env, tmp_path / "reports", "--every", "1", "--for", "600")
    assert watch.stdout is not None
    for line in watch.stdout:
        if line.startswith("round 1"):
            break
    watch.send_signal(signal.SIGINT)
    rest, _ = watch.communicate(timeout=60)
    assert watch.returncode == 2, rest
    assert "watch interrupted after" in rest and "Traceback" not in rest, rest
    assert "round 1" in (tmp_path / "reports" / "trend.html").read_text()
