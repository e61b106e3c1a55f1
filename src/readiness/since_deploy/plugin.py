"""The fixtures of the before/after criteria: the deploy time (read once a run), what the run
measured (carried with every scenario's record into the verdict and the history) and the last
GO on this target."""

from datetime import UTC, datetime
from typing import Any

import pytest

from readiness.checks import ReadinessFailure
from readiness.config import SuiteConfig
from readiness.history.recording import history_path, key_of, reports_dir
from readiness.history.store import Entry, History, HistoryFileError
from readiness.report.plugin import TARGET_IDENTITY_KEY
from readiness.since_deploy.deploy_time import DeployTime, resolve
from readiness.target.api_client import PlanningApi
from readiness.target.deployment import Target

RUN_STARTED = pytest.StashKey[datetime]()
MEASURED = "measured"


def pytest_configure(config: pytest.Config) -> None:
    config.stash[RUN_STARTED] = datetime.now(UTC)


def measured_of(config: pytest.Config) -> dict[str, Any]:
    """What this process measured so far; shipped with each scenario's record."""
    identity = config.stash.setdefault(TARGET_IDENTITY_KEY, {})
    return identity.setdefault(MEASURED, {})  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def deploy_time(
    target: Target, api: PlanningApi, suite_config: SuiteConfig, pytestconfig: pytest.Config
) -> DeployTime:
    """Given, else read from the target's /metrics or log, else this run's start."""
    started = pytestconfig.stash[RUN_STARTED]
    given = suite_config.deployed_at
    samples = api.metrics(None) if given is None else None
    try:
        found = resolve(given, samples, target.log, started)
    except ReadinessFailure:  # the log cannot be read: it has its own scenarios to say so
        found = resolve(given, samples, None, started)
    identity = pytestconfig.stash[TARGET_IDENTITY_KEY]
    identity["deployed_at"] = found.shown()
    identity["deployed_at_source"] = found.source
    return found


@pytest.fixture(scope="session")
def measured(pytestconfig: pytest.Config, target: Target) -> dict[str, Any]:
    return measured_of(pytestconfig)


@pytest.fixture(scope="session")
def last_go(pytestconfig: pytest.Config, suite_config: SuiteConfig, target: Target) -> Entry | None:
    """The last GO on this target in the history, if there is a history and such a run."""
    path = history_path(reports_dir(pytestconfig), suite_config)
    if path is None:
        return None
    try:
        return History(path).last_go(key_of(pytestconfig.stash[TARGET_IDENTITY_KEY]))
    except HistoryFileError as error:
        pytest.skip(str(error))
