"""Steps about the target itself and the suite's prerequisites."""

import os

import pytest
from pytest_bdd import given, then

from planning_engine.contract import scoring_schema, validate_scoring
from planning_engine.scoring import score_plan
from readiness.checks import expect, fail
from readiness.config import FLAG_VARIABLE, SuiteConfig
from readiness.evidence import Evidence
from readiness.fixes import Fix
from readiness.schema_profiles import base_query
from readiness.target.db_probe import DatabaseProbe
from readiness.target.deployment import Target


@given("the staging target is configured")
def staging_target(target: Target, evidence: Evidence) -> None:
    evidence.note("target", mode=target.mode, api=target.api_url)


@then("the staging database accepts connections")
def database_accepts_connections(database: DatabaseProbe, evidence: Evidence) -> None:
    database.query(base_query("select_one"), evidence)


@then(
    "the database user may select, insert, update and delete on the Stream 5 tables "
    "and create in their schema"
)
def database_permissions(database: DatabaseProbe, evidence: Evidence) -> None:
    refusal = database.refuses_writes()
    if refusal:
        fail(refusal, Fix.READ_ONLY)
    rows = database.query(base_query("permissions"), evidence).as_dicts()
    missing = [f"{r['privilege']} on {r['table_name']}" for r in rows if r["granted"] is False]
    more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
    expect(
        not missing,
        found=f"not granted: {', '.join(missing[:3])}{more}",
        expected="CREATE, INSERT, UPDATE, DELETE, SELECT",
        fix=Fix.PERMISSIONS,
    )


@then("the configuration expects scoring to be enabled")
def configuration_expects_scoring(suite_config: SuiteConfig, evidence: Evidence) -> None:
    """The runbook deploys with scoring on. A run told the target has it off checks what it
    can, and reports the scoring criteria as not verified: INCOMPLETE, never GO."""
    value = os.environ.get(FLAG_VARIABLE, "true (default)")
    evidence.note("expected flag state", **{FLAG_VARIABLE: value})
    if not suite_config.scoring_expected:
        pytest.skip(
            f"{FLAG_VARIABLE}={value}: this run checks a target with scoring off, so the "
            'runbook\'s scoring criteria are not verified; set it to "true" to check them'
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
        fix=Fix.CONTRACT,
    )
