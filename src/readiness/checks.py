"""Failing a step the way the runbook would explain it: what was found, what was expected, the fix."""

from collections.abc import Iterable
from typing import Any, NoReturn

from planning_engine.contract import validate_scoring

# The runbook's fixes (Troubleshooting and Rollback sections), by the problem they solve.
FIXES = {
    "connection": "verify the DSN format and credentials (runbook Troubleshooting: Connection error)",
    "schema": "apply the schema with `planning-engine migrate` (runbook Troubleshooting: Table missing)",
    "schema_profile": "tell the suite the schema's shape with --schema-profile "
    "(PLANNING_SCHEMA_PROFILE), or add a profile for it (README: Which deployment?)",
    "schema_profile_given": "drop --schema-profile (PLANNING_SCHEMA_PROFILE) so that the suite "
    "detects the schema's shape, or name the profile it fits",
    "seed": "re-seed with `planning-engine seed` (runbook Phase 2, Option A)",
    "duplicates": "existing data conflicts: truncate and re-seed (runbook Troubleshooting: Duplicate movement)",
    "extra_movements": "movements beyond the foundational 8 survive a re-seed: truncate "
    "movement_library, movement_staging and movement_audit_log, then re-seed (runbook "
    "Troubleshooting: Duplicate movement; Rollback: Movement Seeding)",
    "audit": "truncate movement_library, movement_staging, movement_audit_log and re-seed "
    "(runbook Rollback: Movement Seeding)",
    "flag": "set FEATURE_V1_PLANNING_SCORING=true and restart the service (runbook Troubleshooting: "
    "Scoring Not Appearing)",
    "contract": "check the scoring calculation and the fixed weights (runbook Troubleshooting: "
    "Scoring Validation Fails)",
    "scoring_errors": "read the logged scoring errors (the first are quoted) and fix what fails "
    "in the scorer (runbook Troubleshooting: Scoring Validation Fails; Alerts: scoring logic "
    "failure)",
    "unscored_jobs": "the test plans are scored, so the flag is on: find why these jobs are not "
    "(made before the flag was turned on, or by an instance running with it off? runbook "
    "Troubleshooting: Scoring Not Appearing)",
    "read_only": "make the database writable for the service (a read-only replica, "
    "default_transaction_read_only, or a full disk): point the service at the primary",
    "jobs": "check that plan workers are running and the logs for errors "
    "(runbook Alerts: Plan generation errors increase)",
    "persistence": "the service returns scoring that the database does not hold as returned "
    "(plan_jobs.result_data and plans.content): check how the deployed build stores job results "
    "(runbook Phase 4: Verify scoring persisted in database)",
    "permissions": "grant SELECT, INSERT, UPDATE, DELETE on the Stream 5 tables and CREATE on "
    "their schema to the DSN's user (runbook Prerequisites: Staging Database Credentials)",
    "token": "check that PLANNING_API_TOKEN (or STAGING_TOKEN) is a valid, unexpired token of "
    "this staging's test user",
    "security": "the API must require a valid bearer token and check job ownership",
    "token_claims": "the API must check each token's expiry, and its audience and issuer where "
    "tokens carry them, not only its signature",
    "idempotency": "the API must answer a repeated Idempotency-Key with the job it already "
    "created: a client retrying after a timeout otherwise gets a second plan",
    "performance": "check the indexes of the tables the query reads (movement_library: name, "
    "status; plan_jobs: status, created_at) and the database load (runbook Success Criteria: "
    "No performance regressions)",
    "error_rate": "plan jobs fail more often since the deploy than before it: read the failed "
    "jobs' errors since the deploy and roll back if the release caused them (runbook Success "
    "Criteria: No increase in error rates; Alerts: Plan generation errors increase)",
    "scoring_share": "fewer completed plans carry scoring since the deploy than before it: "
    "check the flag on every instance (runbook Troubleshooting: Scoring Not Appearing)",
    "latency": "plan jobs take longer since the deploy than before it: compare the release's "
    "generation and scoring time with the previous one, and roll back if it is the cause "
    "(runbook Success Criteria: No performance regressions)",
    "regression": "slower than at the last GO on this target: check the indexes and the "
    "database load, and what changed since that run (runbook Monitoring: Average scoring "
    "time: monitor for performance regression)",
    "scorer": "the deployed scorer computes fixed-weight-v1 differently from the reference: "
    "check the scorer release (runbook Troubleshooting: Scoring Validation Fails)",
    "logs": "investigate the errors in the engine log (runbook Rollback: Scoring Feature, step 4)",
    "imports": "read the failed imports' errors and re-run the seed (runbook Troubleshooting: "
    "Movement Seeding Fails)",
    "api": "check PLANNING_API_URL and that the service is running",
    "api_error": "the service fails requests: read the engine log for the failing request's error",
    "api_profile": "point PLANNING_API_URL at the planning engine or its gateway, or name the "
    "deployment's routes with --api-profile (PLANNING_API_PROFILE) (README: Which deployment?)",
    "rate_limit": "the gateway rate-limits the test user for longer than the run can wait: raise "
    "--max-duration (PLANNING_MAX_DURATION), or check the engine's own routes",
    "job_errors": "the jobs fail: read the engine's error for them (its stderr; the first is "
    "quoted) and fix what it names (runbook Alerts: Plan generation errors increase)",
    "queue_stranded": "jobs wait in the engine's in-memory queue and nothing drains it: raise "
    "PLAN_GENERATION_MAX_CONCURRENT and restart the engine (its queue drains only on the next "
    "request)",
    "plan_cache": "a plan-cache hit leaves jobs queued: clear Redis plan:* or set "
    "PLAN_CACHE_TTL_SECONDS=0, and restart the engine",
    "lock": "end or wait out the session holding the lock (pg_terminate_backend(pid) if it is "
    "stuck), then run the suite again",
    "budget": "find what the run was waiting for in the first failures; raise --max-duration "
    "(PLANNING_MAX_DURATION) only if the staging is slow but healthy",
    "log_command": "make PLANNING_ENGINE_LOG_COMMAND print the engine log and exit (e.g. "
    "`kubectl logs`, not `-f`); check it by hand",
}


class ReadinessFailure(AssertionError):
    """A runbook check that did not hold; the message is what the report and the terminal show.

    `cause` is the FIXES key (or the literal fix) the failure is grouped under: failures that
    share a fix share a root cause, and the verdict names it once."""

    def __init__(self, message: str, cause: str = "") -> None:
        super().__init__(message)
        self.cause = cause


def _short(value: Any, limit: int = 300) -> str:
    """Keep the message readable; the full value is in the scenario's evidence."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def expect(ok: bool, *, found: Any, expected: Any, fix: str) -> None:
    if not ok:
        raise ReadinessFailure(
            f"found {_short(found)}, expected {_short(expected)}: {FIXES.get(fix, fix)}", fix
        )


def fail(problem: str, fix: str) -> NoReturn:
    raise ReadinessFailure(f"{problem}: {FIXES.get(fix, fix)}", fix)


def contract_findings(payloads: Iterable[Any]) -> list[str]:
    """Every contract error of every payload, each prefixed by the payload's place in the list."""
    return [
        f"payload {index}: {error}"
        for index, payload in enumerate(payloads)
        for error in validate_scoring(payload).errors
    ]
