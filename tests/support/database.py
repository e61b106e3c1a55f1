"""Database helpers of the tests: row counts, a role that needs a password, restoring a dump,
work started at the same instant."""

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from engine_sandbox.embedded_postgres import EmbeddedPostgres


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

    from engine_sandbox.template_cluster import client_binary

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
