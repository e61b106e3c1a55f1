"""Steps that read what the engine reports about itself: logs, /health and /metrics."""

import pytest
from pytest_bdd import given, then

from readiness.checks import expect
from readiness.evidence import Evidence
from readiness.runbook.plans import Job, scoring_of
from readiness.target.api_client import PlanningApi
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
def flag_enabled(target: Target, api: PlanningApi, evidence: Evidence) -> None:
    if target.log is not None:
        lines = target.log.grep("Feature flag override from environment")
        evidence.note('grep "Feature flag override from environment"', lines=lines[-3:])
        if lines:
            expect(
                lines[-1].get("value") is True, found=lines[-1], expected="value true", fix="flag"
            )
            return
        launchdarkly = target.log.grep("Feature flag source: LaunchDarkly")
        expect(
            bool(launchdarkly),
            found="no flag evaluation in the engine log",
            expected="the override or LaunchDarkly line",
            fix="flag",
        )
        return
    health = api.health() or {}
    evidence.note("GET /health", **health)
    if "scoring" not in health:
        pytest.skip(NO_LOG + "; /health does not report the flag either")
    expect(
        "=on" in str(health["scoring"]) or "LaunchDarkly" in str(health["scoring"]),
        found=health["scoring"],
        expected="scoring on",
        fix="flag",
    )


@then("the engine log has no error lines")
def no_error_lines(target: Target, evidence: Evidence) -> None:
    errors = _log(target).errors()
    evidence.note("error lines in the engine log", count=len(errors), first=errors[:5])
    expect(
        not errors,
        found=f"{len(errors)} error line(s), first: {errors[:1]}",
        expected="none",
        fix="logs",
    )


@then("the engine log has no scoring calculation errors")
def no_scoring_errors_logged(target: Target, evidence: Evidence) -> None:
    log = _log(target)
    errors = log.grep("Scoring calculation error") + log.grep("scorePlanCandidate")
    evidence.note(
        'grep "Scoring calculation error" / "scorePlanCandidate"',
        count=len(errors),
        first=errors[:5],
    )
    expect(
        not errors, found=f"{len(errors)} scoring error line(s)", expected="none", fix="contract"
    )


@then("the engine log records fixed-weight scoring for the test plan with its total")
def scoring_logged(target: Target, job: Job, evidence: Evidence) -> None:
    job_id, total = job["jobId"], scoring_of(job).get("total")
    lines = _log(target).await_entries(
        lambda e: e.get("message") == "Applied fixed-weight scoring" and e.get("job_id") == job_id,
        within_s=10,
    )
    evidence.note(f'grep "Applied fixed-weight scoring" | grep {job_id}', lines=lines)
    expect(
        [line.get("total") for line in lines] == [total],
        found=f"{len(lines)} line(s) for job {job_id}: {lines[:2]}",
        expected=f"one line with total {total}",
        fix="logs",
    )


@given("the target exposes metrics", target_fixture="metrics")
def metrics_available(api: PlanningApi, evidence: Evidence) -> dict[str, float]:
    samples = api.metrics(evidence)
    if samples is None:
        pytest.skip(
            "the target has no reachable /metrics endpoint: check these alerts in the monitoring system"
        )
    return samples


def _metric(metrics: dict[str, float], name: str) -> float:
    if name not in metrics:
        pytest.skip(f"the target's /metrics does not publish {name}")
    return metrics[name]


@then("the metric of published movements is at least 8")
def metric_movements(metrics: dict[str, float]) -> None:
    value = _metric(metrics, 'planning_movement_library_movements{status="published"}')
    expect(
        value >= 8,
        found=f"{value:g} published movements",
        expected=">= 8 (alert: possible data loss)",
        fix="seed",
    )


@then("the metric of movement import failures is 0")
def metric_import_failures(metrics: dict[str, float]) -> None:
    value = _metric(metrics, "planning_movement_import_failures")
    expect(value == 0, found=f"{value:g} failed imports", expected="0", fix="imports")


@then("the metric of scoring errors is 0")
def metric_scoring_errors(metrics: dict[str, float]) -> None:
    value = _metric(metrics, "planning_scoring_errors_total")
    expect(
        value == 0,
        found=f"{value:g} scoring errors",
        expected="0 (alert: scoring logic failure)",
        fix="contract",
    )
