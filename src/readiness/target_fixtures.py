"""The deployment under test as session fixtures: the target (the configured staging, or the
embedded engine booted here), its Postgres and its API, each adding what it learns to the run's
identity (engine version, schema profile, API profile, drift)."""

from collections.abc import Iterator
from typing import Any

import pytest

from engine_sandbox import workspace
from planning_engine.dsn import describe_target
from readiness.api_profiles import Detection, api_drift
from readiness.budget import RunBudget
from readiness.checks import ReadinessFailure
from readiness.config import SuiteConfig
from readiness.report.plugin import TARGET_IDENTITY_KEY
from readiness.session_keys import BUDGET_KEY, DRILL_KEY, WORKER_INPUT
from readiness.target.api_client import PlanningApi
from readiness.target.db_probe import DatabaseProbe
from readiness.target.deployment import (
    EmbeddedTarget,
    Target,
    boot_embedded,
    connect_staging,
)
from readiness.target.shared import attach_shared


@pytest.fixture(scope="session")
def target(
    suite_config: SuiteConfig, pytestconfig: pytest.Config, budget: RunBudget
) -> Iterator[Target]:
    """The deployment under test: the configured staging, or the embedded engine booted here."""
    shared = getattr(pytestconfig, "workerinput", {}).get(WORKER_INPUT)
    chosen: Target
    if shared:
        chosen = attach_shared(shared)
    elif suite_config.embedded:
        # The database scenarios run while the engine starts; `api` waits for it.
        chosen = boot_embedded(
            suite_config,
            workspace.create("embedded"),
            await_engine=False,
            drill=pytestconfig.stash.get(DRILL_KEY, False),
        )
    else:
        chosen = connect_staging(suite_config)
    if chosen.log is not None:
        chosen.log.budget = budget
    identity: dict[str, Any] = {
        "mode": chosen.mode,
        "api_url": chosen.api_url,
        "database": describe_target(chosen.dsn),
    }
    if chosen.engine_ready:
        identity.update(_engine_version(chosen, suite_config, budget))
    pytestconfig.stash[TARGET_IDENTITY_KEY] = identity
    yield chosen
    chosen.stop()


@pytest.fixture
def embedded_target(target: Target) -> EmbeddedTarget:
    """The target, for a scenario that needs one the suite controls (scratch databases, more
    engines): such scenarios are skipped at collection on a staging (`@controlled`)."""
    if not isinstance(target, EmbeddedTarget):
        pytest.skip("needs a target the suite controls: runs on the embedded target only")
    return target


def _engine_version(target: Target, suite_config: SuiteConfig, budget: RunBudget) -> dict[str, Any]:
    """The version the engine reports on /health, if it reports one, and a warning when /health
    says the service is unhealthy: no runbook item, so it informs and never decides."""
    # Informative only: a service that does not answer is not waited for here.
    with PlanningApi(
        target.api_url, min(suite_config.http_timeout_s, 5), budget, down_after_s=0
    ) as api:
        status, body = api.health() or (None, {})
    version = body.get("version")
    shown: dict[str, Any] = {"engine_version": version if isinstance(version, str) else None}
    if status is not None and status >= 500:
        shown["health_warning"] = health_warning(status, body)
    return shown


def _connection(check: dict[str, Any]) -> str:
    details = check.get("details")
    connection = details.get("connection") if isinstance(details, dict) else None
    return f" (connection {connection})" if connection else ""


def health_warning(status: int, body: dict[str, Any]) -> str:
    """/health answering an error while the checks go on: what it blames, said as a warning."""
    checks = body.get("checks")
    failing = [
        f"{name} {check.get('status')}{_connection(check)}"
        for name, check in (checks.items() if isinstance(checks, dict) else [])
        if isinstance(check, dict) and check.get("status") == "unhealthy"
    ]
    blamed = ", ".join(failing) or str(body.get("status") or body.get("error") or "no reason")
    return (
        f"GET /health answers {status}: {blamed}. The verdict rests on the API and database "
        "checks; a /health error while they pass is a health-check defect to fix, no runbook item"
    )


@pytest.fixture(scope="session")
def budget(pytestconfig: pytest.Config) -> RunBudget:
    """The run's time budget (`--max-duration`), which caps every wait of the suite."""
    return pytestconfig.stash[BUDGET_KEY]


@pytest.fixture(scope="session")
def database(
    target: Target, budget: RunBudget, suite_config: SuiteConfig, pytestconfig: pytest.Config
) -> Iterator[DatabaseProbe]:
    """The target's Postgres, read as an operator with psql would (one connection per run), with
    its schema profile (forced, or detected here) and the runbook's drift in the run's identity."""
    probe = DatabaseProbe(target.dsn, budget, suite_config.schema_profile)
    pytestconfig.stash[TARGET_IDENTITY_KEY].update(schema_identity(probe, suite_config))
    yield probe
    probe.close()


def schema_identity(probe: DatabaseProbe, suite_config: SuiteConfig) -> dict[str, Any]:
    """The schema profile as the run's identity shows it, and where the runbook's SQL does not
    run on the deployed schema; a schema no profile fits is reported by the checks instead."""
    try:
        profile = probe.profile
    except ReadinessFailure as failure:
        return {"schema_profile": f"none: {failure}"}
    how = (
        "set by --schema-profile / PLANNING_SCHEMA_PROFILE"
        if suite_config.schema_profile
        else ("detected from the target's columns")
    )
    identity: dict[str, Any] = {
        "schema_profile": f"{profile.name} ({how})",
        "runbook_drift": [drift.as_dict() for drift in probe.drift],
    }
    if probe.drift_unknown:
        identity["runbook_drift_unknown"] = probe.drift_unknown
    return identity


@pytest.fixture(scope="session")
def api(
    target: Target, suite_config: SuiteConfig, pytestconfig: pytest.Config, budget: RunBudget
) -> Iterator[PlanningApi]:
    """The planning API as the runbook's curl uses it, with the run's timeouts."""
    target.await_engine()
    identity = pytestconfig.stash[TARGET_IDENTITY_KEY]
    if "engine_version" not in identity:  # the target was attached while its engine started
        identity.update(_engine_version(target, suite_config, budget))

    def routes_found(detection: Detection) -> None:
        identity.update(api_identity(detection))

    client = PlanningApi(
        target.api_url,
        suite_config.http_timeout_s,
        budget,
        probe_token=target.token,
        profile=target.api_profile,
        on_routes=routes_found,
        down_after_s=suite_config.api_down_s,
    )
    yield client
    client.close()


def api_identity(detection: Detection) -> dict[str, Any]:
    """The API profile as the run's identity shows it, and the runbook's calls, greps and
    metrics that do not work on this deployment."""
    if detection.routes is None:
        answers = "; ".join(f"{route}: {answer}" for route, answer in detection.answers.items())
        return {"api_profile": f"none detected ({detection.how}: {answers}); runbook routes used"}
    routes = detection.routes
    return {
        "api_profile": f"{routes.profile} ({routes.describe()}; {detection.how})",
        "api_drift": [d.as_dict() for d in api_drift(routes, detection.runbook_route_answer())],
    }
