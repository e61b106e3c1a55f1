"""Fixtures of the project's own tests: one embedded Postgres per session, a database per test."""

import importlib.util
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from planning_engine.embedded_postgres import EmbeddedPostgres

# What the project's own tests use beyond the default install (the dev extra).
DEV_MODULES = ("hypothesis", "schemathesis", "coverage", "yaml", "jsonschema")


def _missing(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):  # a parent package missing, or blocked
        return True


def pytest_configure(config: pytest.Config) -> None:
    """Bare `pytest` after the default install: one line naming the extra, not a collection
    error per module that imports what only the dev extra installs."""
    missing = [module for module in DEV_MODULES if _missing(module)]
    if missing:
        raise pytest.UsageError(
            f"the project's own tests need the dev extra ({', '.join(missing)} missing): "
            'pip install -e ".[dev]"; `pytest features/` runs the readiness suite alone'
        )


# The tests run the suite in subprocesses on the embedded engine; the CI they themselves run
# under must not make those runs CI gates (refused without a staging). A test of that refusal
# sets CI itself.
os.environ.pop("CI", None)


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres.start(tmp_path_factory.mktemp("pg"))
    yield server
    server.stop()


@pytest.fixture
def dsn(postgres: EmbeddedPostgres) -> Iterator[str]:
    """A fresh, migrated database of its own for one test."""
    database = postgres.create_database("test")
    yield database
    postgres.drop_database(database)


@pytest.fixture
def bare_dsn(postgres: EmbeddedPostgres) -> Iterator[str]:
    """A fresh database with no schema at all (what a new staging looks like)."""
    database = postgres.create_database("bare", migrated=False)
    yield database
    postgres.drop_database(database)


@pytest.fixture
def seeded_dsn(dsn: str) -> str:
    """A fresh database holding the foundational movement library, as a seeded staging's."""
    from planning_engine.seeding import seed_foundational

    with psycopg.connect(dsn) as conn:
        seed_foundational(conn)
    return dsn


@pytest.fixture
def db(dsn: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        yield conn


class CliResult:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


@pytest.fixture
def engine_cli(capsys: pytest.CaptureFixture[str]):
    """Run `planning-engine ARGS` in-process and capture what a user would see."""
    from planning_engine.cli import main

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def run_at_once(work: Callable[[], object], count: int) -> list[BaseException]:
    """`work` in `count` threads at once; what they raised (none: an empty list)."""
    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(work) for _ in range(count)]
    return [error for future in futures if (error := future.exception()) is not None]


def table_counts(conn: psycopg.Connection) -> dict[str, int]:
    """Row counts of every table an import may write to."""
    tables = ("movement_library", "movement_staging", "movement_audit_log")
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}  # type: ignore[index]


def audit_actions(conn: psycopg.Connection) -> dict[str, int]:
    return dict(
        conn.execute("SELECT action, count(*) FROM movement_audit_log GROUP BY 1").fetchall()
    )


JWT_SECRET = "test-secret-for-the-engine-0123456789abcdef"


@pytest.fixture
def start_engine(postgres: EmbeddedPostgres, tmp_path_factory: pytest.TempPathFactory):
    """Start `planning-engine serve` (or `worker`) processes; all are stopped after the test."""
    from readiness.target.engine_process import EngineProcess

    started: list[EngineProcess] = []

    def start(
        dsn: str, healthy: bool = True, command: str = "serve", workers: int = 4, **env: str
    ) -> EngineProcess:
        environment = {
            "PLANNING_JWT_SECRET": JWT_SECRET,
            "FEATURE_V1_PLANNING_SCORING": "true",
            **env,
        }
        log_file = tmp_path_factory.mktemp("engine") / "engine.log"
        engine = EngineProcess(dsn, log_file, environment, command=command, workers=workers)
        started.append(engine)
        return engine.start(healthy=healthy)

    yield start
    for engine in started:
        engine.stop()


def bearer(user: str, secret: str = JWT_SECRET) -> dict[str, str]:
    from planning_engine.auth import mint_token

    return {"Authorization": f"Bearer {mint_token(user, secret)}"}


def plan_request(user: str = "test-user", **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "userId": user,
        "weeklyGoalDays": 4,
        "availabilityDays": 4,
        "goals": ["strength"],
        "experience": "intermediate",
    }
    body.update(changes)
    return body


def wait_for_job(
    url: str,
    job_id: str,
    headers: dict[str, str],
    within_s: float = 15.0,
    until: tuple[str, ...] = ("completed", "failed"),
) -> dict[str, object]:
    """Poll the job until it reaches a final status, with a deadline."""
    import time

    import httpx

    deadline = time.monotonic() + within_s
    while True:
        job = httpx.get(f"{url}/api/plans/jobs/{job_id}", headers=headers, timeout=5).json()
        if job.get("status") in until:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job.get('status')} after {within_s} s")
        time.sleep(0.02)


STAGING_DB_PASSWORD = "Dsn-Pa55word-known"
STAGING_LD_KEY = "sdk-known-launchdarkly-key-000"


@pytest.fixture
def staging_suite_env(dsn: str):
    """The suite's environment for a staging made of `dsn` and a given engine (`staging_settings`)."""

    def env_for(engine) -> dict[str, str]:
        return staging_settings(engine, dsn)

    return env_for


def staging_settings(engine, dsn: str) -> dict[str, str]:
    """The suite's settings for a staging made of `dsn` and `engine`, with known secret values so
    tests can prove they never leak."""
    from psycopg.conninfo import make_conninfo

    from planning_engine.auth import mint_token

    return {
        "PLANNING_API_URL": engine.url,
        # The embedded server trusts local users: a password in the DSN is accepted and ignored,
        # which is enough to prove it never reaches a report.
        "PLANNING_DATABASE_URL": make_conninfo(dsn, password=STAGING_DB_PASSWORD),
        "PLANNING_API_TOKEN": mint_token("qa-user", JWT_SECRET),
        "PLANNING_API_TOKEN_2": mint_token("qa-other-user", JWT_SECRET),
        "PLANNING_ENGINE_LOG_FILE": str(engine.log_file),
        "PLANNING_JWT_SECRET": JWT_SECRET,
        "LAUNCHDARKLY_SDK_KEY": STAGING_LD_KEY,
    }


@pytest.fixture
def staging_env(start_engine, dsn: str, staging_suite_env) -> dict[str, str]:
    """An engine and a seeded database the suite did not start, like a real staging."""
    from planning_engine.seeding import seed_foundational

    with psycopg.connect(dsn) as conn:
        seed_foundational(conn, actor="ops")
    return staging_suite_env(start_engine(dsn))


@contextmanager
def password_login(postgres: EmbeddedPostgres, role: str) -> Iterator[str]:
    """A superuser role that must log in with a password (the embedded server trusts local users)."""
    if postgres._server is None:
        pytest.skip("PLANNING_TEST_DATABASE_URL server: its pg_hba.conf is not ours to change")
    with postgres.admin() as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN SUPERUSER PASSWORD 'right-password'")
        hba = Path(conn.execute("SHOW hba_file").fetchone()[0])  # type: ignore[index]
        original = hba.read_text()
        hba.write_text(f"local all {role} scram-sha-256\n" + original)
        conn.execute("SELECT pg_reload_conf()")
    try:
        yield role
    finally:
        with postgres.admin() as conn:
            hba.write_text(original)
            conn.execute("SELECT pg_reload_conf()")
            conn.execute(f"DROP ROLE {role}")


def restore_with_psql(dsn: str, dump: Path) -> None:
    """Load a seed dump the way an operator would: plain psql, stopping at the first error."""
    import subprocess

    from planning_engine.embedded_postgres import client_binary

    subprocess.run(
        [
            str(client_binary("psql")),
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            dsn,
            "-f",
            str(dump),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
