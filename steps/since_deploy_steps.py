"""Steps that judge the release against the target's own data before it went live, and this
run against the last GO on the same target."""

from datetime import UTC, datetime
from typing import Any

from pytest_bdd import given, then

from readiness.checks import expect
from readiness.config import SuiteConfig
from readiness.evidence import Evidence
from readiness.fixes import Fix
from readiness.history.regression import compared
from readiness.history.store import Entry
from readiness.since_deploy.comparison import WORSE, Comparison
from readiness.since_deploy.deploy_time import DeployTime
from readiness.since_deploy.job_windows import Window, read_windows
from readiness.since_deploy.measurements import record_windows, run_timings
from readiness.since_deploy.measures import failure_rate, latency, scored_share
from readiness.target.db_probe import DatabaseProbe

Windows = tuple[Window, Window]


@given("the plan jobs before and since the deploy are read", target_fixture="windows")
def jobs_around_the_deploy(
    database: DatabaseProbe,
    deploy_time: DeployTime,
    measured: dict[str, Any],
    evidence: Evidence,
) -> Windows:
    windows = read_windows(database, deploy_time, datetime.now(UTC), evidence)
    record_windows(measured, *windows)
    return windows


def _judged(comparison: Comparison, measured: dict[str, Any], evidence: Evidence, fix: Fix) -> None:
    measured.setdefault("comparisons", {})[comparison.measure] = comparison.as_dict()
    evidence.note(comparison.summary(), **comparison.as_dict())
    expect(
        comparison.outcome != WORSE,
        found=comparison.summary(),
        expected="no increase beyond the tolerance",
        fix=fix,
    )


@then("plan jobs fail no more often since the deploy than before it")
def no_more_failures(
    windows: Windows, suite_config: SuiteConfig, measured: dict[str, Any], evidence: Evidence
) -> None:
    _judged(failure_rate(*windows, suite_config.tolerances), measured, evidence, Fix.ERROR_RATE)


@then("completed plans are scored no less often since the deploy than before it")
def no_fewer_scored(
    windows: Windows, suite_config: SuiteConfig, measured: dict[str, Any], evidence: Evidence
) -> None:
    _judged(scored_share(*windows, suite_config.tolerances), measured, evidence, Fix.SCORING_SHARE)


@then("plan jobs take no longer since the deploy than before it")
def no_slower_jobs(
    windows: Windows, suite_config: SuiteConfig, measured: dict[str, Any], evidence: Evidence
) -> None:
    _judged(latency(*windows, suite_config.tolerances), measured, evidence, Fix.LATENCY)


@then("no runbook query and no plan job is slower than at the last GO on this target")
def no_regression_since_last_go(
    database: DatabaseProbe,
    last_go: Entry | None,
    suite_config: SuiteConfig,
    measured: dict[str, Any],
    evidence: Evidence,
) -> None:
    run_timings(database, measured)
    if last_go is None:
        evidence.note("not compared: no earlier GO on this target in the history")
        return
    slower = compared(measured, last_go.measured, suite_config.regression_tolerance)
    evidence.note(
        f"compared with the last GO on this target ({last_go.started})",
        now=measured.get("queries_ms"),
        last_go=last_go.measured.get("queries_ms"),
        slower=[s.line() for s in slower],
    )
    expect(
        not slower,
        found="; ".join(s.line() for s in slower),
        expected=f"at most {suite_config.regression_tolerance:.0%} slower than at the last GO",
        fix=Fix.REGRESSION,
    )
