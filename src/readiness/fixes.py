"""Every runbook fix the suite can name, declared once: its key, the headline of what it repairs
(a NO-GO's cause), and the fix itself (the runbook's Troubleshooting and Rollback sections).

A step that fails names one of these (`expect(..., fix=Fix.SEED)`), so that mypy checks the name
and the failures that share a fix are grouped under one cause. Declared in the runbook's order:
connection before schema before data before behaviour, which orders causes of equal weight.
"""

from enum import Enum


class Fix(Enum):
    """A runbook fix: `title` says what broke, `remedy` what to do about it."""

    title: str
    remedy: str

    CONNECTION = (
        "the staging database cannot be reached",
        "verify the DSN format and credentials (runbook Troubleshooting: Connection error)",
    )
    SCHEMA = (
        "the Stream 5 schema is incomplete",
        "apply the schema with `planning-engine migrate` (runbook Troubleshooting: Table missing)",
    )
    SCHEMA_PROFILE = (
        "the deployed schema matches no known profile",
        "tell the suite the schema's shape with --schema-profile (PLANNING_SCHEMA_PROFILE), "
        "or add a profile for it (README: Which deployment?)",
    )
    SCHEMA_PROFILE_GIVEN = (
        "the schema profile given does not fit the deployed schema",
        "drop --schema-profile (PLANNING_SCHEMA_PROFILE) so that the suite detects the "
        "schema's shape, or name the profile it fits",
    )
    PERMISSIONS = (
        "the database user lacks the runbook's privileges",
        "grant SELECT, INSERT, UPDATE, DELETE on the Stream 5 tables and CREATE on their "
        "schema to the DSN's user (runbook Prerequisites: Staging Database Credentials)",
    )
    LOCK = (
        "a lock held on a runbook table blocks the checks",
        "end or wait out the session holding the lock (pg_terminate_backend(pid) if it is "
        "stuck), then run the suite again",
    )
    SEED = (
        "the movement library is not the 8 foundational movements, all published",
        "re-seed with `planning-engine seed` (runbook Phase 2, Option A)",
    )
    DUPLICATES = (
        "the library has duplicate movements",
        "existing data conflicts: truncate and re-seed (runbook Troubleshooting: Duplicate "
        "movement)",
    )
    EXTRA_MOVEMENTS = (
        "the library holds movements beyond the foundational 8",
        "movements beyond the foundational 8 survive a re-seed: truncate movement_library, "
        "movement_staging and movement_audit_log, then re-seed (runbook Troubleshooting: "
        "Duplicate movement; Rollback: Movement Seeding)",
    )
    AUDIT = (
        "the audit log does not match the library",
        "truncate movement_library, movement_staging, movement_audit_log and re-seed (runbook"
        " Rollback: Movement Seeding)",
    )
    API = (
        "the planning API does not answer",
        "check PLANNING_API_URL and that the service is running",
    )
    API_ERROR = (
        "the planning API answers with server errors",
        "the service fails requests: read the engine log for the failing request's error",
    )
    API_PROFILE = (
        "the planning API serves none of the known routes",
        "point PLANNING_API_URL at the planning engine or its gateway, or name the "
        "deployment's routes with --api-profile (PLANNING_API_PROFILE) (README: Which "
        "deployment?)",
    )
    RATE_LIMIT = (
        "the gateway's rate limits outlast the run's budget",
        "the gateway rate-limits the test user for longer than the run can wait: raise "
        "--max-duration (PLANNING_MAX_DURATION), or check the engine's own routes",
    )
    TOKEN = (
        "the test user's token is rejected",
        "check that PLANNING_API_TOKEN (or STAGING_TOKEN) is a valid, unexpired token of this"
        " staging's test user",
    )
    JOBS = (
        "plan jobs do not complete",
        "check that plan workers are running and the logs for errors (runbook Alerts: Plan "
        "generation errors increase)",
    )
    JOB_ERRORS = (
        "plan jobs fail",
        "the jobs fail: read the engine's error for them (its stderr; the first is quoted) "
        "and fix what it names (runbook Alerts: Plan generation errors increase)",
    )
    QUEUE_STRANDED = (
        "plan jobs are stranded in the engine's in-memory queue",
        "jobs wait in the engine's in-memory queue and nothing drains it: raise "
        "PLAN_GENERATION_MAX_CONCURRENT and restart the engine (its queue drains only on the "
        "next request)",
    )
    PLAN_CACHE = (
        "plan jobs are left queued by plan-cache hits",
        "a plan-cache hit leaves jobs queued: clear Redis plan:* or set "
        "PLAN_CACHE_TTL_SECONDS=0, and restart the engine",
    )
    READ_ONLY = (
        "the database refuses writes",
        "make the database writable for the service (a read-only replica, "
        "default_transaction_read_only, or a full disk): point the service at the primary",
    )
    FLAG = (
        "scoring is not enabled",
        "set FEATURE_V1_PLANNING_SCORING=true and restart the service (runbook "
        "Troubleshooting: Scoring Not Appearing)",
    )
    UNSCORED_JOBS = (
        "recent plan jobs carry no scoring",
        "the test plans are scored, so the flag is on: find why these jobs are not (made "
        "before the flag was turned on, or by an instance running with it off? runbook "
        "Troubleshooting: Scoring Not Appearing)",
    )
    CONTRACT = (
        "scoring payloads break the fixed-weight-v1 contract",
        "check the scoring calculation and the fixed weights (runbook Troubleshooting: "
        "Scoring Validation Fails)",
    )
    SCORING_ERRORS = (
        "the engine logged scoring calculation errors",
        "read the logged scoring errors (the first are quoted) and fix what fails in the "
        "scorer (runbook Troubleshooting: Scoring Validation Fails; Alerts: scoring logic "
        "failure)",
    )
    SCORER = (
        "stored scores differ from fixed-weight-v1 recomputed from their plans",
        "the deployed scorer computes fixed-weight-v1 differently from the reference: check "
        "the scorer release (runbook Troubleshooting: Scoring Validation Fails)",
    )
    PERSISTENCE = (
        "scoring is not stored as the API returns it",
        "the service returns scoring that the database does not hold as returned "
        "(plan_jobs.result_data and plans.content): check how the deployed build stores job "
        "results (runbook Phase 4: Verify scoring persisted in database)",
    )
    SECURITY = (
        "the API does not protect jobs",
        "the API must require a valid bearer token and check job ownership",
    )
    TOKEN_CLAIMS = (
        "the API accepts expired tokens or tokens meant for others",
        "the API must check each token's expiry, and its audience and issuer where tokens "
        "carry them, not only its signature",
    )
    IDEMPOTENCY = (
        "a retried plan request creates a second job",
        "the API must answer a repeated Idempotency-Key with the job it already created: a "
        "client retrying after a timeout otherwise gets a second plan",
    )
    PERFORMANCE = (
        "runbook queries are slower than the SLA",
        "check the indexes of the tables the query reads (movement_library: name, status; "
        "plan_jobs: status, created_at) and the database load (runbook Success Criteria: No "
        "performance regressions)",
    )
    ERROR_RATE = (
        "plan jobs fail more often since the deploy",
        "plan jobs fail more often since the deploy than before it: read the failed jobs' "
        "errors since the deploy and roll back if the release caused them (runbook Success "
        "Criteria: No increase in error rates; Alerts: Plan generation errors increase)",
    )
    SCORING_SHARE = (
        "fewer plans are scored since the deploy",
        "fewer completed plans carry scoring since the deploy than before it: check the flag "
        "on every instance (runbook Troubleshooting: Scoring Not Appearing)",
    )
    LATENCY = (
        "plan jobs are slower since the deploy",
        "plan jobs take longer since the deploy than before it: compare the release's "
        "generation and scoring time with the previous one, and roll back if it is the cause "
        "(runbook Success Criteria: No performance regressions)",
    )
    REGRESSION = (
        "slower than at the last GO on this target",
        "slower than at the last GO on this target: check the indexes and the database load, "
        "and what changed since that run (runbook Monitoring: Average scoring time: monitor "
        "for performance regression)",
    )
    LOGS = (
        "the engine log has errors",
        "investigate the errors in the engine log (runbook Rollback: Scoring Feature, step 4)",
    )
    IMPORTS = (
        "movement imports have failed",
        "read the failed imports' errors and re-run the seed (runbook Troubleshooting: "
        "Movement Seeding Fails)",
    )
    ERROR_MESSAGES = (
        "the engine's error messages do not explain the problem",
        "the engine's error messages must name the fix",
    )
    LOG_COMMAND = (
        "the engine log cannot be read",
        "make PLANNING_ENGINE_LOG_COMMAND print the engine log and exit (e.g. `kubectl logs`,"
        " not `-f`); check it by hand",
    )
    BUDGET = (
        "the run's time budget ran out",
        "find what the run was waiting for in the first failures; raise --max-duration "
        "(PLANNING_MAX_DURATION) only if the staging is slow but healthy",
    )

    def __init__(self, title: str, remedy: str) -> None:
        self.title = title
        self.remedy = remedy

    @property
    def key(self) -> str:
        """The name a scenario's record, the history and verdict.json keep the cause under."""
        return self.name.lower()

    @classmethod
    def of(cls, key: str) -> "Fix | None":
        """The fix recorded under `key` ("" or an unknown key: none)."""
        return cls.__members__.get(key.upper()) if key else None
