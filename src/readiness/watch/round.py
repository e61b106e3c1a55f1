"""One watch round: the read-only monitoring checks and at most a few test plans, measured the
way a readiness run measures them, on a fresh connection and a budget of its own. A target that
does not answer is a data point of the round, never a crash of the watch."""

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import psycopg
import pytest

from readiness.budget import RunBudget
from readiness.checks import ReadinessFailure
from readiness.config import SuiteConfig
from readiness.evidence import Evidence
from readiness.expectations import RUNBOOK_PLAN_REQUEST
from readiness.runbook.key_metrics import KeyMetrics
from readiness.runbook.log_checks import scoring_errors
from readiness.since_deploy.deploy_time import DeployTime
from readiness.since_deploy.job_windows import read_windows
from readiness.since_deploy.measurements import record_metrics, record_windows, run_timings
from readiness.since_deploy.measures import FAILURE_RATE, failure_rate
from readiness.target.api_client import PlanningApi
from readiness.target.db_probe import DatabaseProbe
from readiness.target.deployment import Target
from readiness.watch.alerts import Alert, evaluate

OK, ALERT, NO_ANSWER = "OK", "ALERT", "NO ANSWER"


@dataclass
class RoundResult:
    number: int
    started: datetime
    verdict: str = OK
    alerts: list[Alert] = field(default_factory=list)
    measured: dict[str, Any] = field(default_factory=dict)
    problem: str = ""  # why the target did not answer

    def line(self) -> str:
        head = f"round {self.number} ({self.started:%H:%M:%S}): {self.verdict}"
        if self.problem:
            return f"{head}: {self.problem}"
        shown = "; ".join(alert.line() for alert in self.alerts)
        return f"{head}{': ' + shown if shown else ''}"


def run_round(
    number: int,
    target: Target,
    config: SuiteConfig,
    deploy: DeployTime,
    previous: dict[str, Any] | None,
    plans: int,
    budget_s: float,
) -> RoundResult:
    result = RoundResult(number, datetime.now(UTC))
    budget = RunBudget(budget_s)
    budget.start()
    try:
        with (
            DatabaseProbe(target.dsn, budget, config.schema_profile) as database,
            PlanningApi(
                target.api_url,
                config.http_timeout_s,
                budget,
                probe_token=target.token,
                profile=target.api_profile,
                down_after_s=min(config.api_down_s, budget_s / 2),
            ) as api,
        ):
            _measure(result.measured, target, config, deploy, database, api, plans)
    except (ReadinessFailure, psycopg.Error, httpx.HTTPError, OSError) as error:
        result.verdict, result.problem = NO_ANSWER, str(error).splitlines()[0][:300]
        return result
    result.alerts = evaluate(result.measured, previous)
    result.verdict = ALERT if result.alerts else OK
    return result


def _measure(
    measured: dict[str, Any],
    target: Target,
    config: SuiteConfig,
    deploy: DeployTime,
    database: DatabaseProbe,
    api: PlanningApi,
    plans: int,
) -> None:
    evidence = Evidence()  # a round keeps figures, not evidence
    if problem := api.unreachable():
        raise ReadinessFailure(problem)
    samples = api.metrics(None)
    record_metrics(measured, samples)
    metrics = KeyMetrics(samples, database, evidence, api.down_reason)
    measured["published_movements"] = metrics.published_movements().value
    with contextlib.suppress(pytest.skip.Exception):  # no record of failed imports there
        measured.setdefault("errors", {})["import_failures"] = metrics.import_failures().value
    measured["test_plans"] = _test_plans(target, config, api, plans)
    before, after = read_windows(database, deploy, datetime.now(UTC), evidence)
    record_windows(measured, before, after)
    measured["comparisons"] = {
        FAILURE_RATE: failure_rate(before, after, config.tolerances).as_dict()
    }
    run_timings(database, measured)
    _scoring_errors(measured, target)


def _test_plans(
    target: Target, config: SuiteConfig, api: PlanningApi, count: int
) -> dict[str, int]:
    """The round's own test plans: requested, then waited for (completed, failed, unfinished)."""
    outcome = {"requested": 0, "completed": 0, "failed": 0, "unfinished": 0}
    body = {"userId": target.plan_user, **RUNBOOK_PLAN_REQUEST}
    for _ in range(count):
        response = api.generate(body, target.token, None)
        outcome["requested"] += 1
        if response.status_code != 202:
            outcome["failed"] += 1
            continue
        job_id = str(response.json()["jobId"])
        try:
            job = api.wait_for_job(job_id, target.token, config.job_deadline_s, None)
        except ReadinessFailure:
            outcome["unfinished"] += 1
            continue
        outcome["completed" if job.get("status") == "completed" else "failed"] += 1
    return outcome


def _scoring_errors(measured: dict[str, Any], target: Target) -> None:
    """From /metrics where it counts them (recorded already), else from the log's scoring error
    lines, else not measured: the deployment exposes none."""
    errors = measured.setdefault("errors", {})
    if "scoring_errors" in errors:
        measured["scoring_errors_source"] = "/metrics planning_scoring_errors_total"
        return
    if target.log is None:
        measured["scoring_errors_source"] = "not exposed (no metric, no readable log)"
        return
    try:
        errors["scoring_errors"] = len(scoring_errors(target.log))
        errors["log_errors"] = len(target.log.errors())
        measured["scoring_errors_source"] = "the engine log's scoring error lines"
    except (ReadinessFailure, pytest.skip.Exception):
        measured["scoring_errors_source"] = "the engine log could not be read"
