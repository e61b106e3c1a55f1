"""The runbook's checklists, each item tied to the scenario(s) that check it.

This is what product ticks off on the sign-off page: section and wording follow
STAGING_DEPLOYMENT_READINESS.md; scenario titles are the Gherkin ones (outlines by template).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ChecklistItem:
    """A runbook line and the scenarios that check it; none for a line only people can tick.

    Whether it is required is not said here: it is required when a required scenario checks
    it, which the scenarios' tags decide (readiness.report.inventory.INFORMATIVE_TAGS), once."""

    text: str
    scenarios: tuple[str, ...]


PLAN_OUTLINE = (
    "The <weeks>-week test plan for <experience> athletes training <goal> <goal_days> of"
    " <available_days> days a week is valid and scored"
)
SLA_OUTLINE = "The runbook query for <check> runs within the SLA"
# Not a runbook line: the runbook validates scoring by shape, which a consistently wrong scorer
# passes; this criterion recomputes every stored score with the reference implementation.
ORACLE_SCENARIO = "Every stored score is correct when recomputed from its plan"

CHECKLIST: dict[str, tuple[ChecklistItem, ...]] = {
    "Prerequisites": (
        ChecklistItem(
            "Staging Database Credentials (DSN, permissions)",
            (
                "The staging database credentials are available",
                "The database user has the permissions the runbook lists",
            ),
        ),
        # The suite's expectation alone would tick it without looking at the target: the
        # engine's own evaluation of the flag (its log, else /health) ticks it too.
        ChecklistItem(
            'FEATURE_V1_PLANNING_SCORING set to "true"',
            ("The scoring flag is expected on", "The engine evaluates the scoring flag as enabled"),
        ),
        ChecklistItem(
            "Contract validator available", ("The scoring contract validator is available",)
        ),
    ),
    "Phase 1: Database Setup": (
        ChecklistItem("Verify connectivity (SELECT version())", ("The database answers",)),
        ChecklistItem("Schema applied", ("The schema is applied",)),
        ChecklistItem(
            "Tables exist: movement_library, movement_staging, movement_audit_log, plan_jobs",
            ("The runbook's tables exist",),
        ),
    ),
    "Phase 2: Movement Seeding": (
        ChecklistItem(
            "Option A: seed directly",
            ("Option A - seeding directly gives the foundational library",),
        ),
        ChecklistItem(
            "Option B: restore from CI dump",
            ("Option B - restoring the CI dump gives the same library",),
        ),
        ChecklistItem(
            "Verify count: 8 movements", ("The library holds the 8 foundational movements",)
        ),
        ChecklistItem(
            "Movement library listing",
            ("The listing shows the foundational movements and their categories",),
        ),
        ChecklistItem("Audit log > 0", ("The audit log records the seeding",)),
        ChecklistItem(
            "Re-seeding is idempotent",
            ("Re-seeding the library would change nothing", "Seeding again is idempotent"),
        ),
    ),
    "Phase 3: Enable Scoring": (
        ChecklistItem(
            "Scoring flag enabled", ("The engine evaluates the scoring flag as enabled",)
        ),
        ChecklistItem(
            "Test plan generated; resultData.scoring version fixed-weight-v1",
            ("A test plan generated through the API is scored",),
        ),
    ),
    "Phase 4: Validation": (
        ChecklistItem("Movement counts: published = 8", ("Every movement is published",)),
        ChecklistItem("No duplicate movements", ("Every movement is unique by name",)),
        ChecklistItem(
            "Audit log integrity: imported = 8, published = 8",
            (
                "The audit log matches the import and publish actions",
                "Every audited movement is in the library",
            ),
        ),
        ChecklistItem(
            "Plans with scoring (plan_jobs query)",
            ("Recent completed plans carry valid scoring in the database",),
        ),
        ChecklistItem(
            "Generate test plan via API", ("A test plan generated through the API is scored",)
        ),
        ChecklistItem(
            "Verify scoring present in response", ("Scoring is present in the API response",)
        ),
        ChecklistItem(
            "Verify scoring persisted in database",
            ("Scoring is persisted in the database as returned",),
        ),
        ChecklistItem("Verify scoring matches contract schema", ("Scoring matches the contract",)),
        ChecklistItem(
            "Scores are correct: recomputed independently from the stored plans",
            (ORACLE_SCENARIO,),
        ),
        ChecklistItem(
            "Check application logs for errors", ("The application log shows no errors",)
        ),
    ),
    "Success Criteria": (
        ChecklistItem(
            "Movement library contains 8 movements (all published)",
            ("The library holds the 8 foundational movements", "Every movement is published"),
        ),
        ChecklistItem("No duplicate movements in library", ("Every movement is unique by name",)),
        ChecklistItem(
            "Audit log entries match import/publish actions",
            (
                "The audit log matches the import and publish actions",
                "Every audited movement is in the library",
            ),
        ),
        ChecklistItem(
            "Scoring feature flag enabled", ("The engine evaluates the scoring flag as enabled",)
        ),
        ChecklistItem(
            "Test plans include scoring in response",
            (
                "A test plan generated through the API is scored",
                "Scoring is present in the API response",
            ),
        ),
        ChecklistItem(
            "Scoring payloads validate against contract",
            ("Scoring matches the contract", PLAN_OUTLINE),
        ),
        ChecklistItem(
            "Scores are correct: recomputed independently from the stored plans",
            (ORACLE_SCENARIO,),
        ),
        ChecklistItem(
            "No increase in error rates",
            (
                "The application log shows no errors",
                "No scoring calculation has failed",
                "No movement import has failed",
                "No increase in plan job failures since the deploy",
                "No fewer scored plans since the deploy",
            ),
        ),
        ChecklistItem(
            "No performance regressions",
            (
                SLA_OUTLINE,
                "No slower plan jobs since the deploy",
                "No performance regression since the last GO",
            ),
        ),
    ),
    "Post-Deployment Validation (within 1 hour)": (
        ChecklistItem("Generate 10+ test plans successfully", (PLAN_OUTLINE,)),
        ChecklistItem("All plans include valid scoring payloads", (PLAN_OUTLINE,)),
        ChecklistItem(
            "No scoring calculation errors in logs", ("No scoring calculation errors are logged",)
        ),
        ChecklistItem("Database queries performing within SLA", (SLA_OUTLINE,)),
    ),
    "Post-Deployment Validation (within 24 hours, within 1 week)": tuple(
        ChecklistItem(text, ())
        for text in (
            "QA team validates end-to-end flow",
            "Frontend team integrates with scoring API",
            "No critical issues reported",
            "Gather feedback from internal users",
            "Monitor metrics (plan quality, adherence)",
            "Plan production rollout",
        )
    ),
    "Post-Deployment Tasks (Day 0-1)": (
        ChecklistItem(
            "Monitor application logs for errors", ("The application log shows no errors",)
        ),
        ChecklistItem("Verify scoring in 10+ generated plans", (PLAN_OUTLINE,)),
        ChecklistItem(
            "Run contract validator against staging data",
            ("The contract validator passes the scoring stored on staging",),
        ),
    ),
    "Logs to Monitor": (
        ChecklistItem(
            'Feature flag evaluation ("Feature flag override from environment")',
            ("The engine evaluates the scoring flag as enabled",),
        ),
        ChecklistItem(
            'Scoring execution ("Applied fixed-weight scoring")',
            ("Scoring is logged for the test plan",),
        ),
    ),
    "Monitoring & Alerts": (
        ChecklistItem(
            "Movement count has not dropped below 8",
            ("The movement library count has not dropped below 8",),
        ),
        ChecklistItem("Import failures: 0", ("No movement import has failed",)),
        ChecklistItem("Scoring calculation errors: 0", ("No scoring calculation has failed",)),
        ChecklistItem(
            "Plan generation errors have not increased",
            ("No increase in plan job failures since the deploy",),
        ),
    ),
    "API security": (
        ChecklistItem(
            "Requests without a token are rejected", ("Requests without a token are rejected",)
        ),
        ChecklistItem(
            "Jobs are private to their user", ("One user cannot read another user's job",)
        ),
        ChecklistItem(
            "Forged tokens (another key, alg none) are rejected",
            ("Tokens forged without the signing key are rejected",),
        ),
        ChecklistItem(
            "Expired tokens and tokens for another audience or issuer are rejected",
            ("Expired tokens and tokens for another audience or issuer are rejected",),
        ),
        ChecklistItem(
            "A retried request (same Idempotency-Key) creates one job",
            ("A retried plan request with the same Idempotency-Key creates one job",),
        ),
    ),
    "Rollback Procedures (drills)": (
        ChecklistItem(
            "Scoring rollback: flag off, new plans unscored, existing keep scoring",
            ("Turning the scoring flag off stops scoring new plans and keeps existing scores",),
        ),
        ChecklistItem(
            "Movement seeding rollback: truncate and re-seed",
            ("Truncating and re-seeding restores the movement library",),
        ),
        ChecklistItem(
            "Troubleshooting: table missing -> migrate",
            ("Seeding a database without the schema points to migrate",),
        ),
        ChecklistItem(
            "Troubleshooting: connection error explained",
            ("Seeding an unreachable database explains the connection error",),
        ),
        ChecklistItem(
            "Troubleshooting: duplicate movement explained",
            ("Seeding over a movement that already has the name explains the conflict",),
        ),
        ChecklistItem(
            "Troubleshooting: scoring validation fails -> validate-scoring names the field",
            ("The contract validator names what is wrong with a corrupted payload",),
        ),
    ),
}
