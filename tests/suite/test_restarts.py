"""A restart is not an outage: the runbook's own procedure restarts the service, and a staging
restarted while the suite runs (a second or two refusing connections) is still GO. Only an API
that stays unreachable longer than PLANNING_API_DOWN_S is a cause."""

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from readiness.target.engine_process import EngineProcess
from support.known_secrets import JWT_SECRET
from support.suite_runner import SuiteRun, run_suite

ENGINE_ENV = {"PLANNING_JWT_SECRET": JWT_SECRET, "FEATURE_V1_PLANNING_SCORING": "true"}


def _first_job(dsn: str, within_s: float = 60) -> None:
    """Until the suite has asked the engine for its first plan (a row in plan_jobs)."""
    deadline = time.monotonic() + within_s
    with psycopg.connect(dsn, autocommit=True) as conn:
        while conn.execute("SELECT count(*) FROM plan_jobs").fetchone()[0] == 0:  # type: ignore[index]
            assert time.monotonic() < deadline, "the suite never requested a plan"
            time.sleep(0.02)


def _run_while(dsn: str, tmp_path: Path, env: dict[str, str], during) -> SuiteRun:
    """The suite against the staging; `during()` runs once its first plan was requested."""
    with ThreadPoolExecutor(1) as pool:
        run = pool.submit(run_suite, tmp_path, env)
        _first_job(dsn)
        during()
        return run.result()


@pytest.fixture
def staging(seeded_dsn: str, tmp_path: Path, staging_suite_env):
    engine = EngineProcess(seeded_dsn, tmp_path / "engine" / "engine.log", ENGINE_ENV).start()
    started = [engine]
    yield engine, staging_suite_env(engine), started
    for each in started:
        each.stop()


def test_an_engine_restarted_mid_run_is_still_go(staging, seeded_dsn: str, tmp_path: Path) -> None:
    engine, env, started = staging

    def restart() -> None:
        engine.stop()  # the old process drains and exits: its port refuses connections
        again = EngineProcess(seeded_dsn, engine.log_file, ENGINE_ENV, port=engine.port).start(
            wait=False
        )
        started.append(again)

    run = _run_while(seeded_dsn, tmp_path / "run", env, restart)
    assert (run.exit_code, run.with_status("failed")) == (0, {}), run.output[-3000:]
    assert "Readiness verdict: GO" in run.output


def test_an_api_down_longer_than_the_limit_is_one_cause(
    staging, seeded_dsn: str, tmp_path: Path
) -> None:
    engine, env, _ = staging
    started = time.monotonic()
    run = _run_while(seeded_dsn, tmp_path / "run", {**env, "PLANNING_API_DOWN_S": "2"}, engine.stop)
    assert run.exit_code == 1
    verdict = run.output[run.output.index("Readiness verdict: NO-GO") :].splitlines()
    assert verdict[1].startswith("  cause 1/1: the planning API does not answer"), verdict
    assert "for 2 s" in verdict[1]
    assert time.monotonic() - started < 60
