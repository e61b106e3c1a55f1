"""Steps about the target itself and the suite's prerequisites."""

import os

import pytest
from pytest_bdd import given, then

from planning_engine.contract import scoring_schema, validate_scoring
from planning_engine.scoring import score_plan
from readiness.checks import expect
from readiness.config import FLAG_VARIABLE, SuiteConfig
from readiness.db_probe import DatabaseProbe
from readiness.evidence import Evidence
from readiness.target import Target


@given("the staging target is configured")
def staging_target(target: Target, evidence: Evidence) -> None:
    evidence.note("target", mode=target.mode, api=target.api_url)


@then("the staging database accepts connections")
def database_accepts_connections(database: DatabaseProbe, evidence: Evidence) -> None:
    database.query("SELECT 1;", evidence)


@then("the configuration expects scoring to be enabled")
def configuration_expects_scoring(suite_config: SuiteConfig) -> None:
    value = os.environ.get(FLAG_VARIABLE, "true (default)")
    expect(
        suite_config.scoring_expected,
        found=f"{FLAG_VARIABLE}={value}",
        expected='"true" or "1"',
        fix="flag",
    )


@given("scoring is expected to be enabled")
def scoring_expected(suite_config: SuiteConfig) -> None:
    if not suite_config.scoring_expected:
        pytest.skip(
            f"{FLAG_VARIABLE} says scoring is off on this target: scoring checks do not apply"
        )


@then("the scoring contract schema is available to validate payloads")
def contract_available(evidence: Evidence) -> None:
    schema = scoring_schema()
    report = validate_scoring(score_plan({"microcycles": []}, {"weeklyGoalDays": 3}))
    evidence.findings(
        f"validator self-check against {schema.get('$id')}", [str(e) for e in report.errors], []
    )
    expect(
        report.valid,
        found=report.errors,
        expected="a generated payload to validate",
        fix="contract",
    )
