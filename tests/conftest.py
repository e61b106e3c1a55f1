"""Fixtures of the project's own tests: one embedded Postgres per session, a database per test."""

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from engine_sandbox.embedded_postgres import EmbeddedPostgres
from support.dev_extra import check_dev_extra
from support.known_secrets import JWT_SECRET
from support.staging import staging_settings


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """`pytest` with no paths (every test, as the README and .ci/run say) runs on one process per
    core, up to four, file by file (pytest-xdist's loadfile: a module's shared fixtures, such as
    the fault matrix, are built once). These tests spend most of their time waiting on engines,
    Postgres and suite runs in subprocesses: on two cores the run takes 15 minutes instead of 25.
    `-n N` (`-n 0`: one process) decides otherwise; `pytest PATH ...`, `pytest features/`, `-s`,
    `--pdb` and `--collect-only` stay in one process.

    Called before pytest-xdist's own hook (both try first; a conftest, registered later, goes
    first), and only because this conftest is an initial one: it sits in `testpaths`."""
    if (
        config.args_source is not pytest.Config.ArgsSource.TESTPATHS
        or not config.pluginmanager.hasplugin("xdist")
        or hasattr(config, "workerinput")
        or config.option.numprocesses is not None
        or config.option.dist != "no"
        or config.option.collectonly
        or config.option.usepdb
        or config.option.capture == "no"  # -s: the user watches the output as it comes
    ):
        return
    cores = len(os.sched_getaffinity(0))
    if cores >= 2:
        config.option.numprocesses = min(cores, 4)
        config.option.dist = "loadfile"


def pytest_configure(config: pytest.Config) -> None:
    check_dev_extra()
    for tier, meaning in TIERS.items():
        config.addinivalue_line("markers", f"{tier}: {meaning}")


# The project's tests in three tiers, marked at collection: `pytest -m unit` is the fast lane.
TIERS = {
    "unit": "no Postgres, no server, no subprocess of the suite or the engine (the fast lane)",
    "integration": "a real Postgres: the embedded one, a database per test",
    "e2e": "the engine or the suite in a subprocess, over real HTTP",
}
# What makes a test end to end: an engine process, or the suite run as QA runs it.
E2E_FIXTURES = {"start_engine", "staging_env", "staging_suite_env"}
E2E_NAMES = ("run_suite", "EngineProcess", "Popen", "subprocess")
TESTS = Path(__file__).parent


def _tier(item: pytest.Item) -> str:
    names = set(getattr(item, "fixturenames", ()))
    module = getattr(item, "module", None)
    uses = vars(module) if module is not None else {}
    if names & E2E_FIXTURES or any(name in uses for name in E2E_NAMES):
        return "e2e"
    if "postgres" in names:
        return "integration"
    return "unit"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Each of the project's tests gets its tier, and its warnings are errors (the suite's
    scenarios, in features/, are left alone: a library's warning is no staging's fault)."""
    for item in items:
        if TESTS not in item.path.parents:
            continue
        item.add_marker(_tier(item))
        item.add_marker(pytest.mark.filterwarnings("error"))


@pytest.fixture(autouse=True)
def _unit_means_no_postgres(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A test marked unit that starts a Postgres is marked wrongly: it fails, saying so."""
    if request.node.get_closest_marker("unit") is None:
        return

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a unit test started a Postgres: it belongs to the integration tier")

    monkeypatch.setattr(EmbeddedPostgres, "start", refuse)


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


@pytest.fixture
def staging_suite_env(dsn: str):
    """The suite's environment for a staging made of `dsn` and a given engine (`staging_settings`)."""

    def env_for(engine) -> dict[str, str]:
        return staging_settings(engine, dsn)

    return env_for


@pytest.fixture
def staging_env(start_engine, dsn: str, staging_suite_env) -> dict[str, str]:
    """An engine and a seeded database the suite did not start, like a real staging."""
    from planning_engine.seeding import seed_foundational

    with psycopg.connect(dsn) as conn:
        seed_foundational(conn, actor="ops")
    return staging_suite_env(start_engine(dsn))
