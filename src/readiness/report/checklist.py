"""The runbook's checklists, each item tied to the criteria (scenarios) that check it.

This is what product ticks off on the sign-off page: section and wording follow
STAGING_DEPLOYMENT_READINESS.md. A scenario declares the criterion it checks with a tag in its
feature file (`@criterion:phase4.persisted`); an item names those keys, never a scenario's
title, so that a title can be reworded without touching this table.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ChecklistItem:
    """A runbook line and the criteria that check it; none for a line only people can tick.

    Whether it is required is not said here: it is required when a required scenario checks
    it, which the scenarios' tags decide (readiness.report.inventory.INFORMATIVE_TAGS), once."""

    text: str
    criteria: tuple[str, ...]


CHECKLIST: dict[str, tuple[ChecklistItem, ...]] = {
    "Prerequisites": (
        ChecklistItem(
            "Staging Database Credentials (DSN, permissions)",
            ("prerequisites.credentials", "prerequisites.permissions"),
        ),
        # The suite's expectation alone would tick it without looking at the target: the
        # engine's own evaluation of the flag (its log, else /health) ticks it too.
        ChecklistItem(
            'FEATURE_V1_PLANNING_SCORING set to "true"',
            ("prerequisites.flag_expected", "phase3.flag"),
        ),
        ChecklistItem("Contract validator available", ("prerequisites.validator",)),
    ),
    "Phase 1: Database Setup": (
        ChecklistItem("Verify connectivity (SELECT version())", ("phase1.connectivity",)),
        ChecklistItem("Schema applied", ("phase1.schema",)),
        ChecklistItem(
            "Tables exist: movement_library, movement_staging, movement_audit_log, plan_jobs",
            ("phase1.tables",),
        ),
    ),
    "Phase 2: Movement Seeding": (
        ChecklistItem("Option A: seed directly", ("phase2.option_a",)),
        ChecklistItem("Option B: restore from CI dump", ("phase2.option_b",)),
        ChecklistItem("Verify count: 8 movements", ("phase2.count",)),
        ChecklistItem("Movement library listing", ("phase2.listing",)),
        ChecklistItem("Audit log > 0", ("phase2.audit",)),
        ChecklistItem("Re-seeding is idempotent", ("phase2.reseed_unchanged", "phase2.idempotent")),
    ),
    "Phase 3: Enable Scoring": (
        ChecklistItem("Scoring flag enabled", ("phase3.flag",)),
        ChecklistItem(
            "Test plan generated; resultData.scoring version fixed-weight-v1", ("phase3.test_plan",)
        ),
    ),
    "Phase 4: Validation": (
        ChecklistItem("Movement counts: published = 8", ("phase4.published",)),
        ChecklistItem("No duplicate movements", ("phase4.unique",)),
        ChecklistItem(
            "Audit log integrity: imported = 8, published = 8",
            ("phase4.audit_actions", "phase4.audit_in_library"),
        ),
        ChecklistItem("Plans with scoring (plan_jobs query)", ("phase4.plans_with_scoring",)),
        ChecklistItem("Generate test plan via API", ("phase3.test_plan",)),
        ChecklistItem("Verify scoring present in response", ("phase4.response",)),
        ChecklistItem("Verify scoring persisted in database", ("phase4.persisted",)),
        ChecklistItem("Verify scoring matches contract schema", ("phase4.contract",)),
        # Not a runbook line: the runbook validates scoring by shape, which a consistently
        # wrong scorer passes; this criterion recomputes every stored score with the reference.
        ChecklistItem(
            "Scores are correct: recomputed independently from the stored plans",
            ("phase4.recomputed",),
        ),
        ChecklistItem("Check application logs for errors", ("phase4.log",)),
    ),
    "Success Criteria": (
        ChecklistItem(
            "Movement library contains 8 movements (all published)",
            ("phase2.count", "phase4.published"),
        ),
        ChecklistItem("No duplicate movements in library", ("phase4.unique",)),
        ChecklistItem(
            "Audit log entries match import/publish actions",
            ("phase4.audit_actions", "phase4.audit_in_library"),
        ),
        ChecklistItem("Scoring feature flag enabled", ("phase3.flag",)),
        ChecklistItem(
            "Test plans include scoring in response", ("phase3.test_plan", "phase4.response")
        ),
        ChecklistItem(
            "Scoring payloads validate against contract",
            ("phase4.contract", "post_deploy.test_plans"),
        ),
        ChecklistItem(
            "Scores are correct: recomputed independently from the stored plans",
            ("phase4.recomputed",),
        ),
        ChecklistItem(
            "No increase in error rates",
            (
                "phase4.log",
                "monitoring.scoring_errors",
                "monitoring.import_failures",
                "since_deploy.error_rate",
                "since_deploy.scoring_share",
            ),
        ),
        ChecklistItem(
            "No performance regressions",
            ("post_deploy.sla", "since_deploy.latency", "since_deploy.regression"),
        ),
    ),
    "Post-Deployment Validation (within 1 hour)": (
        ChecklistItem("Generate 10+ test plans successfully", ("post_deploy.test_plans",)),
        ChecklistItem("All plans include valid scoring payloads", ("post_deploy.test_plans",)),
        ChecklistItem(
            "No scoring calculation errors in logs", ("post_deploy.scoring_errors_logged",)
        ),
        ChecklistItem("Database queries performing within SLA", ("post_deploy.sla",)),
    ),
    "Post-Deployment Validation (within 24 hours, within 1 week)": (
        ChecklistItem("QA team validates end-to-end flow", ()),
        ChecklistItem("Frontend team integrates with scoring API", ()),
        ChecklistItem("No critical issues reported", ()),
        ChecklistItem("Gather feedback from internal users", ()),
        ChecklistItem("Monitor metrics (plan quality, adherence)", ()),
        ChecklistItem("Plan production rollout", ()),
    ),
    "Post-Deployment Tasks (Day 0-1)": (
        ChecklistItem("Monitor application logs for errors", ("phase4.log",)),
        ChecklistItem("Verify scoring in 10+ generated plans", ("post_deploy.test_plans",)),
        ChecklistItem(
            "Run contract validator against staging data", ("post_deploy.stored_contract",)
        ),
    ),
    "Logs to Monitor": (
        ChecklistItem(
            'Feature flag evaluation ("Feature flag override from environment")', ("phase3.flag",)
        ),
        ChecklistItem(
            'Scoring execution ("Applied fixed-weight scoring")', ("post_deploy.scoring_logged",)
        ),
    ),
    "Monitoring & Alerts": (
        ChecklistItem("Movement count has not dropped below 8", ("monitoring.movement_count",)),
        ChecklistItem("Import failures: 0", ("monitoring.import_failures",)),
        ChecklistItem("Scoring calculation errors: 0", ("monitoring.scoring_errors",)),
        ChecklistItem("Plan generation errors have not increased", ("since_deploy.error_rate",)),
    ),
    "API security": (
        ChecklistItem("Requests without a token are rejected", ("security.token_required",)),
        ChecklistItem("Jobs are private to their user", ("security.job_ownership",)),
        ChecklistItem(
            "Forged tokens (another key, alg none) are rejected", ("security.forged_tokens",)
        ),
        ChecklistItem(
            "Expired tokens and tokens for another audience or issuer are rejected",
            ("security.token_claims",),
        ),
        ChecklistItem(
            "A retried request (same Idempotency-Key) creates one job", ("security.idempotency",)
        ),
    ),
    "Rollback Procedures (drills)": (
        ChecklistItem(
            "Scoring rollback: flag off, new plans unscored, existing keep scoring",
            ("rollback.scoring",),
        ),
        ChecklistItem("Movement seeding rollback: truncate and re-seed", ("rollback.seeding",)),
        ChecklistItem(
            "Troubleshooting: table missing -> migrate", ("troubleshooting.table_missing",)
        ),
        ChecklistItem(
            "Troubleshooting: connection error explained", ("troubleshooting.connection_error",)
        ),
        ChecklistItem(
            "Troubleshooting: duplicate movement explained", ("troubleshooting.duplicate_movement",)
        ),
        ChecklistItem(
            "Troubleshooting: scoring validation fails -> validate-scoring names the field",
            ("troubleshooting.validation_fails",),
        ),
    ),
}
