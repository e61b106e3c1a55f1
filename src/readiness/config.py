"""The suite's configuration: environment variables and pytest options, read once.

A wrong or incomplete configuration stops the run before any scenario with one message
naming the variable and what was expected, instead of a slow cascade of failures.
"""

import contextlib
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import jwt
import pytest

from planning_engine.dsn import mask_dsn, read_dsn
from planning_engine.errors import ConfigurationError
from readiness.api_profiles import ATHLETE_ALLY as ATHLETE_ALLY_API
from readiness.api_profiles import VARIABLE as API_PROFILE_VARIABLE
from readiness.api_profiles import UnknownApiProfile, check_profile_name
from readiness.options import Options
from readiness.schema_profiles import VARIABLE as PROFILE_VARIABLE
from readiness.schema_profiles import UnknownProfile, load_profile
from readiness.since_deploy.comparison import Tolerances
from readiness.since_deploy.deploy_time import parse_deployed_at

FLAG_VARIABLE = "FEATURE_V1_PLANNING_SCORING"
# Variables that only mean something with PLANNING_API_URL (a staging to check).
STAGING_ONLY = (
    "PLANNING_DATABASE_URL",
    "PLANNING_API_TOKEN",
    "STAGING_TOKEN",
    "PLANNING_API_TOKEN_2",
    "PLANNING_ENGINE_LOG_COMMAND",
)


# What names the staging to check; under CI, all of them missing (or set but empty, as a CI
# secret that does not exist expands) is a gate with nothing to gate.
STAGING_VARIABLES = (
    "PLANNING_API_URL",
    "PLANNING_DATABASE_URL",
    "PLANNING_API_TOKEN",
    "STAGING_TOKEN",
)


# Raised at start-up: pytest prints a UsageError as one line and exits with code 4.
ConfigurationProblem = pytest.UsageError


@dataclass(frozen=True)
class SuiteConfig:
    """The run's settings. Its repr (which pytest, Allure and tracebacks print) holds no secret:
    the tokens are left out and the DSN is shown with its password masked."""

    api_url: str | None
    database_url: str | None = field(repr=False)
    api_token: str | None = field(default=None, repr=False)
    second_token: str | None = field(default=None, repr=False)
    # The staging's token signing key (PLANNING_JWT_SECRET): lets the security scenarios try
    # expired tokens and tokens for another audience or issuer. Never shown.
    signing_key: str | None = field(default=None, repr=False)
    log_file: Path | None = None
    log_command: str | None = None
    scoring_expected: bool = True
    allow_destructive: bool = False
    sla_ms: float = 500.0
    http_timeout_s: float = 10.0
    # How long the API may refuse connections (a restart) before it is called down.
    api_down_s: float = 15.0
    # How long the run's waiting jobs may all stay unmoved before the queue is called stuck.
    queue_stall_s: float = 15.0
    job_deadline_s: float = 60.0
    max_duration_s: float = 300.0
    plan_user: str = "test-user"
    # None: detected from the target's columns; the embedded target then runs the runbook's.
    schema_profile: str | None = None
    # None: detected from the target's answers; the embedded target then serves the runbook's.
    api_profile: str | None = None
    # When the release under test went live (--deployed-at); None: read from the target.
    deployed_at: datetime | None = None
    # Where the runs' history is kept (--history); None: the reports folder's history.sqlite
    # for a staging, none for the embedded target.
    history: Path | None = None
    tolerances: Tolerances = field(default_factory=Tolerances)
    # A query or job latency this much slower than at the last GO is a regression (0.5: 50 %).
    regression_tolerance: float = 0.5

    @property
    def embedded(self) -> bool:
        return self.api_url is None

    @property
    def database(self) -> str | None:
        """The DSN as it may be shown: password masked."""
        return mask_dsn(self.database_url) if self.database_url else None

    def __repr__(self) -> str:
        shown = {f.name: getattr(self, f.name) for f in fields(self) if f.repr}
        settings = ", ".join(f"{k}={v!r}" for k, v in {**shown, "database": self.database}.items())
        return f"SuiteConfig({settings})"

    def describe(self) -> str:
        if self.embedded:
            return "embedded target (booted by the suite)"
        return f"staging {self.api_url} with database {mask_dsn(self.database_url or '')}"


@dataclass(frozen=True)
class _Duration:
    """A positive number the suite waits or measures against, set by an option or a variable."""

    option: str  # pytest's dest, e.g. "sla_ms"
    flag: str
    variable: str
    default: float
    expected: str  # what the number means, in its unit


_SLA = _Duration(
    "sla_ms", "--sla-ms", "PLANNING_SLA_MS", 500.0, "the time limit for each runbook query in ms"
)
_JOB_DEADLINE = _Duration(
    "job_deadline",
    "--job-deadline",
    "PLANNING_JOB_DEADLINE_S",
    60.0,
    "the seconds a test plan may take to complete",
)
_MAX_DURATION = _Duration(
    "max_duration",
    "--max-duration",
    "PLANNING_MAX_DURATION",
    300.0,
    "the run's time budget in seconds",
)


def _duration(pytest_config: Options, setting: _Duration) -> float:
    """The option if given, else the variable, else the default. A value given but unusable
    stops the run, whichever way it came: 0 must not silently mean the default, nor -1 a
    deadline already past that the verdict would then blame on the staging."""
    raw = pytest_config.getoption(setting.option, None)
    if raw is None:
        return _number(setting.variable, setting.default, setting.expected)
    return _positive(f"{setting.flag} {raw}", str(raw), setting.expected, setting.default)


def _number(name: str, default: float, expected: str) -> float:
    raw = os.environ.get(name, "")
    if not raw:
        return default
    return _positive(f"{name}={raw!r}", raw, expected, default)


def _positive(shown: str, raw: str, expected: str, default: float) -> float:
    """`shown` names the setting as the user wrote it; the message says what it should be."""
    wanted = f"expected {expected}, e.g. {default:g}"
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationProblem(f"{shown} is not a number: {wanted}") from None
    if not math.isfinite(value) or value <= 0:
        raise ConfigurationProblem(f"{shown} must be a positive number: {wanted}")
    return value


def _share(name: str, default: float, expected: str) -> float:
    """A share in (0, 1], from its variable."""
    value = _number(name, default, expected)
    if value > 1:
        raise ConfigurationProblem(f"{name}={value:g} must be at most 1: expected {expected}")
    return value


def read_tolerances() -> Tolerances:
    """How the before/after comparisons judge (PLANNING_MIN_JOBS, PLANNING_SIGNIFICANCE,
    PLANNING_RATE_TOLERANCE, PLANNING_LATENCY_TOLERANCE)."""
    default = Tolerances()
    return Tolerances(
        min_jobs=int(
            _number(
                "PLANNING_MIN_JOBS",
                default.min_jobs,
                "the jobs each side of the deploy needs for a comparison",
            )
        ),
        significance=_share(
            "PLANNING_SIGNIFICANCE", default.significance, "the p-value below which it is no chance"
        ),
        rate=_share(
            "PLANNING_RATE_TOLERANCE",
            default.rate,
            "how much a rate may worsen, as a share (0.02: 2 points)",
        ),
        latency=_number(
            "PLANNING_LATENCY_TOLERANCE",
            default.latency,
            "how much the median job latency may grow, as a share (0.25: 25 %)",
        ),
    )


def _deployed_at(pytest_config: Options, env: Mapping[str, str]) -> datetime | None:
    option = pytest_config.getoption("deployed_at", None)
    raw = option or env.get("PLANNING_DEPLOYED_AT") or None
    if raw is None:
        return None
    try:
        return parse_deployed_at(raw, datetime.now(UTC))
    except ValueError as error:
        shown = "--deployed-at" if option else "PLANNING_DEPLOYED_AT"
        raise ConfigurationProblem(f"{shown}={raw!r} {error}") from None


def _history(pytest_config: Options, env: Mapping[str, str]) -> Path | None:
    raw = pytest_config.getoption("history", None) or env.get("PLANNING_HISTORY") or None
    if raw is None:
        return None
    path = Path(raw)
    if path.is_dir():
        raise ConfigurationProblem(
            f"--history / PLANNING_HISTORY {raw!r} is a directory: name the history file, "
            "e.g. reports/history.sqlite"
        )
    return path


def token_subject(token: str | None) -> str | None:
    """The user a staging token speaks for (read, not verified: the API verifies it): its
    `userId` claim, which the athlete-ally service reads, else its subject."""
    if not token:
        return None
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    for claim in ("userId", "sub"):
        if isinstance(claims.get(claim), str) and claims[claim]:
            return str(claims[claim])
    return None


def under_ci(env: Mapping[str, str]) -> bool:
    """CI services set CI (GitHub Actions, GitLab, CircleCI, Travis, Buildkite ...)."""
    return env.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def refuse_ungated_ci(env: Mapping[str, str], embedded: bool, rehearsal: bool) -> None:
    """Under CI, a run with no staging configured would check the embedded engine and exit 0:
    a deploy gate passing what it never checked. It is refused unless asked for (--rehearsal)."""
    if not embedded or rehearsal or not under_ci(env):
        return
    empty = [name for name in STAGING_VARIABLES if name in env and not env[name].strip()]
    said = (
        f" ({', '.join(empty)} {'is' if len(empty) == 1 else 'are'} set but empty: a CI "
        "secret that does not exist?)"
        if empty
        else ""
    )
    raise ConfigurationProblem(
        f"CI is set but no staging is configured{said}: set PLANNING_API_URL, "
        "PLANNING_DATABASE_URL and STAGING_TOKEN (or PLANNING_API_TOKEN) to the staging this "
        "gate checks, or pass --rehearsal to run on the embedded reference engine (never a "
        "sign-off)"
    )


def _half_staging(env: Mapping[str, str]) -> None:
    """Staging variables without PLANNING_API_URL would silently test the embedded target."""
    present = [name for name in STAGING_ONLY if env.get(name)]
    if present:
        raise ConfigurationProblem(
            f"{' and '.join(present)} {'is' if len(present) == 1 else 'are'} set but "
            "PLANNING_API_URL is not: set PLANNING_API_URL to the staging API to check staging, "
            f"or unset {' and '.join(present)} to check the embedded target"
        )


def _flag_expectation(env: Mapping[str, str]) -> bool:
    raw = env.get(FLAG_VARIABLE, "true")
    value = raw.strip().lower()
    if value not in ("true", "1", "false", "0"):
        raise ConfigurationProblem(
            f'{FLAG_VARIABLE}={raw!r} is not a flag value: expected "true" or "1" '
            '(scoring should be on, as the runbook deploys it) or "false" or "0"'
        )
    return value in ("true", "1")


def _log_file(env: Mapping[str, str]) -> Path | None:
    raw = env.get("PLANNING_ENGINE_LOG_FILE")
    if not raw:
        return None
    if env.get("PLANNING_ENGINE_LOG_COMMAND"):
        raise ConfigurationProblem(
            "PLANNING_ENGINE_LOG_FILE and PLANNING_ENGINE_LOG_COMMAND are both set: "
            "keep the one that reads the engine log"
        )
    if not Path(raw).is_file():
        raise ConfigurationProblem(
            f"PLANNING_ENGINE_LOG_FILE={raw!r} is not a readable file: point it at a copy of "
            "the engine log (/var/log/planning-engine.log), or unset it to skip the log checks"
        )
    return Path(raw)


def _second_token(env: Mapping[str, str], token: str | None) -> str | None:
    second = env.get("PLANNING_API_TOKEN_2") or None
    if second is not None:
        user, other = token_subject(token), token_subject(second)
        if second == token or (user is not None and user == other):
            raise ConfigurationProblem(
                "PLANNING_API_TOKEN_2 is a token for the same user as PLANNING_API_TOKEN: "
                "the job-privacy check needs a second, different user's token"
            )
    return second


def _schema_profile(pytest_config: Options, env: Mapping[str, str]) -> str | None:
    option = pytest_config.getoption("schema_profile", None)
    raw = option or env.get(PROFILE_VARIABLE) or None
    if raw is None:
        return None
    try:
        return load_profile(raw).name
    except UnknownProfile as error:
        shown = "--schema-profile" if option else PROFILE_VARIABLE
        raise ConfigurationProblem(f"{shown}={raw!r}: {error}") from None


def _api_profile(pytest_config: Options, env: Mapping[str, str]) -> str | None:
    option = pytest_config.getoption("api_profile", None)
    raw = option or env.get(API_PROFILE_VARIABLE) or None
    if raw is None:
        return None
    try:
        return check_profile_name(raw)
    except UnknownApiProfile as error:
        shown = "--api-profile" if option else API_PROFILE_VARIABLE
        raise ConfigurationProblem(f"{shown}={raw!r}: {error}") from None


def read_config(pytest_config: Options, suite_selected: bool = True) -> SuiteConfig:
    """`suite_selected` is False when pytest runs none of features/ (e.g. `pytest tests/`): an
    engine developer's PLANNING_DATABASE_URL then says nothing about a staging to check."""
    env = os.environ
    api_url = env.get("PLANNING_API_URL") or None
    database_url = env.get("PLANNING_DATABASE_URL") or None
    token = env.get("PLANNING_API_TOKEN") or env.get("STAGING_TOKEN") or None
    if api_url is None:
        if suite_selected:
            _half_staging(env)
    else:
        parts = urlsplit(api_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigurationProblem(
                f"PLANNING_API_URL={mask_dsn(api_url)!r} is not a URL: expected https://host[:port]"
            )
        if not database_url:
            raise ConfigurationProblem(
                "PLANNING_API_URL is set but PLANNING_DATABASE_URL is not: "
                "set it to the staging Postgres DSN postgresql://user:password@host:port/database"
            )
        if not token:
            raise ConfigurationProblem(
                "PLANNING_API_URL is set but no token is: "
                "set PLANNING_API_TOKEN (or STAGING_TOKEN) to a bearer token for the staging API"
            )
        try:
            read_dsn(database_url)
        except ConfigurationError as error:
            # One line, naming the form expected; it quotes nothing of the DSN.
            raise ConfigurationProblem(str(error)) from None
    scoring_expected = _flag_expectation(env)
    sla = _duration(pytest_config, _SLA)
    deadline = _duration(pytest_config, _JOB_DEADLINE)
    max_duration = _duration(pytest_config, _MAX_DURATION)
    return SuiteConfig(
        api_url=api_url.rstrip("/") if api_url else None,
        database_url=database_url if api_url else None,
        api_token=token if api_url else None,
        second_token=_second_token(env, token) if api_url else None,
        signing_key=(env.get("PLANNING_JWT_SECRET") or None) if api_url else None,
        log_file=_log_file(env) if api_url else None,
        log_command=(env.get("PLANNING_ENGINE_LOG_COMMAND") or None) if api_url else None,
        scoring_expected=scoring_expected,
        allow_destructive=bool(pytest_config.getoption("allow_destructive", False)),
        sla_ms=sla,
        http_timeout_s=_number(
            "PLANNING_HTTP_TIMEOUT_S", 10.0, "the seconds an API request may take"
        ),
        queue_stall_s=_number(
            "PLANNING_QUEUE_STALL_S",
            15.0,
            "the seconds the run's waiting jobs may all stay unmoved before the queue is stuck",
        ),
        api_down_s=_number(
            "PLANNING_API_DOWN_S",
            15.0,
            "the seconds the API may refuse connections (a restart) before it is called down",
        ),
        job_deadline_s=deadline,
        max_duration_s=max_duration,
        plan_user=env.get("PLANNING_TEST_USER_ID", "test-user"),
        schema_profile=_embedded_schema(
            _schema_profile(pytest_config, env), _api_profile(pytest_config, env), api_url
        ),
        api_profile=_api_profile(pytest_config, env),
        deployed_at=_deployed_at(pytest_config, env),
        history=_history(pytest_config, env),
        tolerances=read_tolerances(),
        regression_tolerance=_number(
            "PLANNING_REGRESSION_TOLERANCE",
            0.5,
            "how much slower than at the last GO is a regression, as a share (0.5: 50 %)",
        ),
    )


def _embedded_schema(schema: str | None, api: str | None, api_url: str | None) -> str | None:
    """The athlete-ally API keeps its jobs in the athlete-ally schema: an embedded target asked
    for that API gets that schema too, unless another was named, which cannot be served."""
    if api_url is not None or api != ATHLETE_ALLY_API:
        return schema
    if schema not in (None, ATHLETE_ALLY_API):
        raise ConfigurationProblem(
            f"the embedded target cannot serve the athlete-ally API on the {schema} schema: "
            "drop --schema-profile, or name athlete-ally"
        )
    return ATHLETE_ALLY_API


def known_secrets(config: SuiteConfig) -> list[str]:
    """Values that must never reach output: tokens, the DSN password, signing keys from the environment."""
    from psycopg.conninfo import conninfo_to_dict

    secrets = [
        config.api_token,
        config.second_token,
        os.environ.get("PLANNING_JWT_SECRET"),
        os.environ.get("LAUNCHDARKLY_SDK_KEY"),
    ]
    if config.database_url:
        # An unparsable DSN is reported elsewhere; it has nothing to redact here.
        with contextlib.suppress(Exception):
            secrets.append(str(conninfo_to_dict(config.database_url).get("password") or ""))
    return [s for s in secrets if s and len(s) >= 4]
