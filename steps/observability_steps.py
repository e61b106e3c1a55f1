"""Steps that read what the engine reports about itself: logs, /health and /metrics."""

from typing import Any

import pytest
from pytest_bdd import given, parsers, then

from readiness.checks import expect
from readiness.evidence import Evidence
from readiness.fixes import Fix
from readiness.runbook.key_metrics import KeyMetrics
from readiness.runbook.log_checks import (
    SCORING_ERROR_LINES,
    SCORING_LINE,
    check_flag_enabled,
    logged_total,
    scoring_errors,
    scoring_lines,
)
from readiness.runbook.plans import Job, scoring_of
from readiness.since_deploy.measurements import record_metrics
from readiness.target.api_client import PlanningApi
from readiness.target.db_probe import DatabaseProbe
from readiness.target.deployment import Target
from readiness.target.engine_log import EngineLog

NO_LOG = (
    "the engine log is not reachable from here: set PLANNING_ENGINE_LOG_COMMAND to a command that "
    "prints it (or PLANNING_ENGINE_LOG_FILE to a readable copy of /var/log/planning-engine.log) "
    "to run the log checks"
)


def _log(target: Target) -> EngineLog:
    if target.log is None:
        pytest.skip(NO_LOG)
    target.await_engine()  # the log is complete only once the engine has started
    return target.log


@then("the engine reports the scoring flag as enabled")
def flag_enabled(target: Target, api: PlanningApi, job: Job, evidence: Evidence) -> None:
    if target.log is not None:
        check_flag_enabled(target.log, job, evidence)
        return
    _, health = api.health() or (None, {})
    evidence.note("GET /health", **health)
    if "scoring" not in health:
        pytest.skip(NO_LOG + "; /health does not report the flag either")
    expect(
        "=on" in str(health["scoring"]) or "LaunchDarkly" in str(health["scoring"]),
        found=health["scoring"],
        expected="scoring on",
        fix=Fix.FLAG,
    )


@then("the engine log has no error lines")
def no_error_lines(target: Target, measured: dict[str, Any], evidence: Evidence) -> None:
    errors = _log(target).errors()
    measured.setdefault("errors", {})["log_errors"] = len(errors)
    evidence.note("error lines in the engine log", count=len(errors), first=errors[:5])
    expect(
        not errors,
        found=f"{len(errors)} error line(s), first: {errors[:1]}",
        expected="none",
        fix=Fix.LOGS,
    )


@then("the engine log has no scoring calculation errors")
def no_scoring_errors_logged(target: Target, evidence: Evidence) -> None:
    errors = scoring_errors(_log(target))
    evidence.note(
        " / ".join(f'grep "{text}"' for text in SCORING_ERROR_LINES),
        count=len(errors),
        first=errors[:5],
    )
    first = [str(e.get("message", ""))[:160] for e in errors[:2]]
    expect(
        not errors,
        found=f"the engine logged {len(errors)} scoring calculation error(s), first: {first}",
        expected="none",
        fix=Fix.SCORING_ERRORS,
    )


@then("the engine log records fixed-weight scoring for the test plan with its total")
def scoring_logged(target: Target, job: Job, evidence: Evidence) -> None:
    job_id, total = job["jobId"], scoring_of(job).get("total")
    lines = scoring_lines(_log(target), job_id)
    evidence.note(f'grep "{SCORING_LINE}" | grep {job_id}', lines=lines)
    expect(
        [logged_total(line) for line in lines] == [total],
        found=f"{len(lines)} line(s) for job {job_id}: {lines[:2]}",
        expected=f"one line with total {total}",
        fix=Fix.LOGS,
    )


@given("the target's key metrics are read", target_fixture="metrics")
def key_metrics(
    api: PlanningApi, database: DatabaseProbe, measured: dict[str, Any], evidence: Evidence
) -> KeyMetrics:
    """/metrics where the target serves it; what it does not expose comes from the database
    where the database holds it, or is not verified."""
    samples = api.metrics(evidence)
    record_metrics(measured, samples)
    return KeyMetrics(samples, database, evidence, api.down_reason)


@then(parsers.parse("the metric of published movements is at least {minimum:d}"))
def metric_movements(metrics: KeyMetrics, minimum: int) -> None:
    reading = metrics.published_movements()
    expect(
        reading.value >= minimum,
        found=f"{reading.value:g} published movements ({reading.source})",
        expected=f">= {minimum} (alert: possible data loss)",
        fix=Fix.SEED,
    )


@then(parsers.parse("the metric of movement import failures is {expected:d}"))
def metric_import_failures(metrics: KeyMetrics, expected: int) -> None:
    reading = metrics.import_failures()
    expect(
        reading.value == expected,
        found=f"{reading.value:g} failed imports ({reading.source})",
        expected=str(expected),
        fix=Fix.IMPORTS,
    )


@then(parsers.parse("the metric of scoring errors is {expected:d}"))
def metric_scoring_errors(metrics: KeyMetrics, expected: int) -> None:
    reading = metrics.scoring_errors()
    expect(
        reading.value == expected,
        found=f"{reading.value:g} scoring errors ({reading.source})",
        expected=f"{expected} (alert: scoring logic failure)",
        fix=Fix.CONTRACT,
    )
