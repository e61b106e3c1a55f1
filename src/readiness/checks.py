"""Failing a step the way the runbook would explain it: what was found, what was expected, the fix."""

from typing import Any

# The runbook's fixes (Troubleshooting and Rollback sections), by the problem they solve.
FIXES = {
    "connection": "verify the DSN format and credentials (runbook Troubleshooting: Connection error)",
    "schema": "apply the schema with `planning-engine migrate` (runbook Troubleshooting: Table missing)",
    "seed": "re-seed with `planning-engine seed` (runbook Phase 2, Option A)",
    "duplicates": "existing data conflicts: truncate and re-seed (runbook Troubleshooting: Duplicate movement)",
    "audit": "truncate movement_library, movement_staging, movement_audit_log and re-seed "
    "(runbook Rollback: Movement Seeding)",
    "flag": "set FEATURE_V1_PLANNING_SCORING=true and restart the service (runbook Troubleshooting: "
    "Scoring Not Appearing)",
    "contract": "check the scoring calculation and the fixed weights (runbook Troubleshooting: "
    "Scoring Validation Fails)",
    "jobs": "check that plan workers are running and the logs for errors "
    "(runbook Alerts: Plan generation errors increase)",
    "security": "the API must require a valid bearer token and check job ownership",
    "performance": "check the plan_jobs indexes (status, created_at) and the database load "
    "(runbook Success Criteria: No performance regressions)",
    "logs": "investigate the errors in the engine log (runbook Rollback: Scoring Feature, step 4)",
    "metrics": "investigate before go-live (runbook Monitoring & Observability: Alerts)",
}


class ReadinessFailure(AssertionError):
    """A runbook check that did not hold; the message is what the report and the terminal show."""


def _short(value: Any, limit: int = 300) -> str:
    """Keep the message readable; the full value is in the scenario's evidence."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def expect(ok: bool, *, found: Any, expected: Any, fix: str) -> None:
    if not ok:
        raise ReadinessFailure(
            f"found {_short(found)}, expected {_short(expected)}: {FIXES.get(fix, fix)}"
        )


def fail(problem: str, fix: str) -> None:
    raise ReadinessFailure(f"{problem}: {FIXES.get(fix, fix)}")
