"""What a scenario's steps share: its evidence, its state, progress lines, and the run's test
plans (the queue, the batch requested together, the requests)."""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from readiness.config import SuiteConfig
from readiness.evidence import Evidence
from readiness.runbook.plan_queue import PlanQueue
from readiness.runbook.plans import Job, PlanBatch, PlanRequests
from readiness.schema_profiles import BASE_PROFILE
from readiness.session_keys import EVIDENCE_KEY, PROFILES_KEY
from readiness.target.api_client import PlanningApi
from readiness.target.db_probe import DatabaseProbe
from readiness.target.deployment import Target
from readiness.target.engine_cli import CliOutcome


@pytest.fixture
def evidence(request: pytest.FixtureRequest) -> Evidence:
    """What the scenario saw (SQL and rows, HTTP exchanges, findings), for its report."""
    gathered = Evidence()
    request.node.stash[EVIDENCE_KEY] = gathered
    return gathered


@dataclass
class ScenarioState:
    """What a scenario's seeding and drill steps hand to each other (single values travel as
    step fixtures: `job`, `earlier_job`, `metrics`)."""

    schema_profile: str = BASE_PROFILE  # of the scratch databases the rehearsals make
    scratch_dsn: str | None = None
    dump_file: Path | None = None
    commands: list[CliOutcome] = field(default_factory=list)
    rollback: Any = None
    drill: Any = None  # the scoring rollback drill (readiness.runbook.scoring_drill)


@pytest.fixture
def state(suite_config: SuiteConfig) -> Iterator[ScenarioState]:
    """What one scenario's steps hand to each other; a drill left half-way is abandoned."""
    scenario = ScenarioState(schema_profile=suite_config.schema_profile or BASE_PROFILE)
    yield scenario
    if scenario.rollback is not None:
        scenario.rollback.abandon()  # a drill that failed half-way leaves its truncate uncommitted


@pytest.fixture(scope="session")
def shared_plan_cache() -> dict[str, Job]:
    """One test plan per run for the scenarios that only inspect it (Phase 4 API checklist)."""
    return {}


@pytest.fixture
def progress(pytestconfig: pytest.Config) -> Callable[[str, float], None]:
    """With -v, a line once a wait has lasted a second, then one a second, so a slow staging is
    visibly alive; quick waits print nothing."""
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    last = [0.0]

    def report(message: str, elapsed: float) -> None:
        if reporter is None or pytestconfig.get_verbosity() <= 0:
            return
        if elapsed >= 1.0 and time.monotonic() - last[0] >= 1.0:
            last[0] = time.monotonic()
            reporter.write_line(f"    {message} ({elapsed:.1f} s)")

    return report


@pytest.fixture(scope="session")
def plan_queue(database: DatabaseProbe, api: PlanningApi, target: Target) -> PlanQueue:
    """What the run found out about the plan queue: a stuck queue is reported once."""
    return PlanQueue(database, api, target.token)


@pytest.fixture(scope="session")
def plan_batch(pytestconfig: pytest.Config) -> PlanBatch:
    """The run's athlete profiles, requested together at the first request, awaited together."""
    return PlanBatch(pytestconfig.stash.get(PROFILES_KEY, []))


@pytest.fixture
def plans(
    api: PlanningApi,
    target: Target,
    suite_config: SuiteConfig,
    evidence: Evidence,
    progress: Callable[[str, float], None],
    plan_queue: PlanQueue,
    plan_batch: PlanBatch,
) -> PlanRequests:
    """Requesting the scenario's test plans and waiting for them."""
    return PlanRequests(api, target, suite_config, evidence, progress, plan_queue, plan_batch)
