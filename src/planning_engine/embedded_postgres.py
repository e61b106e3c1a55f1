"""A throwaway Postgres for tests and for the suite's embedded target, started with pgserver.

One server per process tree; each user gets its own database, cloned from a migrated
template so that a fresh, fully migrated database costs one `CREATE DATABASE` (~50 ms).
`PLANNING_TEST_DATABASE_URL` points everything at an existing server instead.
"""

import os
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from planning_engine.migrate import migrate

TEST_SERVER_VARIABLE = "PLANNING_TEST_DATABASE_URL"
TEMPLATE_DATABASE = "planning_template"
_TEMPLATE_LOCK = threading.Lock()  # threads of one process (e.g. a test running rows in parallel)


def with_database(dsn: str, dbname: str) -> str:
    """The same server and credentials, another database."""
    return make_conninfo(dsn, dbname=dbname)


@dataclass
class EmbeddedPostgres:
    """A Postgres server (pgserver-started or given) that hands out fresh migrated databases."""

    server_dsn: str
    _server: Any = None
    _template_ready: bool = False
    _created: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, data_dir: Path | None = None) -> "EmbeddedPostgres":
        external = os.environ.get(TEST_SERVER_VARIABLE)
        if external:
            return cls(server_dsn=external)
        import pgserver  # imported lazily: only the embedded mode needs its binaries

        folder = data_dir or Path(tempfile.mkdtemp(prefix="planning-pg-"))
        server = pgserver.get_server(folder, cleanup_mode="stop")  # type: ignore[attr-defined]
        return cls(server_dsn=server.get_uri(), _server=server)

    @property
    def host(self) -> str:
        return str(conninfo_to_dict(self.server_dsn).get("host", ""))

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(self.server_dsn, autocommit=True, connect_timeout=5)

    @classmethod
    def attach(cls, server_dsn: str) -> "EmbeddedPostgres":
        """Another process's server whose template is ready (e.g. a pytest-xdist worker's view)."""
        return cls(server_dsn=server_dsn, _template_ready=True)

    def prepare_template(self) -> None:
        self._ensure_template()

    def _ensure_template(self) -> None:
        with _TEMPLATE_LOCK:
            self._create_template()

    def _create_template(self) -> None:
        if self._template_ready:
            return
        with self.admin() as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (TEMPLATE_DATABASE,)
            ).fetchone()
            if not exists:
                conn.execute(
                    sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE_DATABASE))
                )
        with psycopg.connect(with_database(self.server_dsn, TEMPLATE_DATABASE)) as conn:
            migrate(conn)
        self._template_ready = True

    def create_database(self, prefix: str = "planning", migrated: bool = True) -> str:
        """A new empty (or migrated) database; returns its DSN."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        if migrated:
            self._ensure_template()
        clause = (
            sql.SQL(" TEMPLATE {}").format(sql.Identifier(TEMPLATE_DATABASE))
            if migrated
            else sql.SQL("")
        )
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)) + clause
        for attempt in range(5):
            try:
                with self.admin() as conn:
                    conn.execute(statement)
                break
            except psycopg.errors.ObjectInUse:
                # Another process is cloning the template at this instant; it takes milliseconds.
                if attempt == 4:
                    raise
                time.sleep(0.05 * (attempt + 1))
        self._created.append(name)
        return with_database(self.server_dsn, name)

    def drop_database(self, dsn: str) -> None:
        name = str(conninfo_to_dict(dsn)["dbname"])
        with self.admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def pause(self) -> None:
        """Stop the server but keep its data: the outage half of a restart drill."""
        from pgserver._commands import pg_ctl  # type: ignore[attr-defined]

        pg_ctl(
            ["-w", "-m", "fast", "stop"],
            pgdata=self._server.pgdata,
            user=self._server.system_user,
            timeout=30,
        )

    def resume(self) -> None:
        self._server.ensure_postgres_running()

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None


def client_binary(name: str) -> Path:
    """A Postgres client program (psql, pg_dump) shipped in pgserver's wheel."""
    import pgserver

    return Path(pgserver.__file__).parent / "pginstall" / "bin" / name
