"""Fixtures of the project's own tests: one embedded Postgres per session, a database per test."""

from collections.abc import Iterator

import psycopg
import pytest

from planning_engine.embedded_postgres import EmbeddedPostgres


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


def table_counts(conn: psycopg.Connection) -> dict[str, int]:
    """Row counts of every table an import may write to."""
    tables = ("movement_library", "movement_staging", "movement_audit_log")
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}  # type: ignore[index]


def audit_actions(conn: psycopg.Connection) -> dict[str, int]:
    return dict(
        conn.execute("SELECT action, count(*) FROM movement_audit_log GROUP BY 1").fetchall()
    )
