"""A throwaway Postgres for tests and for the suite's embedded target, started with pgserver.

One server per process tree; each user gets its own database, cloned from a migrated
template so that a fresh, fully migrated database costs one `CREATE DATABASE` (~50 ms).
`PLANNING_TEST_DATABASE_URL` points everything at an existing server instead.

The server itself starts from a *template cluster* (`engine_sandbox.template_cluster`): a
copy of a stopped, migrated cluster kept in the user's cache, built once per machine.
"""

import contextlib
import os
import signal
import threading
import time
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from engine_sandbox import workspace
from engine_sandbox.template_cluster import (
    clear,
    fill_from_template,
    forget_failed_server,
    forget_template,
    is_empty,
    load_pgserver,
)
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
    _folder: Path | None = None  # a temp folder `start` made, deleted by `stop`
    origin: str = "external server"  # how the cluster came to be: for benchmarks and reports

    @classmethod
    def start(
        cls, data_dir: Path | None = None, from_template: bool = True, in_memory: bool = False
    ) -> "EmbeddedPostgres":
        """`_start`, without pgserver's platformdirs notice: where XDG_RUNTIME_DIR is unset (CI,
        containers) platformdirs warns about the folder of pgserver's own lock file. Nothing
        to act on, and under `-W error` it would fail every scenario."""
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module="platformdirs")
            return cls._start(data_dir, from_template, in_memory)

    @classmethod
    def _start(
        cls, data_dir: Path | None, from_template: bool, in_memory: bool
    ) -> "EmbeddedPostgres":
        """A server on `data_dir`; if None, on a new temp folder deleted by `stop`, in RAM if
        `in_memory` and there is room (see `workspace`). RAM is for a cluster known to stay
        small, such as the suite's target (~150 MB): a benchmark's may grow to gigabytes.

        An empty or missing `data_dir` is filled with a copy of the machine's template cluster
        (built first if there is none for this Postgres and these migrations); with
        `from_template=False`, or when the cache cannot be used, it is `initdb`-ed as before.
        A `data_dir` that already holds a cluster is started as it is."""
        external = os.environ.get(TEST_SERVER_VARIABLE)
        if external:
            return cls(server_dsn=external)
        pgserver = load_pgserver()  # imported lazily: only the embedded mode needs its binaries

        owned = None
        if data_dir is None:
            owned = workspace.create("pg", in_memory=in_memory)
            data_dir = owned / "pgdata"
        try:
            origin, copied = "initdb", False
            if from_template and is_empty(data_dir):
                origin, copied = fill_from_template(data_dir)
            elif (data_dir / "PG_VERSION").exists():
                origin = "existing cluster"
            try:
                server = pgserver.get_server(data_dir, cleanup_mode="stop")
            except Exception as error:
                if not copied:
                    raise
                # A cached cluster that does not start (damaged on disk?) must not fail every
                # run: forget it, and initdb this once.
                forget_failed_server(data_dir)
                clear(data_dir)
                forget_template()
                origin, copied = f"initdb (the template cluster did not start: {error})", False
                server = pgserver.get_server(data_dir, cleanup_mode="stop")
        except BaseException:
            if owned is not None:
                workspace.remove(owned)
            raise
        return cls(
            server_dsn=server.get_uri(),
            _server=server,
            _template_ready=copied,
            _folder=owned,
            origin=origin,
        )

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
        load_pgserver()
        from pgserver._commands import pg_ctl  # type: ignore[attr-defined]

        pg_ctl(
            ["-w", "-m", "fast", "stop"],
            pgdata=self._server.pgdata,
            user=self._server.system_user,
            timeout=30,
        )

    def resume(self) -> None:
        self._server.ensure_postgres_running()

    def stop(self, discard: bool = False) -> None:
        """Stop the server. With `discard` (always for a folder `start` made) the data is about
        to be deleted, so the shutdown is immediate: no checkpoint writing out what nobody will
        read. The folder `start` made is deleted here."""
        if self._server is not None:
            if discard or self._folder is not None:
                self._stop_immediately()
            self._server.cleanup()
            self._server = None
        if self._folder is not None:
            workspace.remove(self._folder)
            self._folder = None

    def _stop_immediately(self) -> None:
        """What `pg_ctl stop -m immediate` does (SIGQUIT to the postmaster), without pg_ctl's
        100 ms polling; pgserver is then told the server is down, so that its own clean-up only
        drops its handle. The socket folder pgserver made outside the data dir, if any, goes."""
        import psutil

        info = self._server._postmaster_info
        if info is None or info.process is None:
            return
        with contextlib.suppress(psutil.NoSuchProcess):
            info.process.send_signal(signal.SIGQUIT)
        if workspace.wait_gone([info.process], timeout_s=30):
            with contextlib.suppress(psutil.NoSuchProcess):
                info.process.kill()
            workspace.wait_gone([info.process], timeout_s=10)
        self._server._postmaster_info = None
        socket_dir = info.socket_dir
        if socket_dir is not None and not Path(socket_dir).is_relative_to(self._server.pgdata):
            with contextlib.suppress(OSError):
                Path(socket_dir).rmdir()


# -- the template cluster --------------------------------------------------------------------
