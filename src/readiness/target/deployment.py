"""The deployment under test: a real staging, or the embedded engine the suite boots itself.

The embedded target is what a freshly deployed staging looks like after the runbook's
Phases 1-3: Postgres with the schema migrated and the foundational movements seeded, and
the engine serving with the scoring flag on. Only a target the suite started (or one the
user opted in for) is ever reconfigured or written to destructively.
"""

import secrets
import tempfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import psycopg

from engine_sandbox import workspace
from engine_sandbox.embedded_postgres import EmbeddedPostgres
from planning_engine.auth import mint_token
from planning_engine.migrate import migrate
from planning_engine.seeding import seed_foundational
from readiness.api_profiles import ATHLETE_ALLY as ATHLETE_ALLY_API
from readiness.api_profiles import RUNBOOK as RUNBOOK_API
from readiness.api_profiles import VARIABLE as API_PROFILE_VARIABLE
from readiness.config import SuiteConfig, token_subject
from readiness.schema_profiles import BASE_PROFILE
from readiness.schema_profiles import VARIABLE as PROFILE_VARIABLE
from readiness.target.engine_log import EngineLog
from readiness.target.engine_process import EngineProcess

OTHER_USER = "other-user"
SECOND_TOKEN_USER = "the PLANNING_API_TOKEN_2 user"  # an opaque token names no user


@dataclass(kw_only=True)
class Target:
    """What every scenario reads of the deployment under test, wherever it runs: its API, its
    database, its log, the test user and their tokens. `StagingTarget` is a deployment the
    suite was pointed at; `EmbeddedTarget` one it booted, and so may also change."""

    mode: ClassVar[str]
    controlled: ClassVar[bool]  # started by the suite: it may restart it, make databases
    api_url: str
    dsn: str = field(repr=False)  # a DSN may carry a password: never in a repr
    plan_user: str
    log: EngineLog | None
    # The schema profile of its databases: for a staging, the one the configuration forces,
    # else None (the database probe detects it).
    schema_profile: str | None = None
    # The API profile its engine serves: for a staging, the one the configuration forces, else
    # None (detected from its answers).
    api_profile: str | None = None

    @property
    def other_user(self) -> str | None:
        raise NotImplementedError

    def token_for(self, user: str) -> str | None:
        raise NotImplementedError

    @property
    def signing_key(self) -> str | None:
        """The key the API checks tokens with, where the suite knows it."""
        raise NotImplementedError

    @property
    def token(self) -> str:
        token = self.token_for(self.plan_user)
        assert token is not None
        return token

    @property
    def engine_ready(self) -> bool:
        return True

    def await_engine(self) -> None:
        """Wait until the target's engine serves (a staging's is, or is down: not waited for)."""

    def stop(self) -> None:
        """Release what the suite started for this target (nothing, for a staging)."""


@dataclass(kw_only=True)
class StagingTarget(Target):
    """A deployment the suite was pointed at: it reads it and writes test plans, with the
    tokens it was given; it never reconfigures it."""

    mode: ClassVar[str] = "staging"
    controlled: ClassVar[bool] = False
    tokens: dict[str, str] = field(default_factory=dict, repr=False)
    # The staging's signing key, given only to try tokens the API must refuse (never to mint
    # the tokens the suite uses: those are the staging's own).
    staging_key: str | None = field(default=None, repr=False)

    @property
    def other_user(self) -> str | None:
        return next((user for user in self.tokens if user != self.plan_user), None)

    def token_for(self, user: str) -> str | None:
        return self.tokens.get(user)

    @property
    def signing_key(self) -> str | None:
        return self.staging_key


@dataclass(kw_only=True)
class EmbeddedTarget(Target):
    """The reference engine the suite booted on its own Postgres: it mints its tokens, and
    offers what only a controlled target can (scratch databases, more engines, restarts)."""

    mode: ClassVar[str] = "embedded"
    controlled: ClassVar[bool] = True
    jwt_secret: str = field(repr=False)
    postgres: EmbeddedPostgres = field(repr=False)
    workdir: Path
    owns_server: bool = True
    engines: list[EngineProcess] = field(default_factory=list, repr=False)
    engine_starting: Callable[[], object] | None = field(default=None, repr=False)
    drill_engine: "Future[tuple[str, EngineProcess]] | None" = field(default=None, repr=False)

    @property
    def other_user(self) -> str | None:
        return OTHER_USER

    def token_for(self, user: str) -> str | None:
        return mint_token(user, self.jwt_secret, athlete_ally=self.api_profile == ATHLETE_ALLY_API)

    @property
    def signing_key(self) -> str | None:
        return self.jwt_secret

    @property
    def engine_ready(self) -> bool:
        return self.engine_starting is None

    def await_engine(self) -> None:
        """Wait until the engine serves: booted without waiting (see `boot_embedded`), its
        database is usable before the engine is, so the scenarios that need only the database
        need not wait."""
        if self.engine_starting is not None:
            self.engine_starting()
            self.engine_starting = None

    def scratch_database(self, migrated: bool = True) -> str:
        """A new database on the target's Postgres server, for rehearsals that must not touch the target."""
        return create_database(self.postgres, "rehearsal", migrated, self.profile_name)

    @property
    def profile_name(self) -> str:
        return self.schema_profile or BASE_PROFILE

    def start_engine(
        self, dsn: str, workers: int = 2, wait: bool = True, **env: str
    ) -> EngineProcess:
        """Another engine process (e.g. with the flag off) on a database of our choosing."""
        environment = {
            "PLANNING_JWT_SECRET": self.jwt_secret,
            "FEATURE_V1_PLANNING_SCORING": "true",
            PROFILE_VARIABLE: self.profile_name,
            API_PROFILE_VARIABLE: self.api_profile or RUNBOOK_API,
            **env,
        }
        log_file = Path(tempfile.mkdtemp(dir=self.workdir)) / "engine.log"
        engine = EngineProcess(dsn, log_file, environment, workers=workers).start(wait=wait)
        self.engines.append(engine)
        return engine

    def start_drill_engine(self) -> None:
        """Spawn, in the background, the scoring rollback drill's flag-on engine on a seeded
        scratch database of its own: its start-up then overlaps the run's other scenarios
        instead of adding to the run (`take_drill_engine`)."""
        pool = ThreadPoolExecutor(1, thread_name_prefix="drill-engine")
        self.drill_engine = pool.submit(self._seeded_engine)
        pool.shutdown(wait=False)  # its one thread ends with its one task

    def _seeded_engine(self) -> tuple[str, EngineProcess]:
        dsn = self.scratch_database(migrated=True)
        with psycopg.connect(dsn) as conn:
            seed_foundational(conn, actor="readiness-suite", profile=self.profile_name)
        return dsn, self.start_engine(dsn, wait=False, FEATURE_V1_PLANNING_SCORING="true")

    def take_drill_engine(self) -> tuple[str, EngineProcess] | None:
        """The drill's engine spawned at boot, serving (None if none was, or it failed to)."""
        spawned, self.drill_engine = self.drill_engine, None
        if spawned is None or spawned.exception() is not None:
            return None
        dsn, engine = spawned.result()
        engine.await_health()
        return dsn, engine

    def shared(self) -> dict[str, str]:
        """What pytest-xdist workers need to reach this embedded target; the signing key is not in it."""
        return {
            "api_url": self.api_url,
            "dsn": self.dsn,
            "plan_user": self.plan_user,
            "log": str(self.log.path) if self.log else "",
            "server": self.postgres.server_dsn,
            "workdir": str(self.workdir),
            "schema_profile": self.profile_name,
            "api_profile": self.api_profile or RUNBOOK_API,
        }

    @classmethod
    def attach(
        cls,
        shared: dict[str, str],
        secret: str,
        engine_starting: Callable[[], object] | None = None,
    ) -> "EmbeddedTarget":
        """A worker's handle on the controller's embedded target; stopping it stops only its own engines."""
        return cls(
            api_url=shared["api_url"],
            dsn=shared["dsn"],
            plan_user=shared["plan_user"],
            log=EngineLog(path=Path(shared["log"])) if shared["log"] else None,
            jwt_secret=secret,
            postgres=EmbeddedPostgres.attach(shared["server"]),
            workdir=Path(shared["workdir"]),
            owns_server=False,
            engine_starting=engine_starting,
            schema_profile=shared["schema_profile"],
            api_profile=shared["api_profile"],
        )

    def stop(self) -> None:
        """Stop the engines this handle started (all at once: each takes a moment to drain) and,
        for the handle that booted the target, its Postgres; then delete the target's temp
        folder if this process made it. A pytest-xdist worker's handle leaves both to the
        controller, which owns them."""
        if self.drill_engine is not None:
            self.drill_engine.exception()  # an engine still being spawned is stopped too
        for engine in self.engines:
            engine.terminate()
        for engine in reversed(self.engines):
            engine.stop()
        if self.owns_server:
            self.postgres.stop(discard=True)  # its folder goes with it
            workspace.remove(self.workdir)


def create_database(postgres: EmbeddedPostgres, prefix: str, migrated: bool, profile: str) -> str:
    """A new database on the embedded server, migrated in `profile` if asked. The server's
    template is migrated in the runbook's profile; another profile migrates an empty one."""
    if profile == BASE_PROFILE or not migrated:
        return postgres.create_database(prefix, migrated=migrated)
    dsn = postgres.create_database(prefix, migrated=False)
    with psycopg.connect(dsn) as conn:
        migrate(conn, profile=profile)
    return dsn


def _staging_log(config: SuiteConfig) -> EngineLog | None:
    if config.log_file is not None:
        return EngineLog(path=config.log_file)
    if config.log_command is not None:
        return EngineLog(command=config.log_command)
    return None


def connect_staging(config: SuiteConfig) -> StagingTarget:
    assert config.api_url and config.database_url and config.api_token
    user = token_subject(config.api_token) or config.plan_user
    tokens = {user: config.api_token}
    if config.second_token:  # read_config made sure it is another user's
        tokens[token_subject(config.second_token) or SECOND_TOKEN_USER] = config.second_token
    return StagingTarget(
        api_url=config.api_url,
        dsn=config.database_url,
        plan_user=user,
        log=_staging_log(config),
        tokens=tokens,
        staging_key=config.signing_key,
        schema_profile=config.schema_profile,
        api_profile=config.api_profile,
    )


def boot_embedded(
    config: SuiteConfig,
    workdir: Path,
    secret: str | None = None,
    await_engine: bool = True,
    drill: bool = False,
) -> EmbeddedTarget:
    """Postgres (pgserver) + migrate + seed + `planning-engine serve` with the flag on.

    The server is a copy of the machine's template cluster, whose template database is
    already migrated (see `embedded_postgres`), so "migrate" is the clone of that database;
    the seeding runs here, every run, with this checkout's code and data.
    With `await_engine=False` it returns as soon as the engine is spawned; `await_engine()`
    on the target then waits for it to serve. With `drill`, the scoring rollback drill's own
    engine starts too, in the background (`EmbeddedTarget.start_drill_engine`)."""
    postgres = EmbeddedPostgres.start(in_memory=True)  # its own folder; ~150 MB at most
    profile = config.schema_profile or BASE_PROFILE
    try:
        dsn = create_database(postgres, "staging", True, profile)
        with psycopg.connect(dsn) as conn:
            seed_foundational(conn, actor="readiness-suite", profile=profile)
        secret = secret or secrets.token_urlsafe(32)
        target = EmbeddedTarget(
            api_url="",
            dsn=dsn,
            plan_user=config.plan_user,
            log=None,
            jwt_secret=secret,
            postgres=postgres,
            workdir=workdir,
            schema_profile=profile,
            api_profile=config.api_profile or RUNBOOK_API,
        )
        engine = target.start_engine(dsn, workers=4, wait=False)
        target.api_url, target.log = engine.url, EngineLog(path=engine.log_file)
        target.engine_starting = engine.await_health
        if drill:
            target.start_drill_engine()
        if await_engine:
            target.await_engine()
        return target
    except BaseException:
        postgres.stop(discard=True)
        raise
