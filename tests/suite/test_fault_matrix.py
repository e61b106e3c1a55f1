"""Prove the gate: for each way a staging deployment can be broken, the readiness suite says NO-GO,
the scenarios tied to that criterion fail with the cause and the runbook's fix, and every other
scenario still passes. The healthy target gives GO.

Data faults are made from the outside (SQL on the target's database after seeding); behaviour
faults through the reference engine's PLANNING_ENGINE_FAULTS. The matrix runs in both schema
profiles: the staging's tables are made in the profile, the engine serves in it, and the suite
detects it (nothing tells the suite which it is). A data fault is made with the profile's SQL
where the runbook's does not fit, and may fail other scenarios there (`Variant`). The tables of
this file are docs/FAULT_MATRIX.md.
"""

import dataclasses
import json
import socket
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import make_conninfo
from pytest_bdd.parser import FeatureParser

from engine_sandbox.embedded_postgres import EmbeddedPostgres
from planning_engine.auth import mint_token
from planning_engine.migrate import migrate
from planning_engine.seeding import seed_foundational
from readiness.fixes import Fix
from readiness.target.engine_process import EngineProcess
from support.database import password_login
from support.known_secrets import JWT_SECRET
from support.suite_runner import run_suite

RUNBOOK, ATHLETE_ALLY = "runbook", "athlete-ally"
FEATURES = Path(__file__).resolve().parents[2] / "features"

AUDIT_TABLE = frozenset(
    {
        "phase1.tables[movement_audit_log]",
        "phase2.audit",
        "phase4.audit_actions",
        "phase4.audit_in_library",
    }
)


def _outline_rows(feature_file: str, criterion: str) -> frozenset[str]:
    """The criteria of an outline's rows, read from its feature file: junit.xml's `criterion`
    of a row is the outline's key and the row's values joined with "-"."""
    feature = FeatureParser(str(FEATURES), feature_file).parse()
    template = next(s for s in feature.scenarios.values() if f"criterion:{criterion}" in s.tags)
    return frozenset(
        f"{criterion}[{'-'.join(row.values())}]"
        for examples in template.examples
        for row in examples.as_contexts()
    )


PLAN_OUTLINE = _outline_rows("50_post_deployment.feature", "post_deploy.test_plans")
STORED_CONTRACT = frozenset({"post_deploy.stored_contract"})
# Every stored score recomputed from its stored plan: fails whenever the stored scoring is absent
# or differs from fixed-weight-v1 in any field but metadata.evaluatedAt.
ORACLE = frozenset({"phase4.recomputed"})
SCORING_LOGGED = frozenset({"post_deploy.scoring_logged"})
SCORED_PLAN = (
    frozenset(
        {
            # the flag's evaluation is read after the run's first plan
            "phase3.flag",
            "phase3.test_plan",
            "phase4.plans_with_scoring",
            "phase4.response",
            "phase4.persisted",
            "phase4.contract",
        }
    )
    | PLAN_OUTLINE
    | STORED_CONTRACT
    | SCORING_LOGGED
    | ORACLE
)
API_CONTRACT = frozenset({"phase4.contract"}) | PLAN_OUTLINE
CONTRACT = API_CONTRACT | STORED_CONTRACT
# A wrong version or total also fails the runbook's own version / total checks.
VERSION_OR_TOTAL = frozenset(
    {
        "phase3.test_plan",
        "phase4.plans_with_scoring",
    }
)
COUNT = frozenset({"phase2.count"})
LISTING = frozenset({"phase2.listing"})
STATUS = frozenset({"phase4.published"})
RESEED = frozenset({"phase2.reseed_unchanged"})
METRIC_COUNT = frozenset({"monitoring.movement_count"})
# What an empty library fails: whatever counts, lists or plans from the movements.
LIBRARY_EMPTY = (
    COUNT
    | LISTING
    | RESEED
    | METRIC_COUNT
    | SCORED_PLAN
    | {
        "phase4.audit_in_library",
        "security.job_ownership",
        "security.forged_tokens",
        "security.token_claims",
        "security.idempotency",
        "phase4.log",
    }
)
REGRESSION = frozenset({"since_deploy.regression"})
SINCE_THE_DEPLOY = REGRESSION | {
    "since_deploy.error_rate",
    "since_deploy.scoring_share",
    "since_deploy.latency",
}
ALL_DATABASE = frozenset(
    {
        "prerequisites.credentials",
        "prerequisites.permissions",
        "phase1.connectivity",
        "phase1.schema",
        *(
            f"phase1.tables[{t}]"
            for t in ("movement_library", "movement_staging", "movement_audit_log", "plan_jobs")
        ),
        "phase2.count",
        "phase2.audit",
        "phase2.listing",
        "phase2.reseed_unchanged",
        "phase4.published",
        "phase4.unique",
        "phase4.audit_actions",
        "phase4.audit_in_library",
        "phase4.plans_with_scoring",
        "phase4.persisted",
        *STORED_CONTRACT,
        *ORACLE,
        *(
            f"post_deploy.sla[{q}]"
            for q in (
                "movement count",
                "movement listing",
                "audit log size",
                "status counts",
                "duplicate names",
                "audit actions",
                "recent scoring",
            )
        ),
        *SINCE_THE_DEPLOY,
    }
)


# An engine log with one scoring error line from before the run: `{log}` is the engine's log.
LOG_WITH_A_SCORING_ERROR = (
    'cat \'{log}\'; echo \'{"level": "error", "message": "Scoring calculation error",'
    ' "job_id": "an-earlier-job", "error": "ZeroDivisionError"}\''
)
# What a database that refuses writes fails: everything that needs a plan, the grants check and
# the re-seed dry run (it stages rows, then rolls back).
# the reference engine's API stops answering on such a database: the token checks fail too.
READ_ONLY = SCORED_PLAN | {
    "prerequisites.permissions",
    "phase2.reseed_unchanged",
    "security.job_ownership",
    "security.forged_tokens",
    "security.token_claims",
    "security.idempotency",
    "security.token_required",
    "monitoring.scoring_errors",
}


@dataclass(frozen=True)
class Variant:
    """The fault in the athlete-ally schema: its SQL, and what it fails there, where they differ."""

    sql: str | None = None
    fails: frozenset[str] | None = None
    cause: str | None = None


@dataclass(frozen=True)
class Fault:
    """A broken staging: `fails` are exactly the scenarios that must fail, each naming a runbook
    fix; one of them says both what was found (`cause`) and the criterion's own fix (`fix`)."""

    name: str
    criterion: str
    fails: frozenset[str]
    fix: str
    cause: str
    sql: str = ""
    engine_env: dict[str, str] = field(default_factory=dict)
    suite_env: dict[str, str] = field(default_factory=dict)
    workers: int = 4
    athlete_ally: Variant = Variant()

    def in_profile(self, profile: str) -> "Fault":
        """The fault as it is made, and what it fails, on a staging of `profile`."""
        if profile == RUNBOOK:
            return self
        variant = self.athlete_ally
        return dataclasses.replace(
            self,
            sql=variant.sql if variant.sql is not None else self.sql,
            fails=variant.fails if variant.fails is not None else self.fails,
            cause=variant.cause if variant.cause is not None else self.cause,
        )


FAULTS = [
    # schema
    Fault(
        "table missing",
        "Phase 1: tables exist",
        AUDIT_TABLE
        | REGRESSION  # it times every runbook query, the audit log's among them
        | {
            "phase1.schema",
            "post_deploy.sla[audit actions]",
            "post_deploy.sla[audit log size]",
        },
        "planning-engine migrate",
        sql="DROP TABLE movement_audit_log",
        cause="no table movement_audit_log",
        athlete_ally=Variant(
            # this importer checks the whole schema before it compares anything
            fails=AUDIT_TABLE
            | RESEED
            | REGRESSION
            | {
                "phase1.schema",
                "post_deploy.sla[audit actions]",
                "post_deploy.sla[audit log size]",
            }
        ),
    ),
    Fault(
        "Postgres unreachable",
        "Prerequisites: database credentials",
        ALL_DATABASE,
        "verify the DSN format and credentials",
        suite_env={"PLANNING_DATABASE_URL": "unreachable"},
        cause="cannot reach Postgres at 127.0.0.1",
    ),
    Fault(
        "wrong password",
        "Prerequisites: database credentials",
        ALL_DATABASE,
        "verify the DSN format and credentials",
        suite_env={"PLANNING_DATABASE_URL": "wrong-password"},
        cause="rejected the credentials",
    ),
    Fault(
        "database user with SELECT only",
        "Prerequisites: database permissions",
        frozenset(
            {
                "prerequisites.permissions",
                "phase2.reseed_unchanged",  # its dry run stages rows
            }
        ),
        "grant SELECT, INSERT, UPDATE, DELETE on the Stream 5 tables",
        suite_env={"PLANNING_DATABASE_URL": "select-only"},
        cause="not granted: INSERT on movement_library",
        athlete_ally=Variant(
            # re-seeding the unchanged library writes nothing here, so its dry run needs no grant
            fails=frozenset({"prerequisites.permissions"})
        ),
    ),
    # seeding
    Fault(
        "library empty",
        "8 movements, all published",
        LIBRARY_EMPTY | STATUS,
        "re-seed with `planning-engine seed`",
        sql="DELETE FROM movement_library",
        cause="movement_library has 0 rows",
        athlete_ally=Variant(
            # the drafts keep their PUBLISHED status: only the library is empty
            fails=LIBRARY_EMPTY
        ),
    ),
    Fault(
        "7 of 8 movements",
        "8 movements, all published",
        COUNT | LISTING | STATUS | RESEED | METRIC_COUNT | {"phase4.audit_in_library"},
        "re-seed with `planning-engine seed`",
        sql="DELETE FROM movement_library WHERE movement_id = 'assault-bike'",
        cause="movement_library has 7 rows",
        athlete_ally=Variant(
            sql="DELETE FROM movement_library WHERE slug = 'assault-bike'",
            fails=COUNT | LISTING | RESEED | METRIC_COUNT | {"phase4.audit_in_library"},
        ),
    ),
    Fault(
        "one movement left draft",
        "8 movements, all published",
        STATUS | RESEED | METRIC_COUNT,
        "re-seed with `planning-engine seed`",
        sql="UPDATE movement_library SET status = 'draft' WHERE movement_id = 'deadlift'",
        cause="{'published': 7, 'draft': 1}",
        athlete_ally=Variant(
            # the library has no status: the draft carries it, and nothing else reads it
            sql="UPDATE movement_staging SET status = 'DRAFT' WHERE slug = 'deadlift'",
            fails=STATUS,
            cause="'draft': 1",
        ),
    ),
    Fault(
        "a movement's modalities changed by hand",
        "movement library listing",
        LISTING,
        "re-seed with `planning-engine seed`",
        sql="UPDATE movement_library SET modalities = '{dumbbell}' WHERE movement_id = 'back-squat'",
        cause="Back Squat: back-squat ['dumbbell']",
        athlete_ally=Variant(
            # the athlete-ally listing shows equipment; re-seeding compares every column
            sql="UPDATE movement_library SET equipment = '{dumbbell}' WHERE slug = 'back-squat'",
            fails=LISTING | RESEED,
        ),
    ),
    Fault(
        "a movement's category changed by hand",
        "movement library listing",
        LISTING,
        "re-seed with `planning-engine seed`",
        sql="UPDATE movement_library SET category = 'power' WHERE movement_id = 'deadlift'",
        cause="'Deadlift': 'power'",
        athlete_ally=Variant(
            sql="UPDATE movement_library SET classification = 'power' WHERE slug = 'deadlift'",
            fails=LISTING | RESEED,
        ),
    ),
    Fault(
        "duplicate movement name",
        "no duplicate movements",
        COUNT | LISTING | STATUS | RESEED | {"phase4.unique"},
        "truncate and re-seed",
        sql="ALTER TABLE movement_library DROP CONSTRAINT movement_library_name_key;"
        " INSERT INTO movement_library (movement_id, name, category, recommended_rpe, content_hash, status)"
        " VALUES ('back-squat-copy', 'Back Squat', 'strength', 8, 'x', 'draft')",
        cause="duplicated names [('Back Squat', 2)]",
        athlete_ally=Variant(
            sql='INSERT INTO movement_library (id, slug, name, classification, "publishedById",'
            " \"updatedAt\") VALUES ('copy', 'back-squat-copy', 'Back Squat', 'strength', 'x', now())",
            fails=COUNT | LISTING | RESEED | {"phase4.unique"},
        ),
    ),
    Fault(
        "a movement beyond the foundational 8",
        "8 movements, all published",
        COUNT | LISTING | STATUS,
        "truncate movement_library, movement_staging and movement_audit_log, then re-seed",
        sql="INSERT INTO movement_library (movement_id, name, category, recommended_rpe,"
        " content_hash, status) VALUES ('hip-thrust', 'Hip Thrust', 'strength', 7, 'x', 'published')",
        cause="movement_library has 9 rows",
        athlete_ally=Variant(
            # the status counts read the drafts, which the extra library row has none of
            sql='INSERT INTO movement_library (id, slug, name, classification, "publishedById",'
            " \"updatedAt\") VALUES ('extra', 'hip-thrust', 'Hip Thrust', 'strength', 'x', now())",
            fails=COUNT | LISTING,
        ),
    ),
    Fault(
        "audit log missing the published rows",
        "audit log matches imports and publishes",
        frozenset({"phase4.audit_actions"}),
        "Rollback: Movement Seeding",
        sql="DELETE FROM movement_audit_log WHERE action = 'published'",
        cause="found {'imported': 8}",
        athlete_ally=Variant(
            sql="DELETE FROM movement_audit_log WHERE id = (SELECT min(id) FROM movement_audit_log"
            " WHERE action = 'PUBLISHED')",
            cause="'PUBLISHED': 7",
        ),
    ),
    Fault(
        "audit rows for a movement not in the library",
        "audit log matches imports and publishes",
        frozenset({"phase4.audit_in_library"}),
        "Rollback: Movement Seeding",
        sql="INSERT INTO movement_audit_log (movement_id, action, actor) VALUES ('ghost-lift', 'updated', 'x')",
        cause="not in the library: ['ghost-lift']",
        athlete_ally=Variant(
            sql='INSERT INTO movement_audit_log (id, action, "actorId", "actorEmail",'
            " \"movementLibraryId\") VALUES ('ghost', 'UPDATED', 'x', 'x@example.com', NULL)",
            cause="not in the library: ['audit row ghost']",
        ),
    ),
    # scoring
    Fault(
        "scoring flag off",
        "scoring flag enabled",
        SCORED_PLAN,
        "FEATURE_V1_PLANNING_SCORING=true",
        engine_env={"FEATURE_V1_PLANNING_SCORING": "false"},
        cause="completed without resultData.scoring",
    ),
    Fault(
        "version fixed-weight-v2",
        "payloads validate against the contract",
        CONTRACT | VERSION_OR_TOTAL | ORACLE,
        "Scoring Validation Fails",
        engine_env={"PLANNING_ENGINE_FAULTS": "scoring_version_v2"},
        cause="version 'fixed-weight-v2'",
    ),
    Fault(
        "total 1.2",
        "payloads validate against the contract",
        CONTRACT | VERSION_OR_TOTAL | ORACLE,
        "Scoring Validation Fails",
        engine_env={"PLANNING_ENGINE_FAULTS": "scoring_total_out_of_range"},
        cause="total 1.2",
    ),
    Fault(
        "weights sum to 0.9",
        "payloads validate against the contract",
        CONTRACT | ORACLE,
        "Scoring Validation Fails",
        engine_env={"PLANNING_ENGINE_FAULTS": "scoring_weights_0_9"},
        cause="weights sum to 0.9",
    ),
    Fault(
        "contribution != weight x score",
        "payloads validate against the contract",
        CONTRACT | ORACLE,
        "Scoring Validation Fails",
        engine_env={"PLANNING_ENGINE_FAULTS": "scoring_bad_contribution"},
        cause="contribution: 0.3 is not weight x score",
    ),
    Fault(
        "missing factor",
        "payloads validate against the contract",
        CONTRACT | ORACLE,
        "Scoring Validation Fails",
        engine_env={"PLANNING_ENGINE_FAULTS": "scoring_missing_factor"},
        cause="'performance' is a required property",
    ),
    Fault(
        "evaluatedAt not a date",
        "payloads validate against the contract",
        CONTRACT,
        "Scoring Validation Fails",
        engine_env={"PLANNING_ENGINE_FAULTS": "scoring_bad_timestamp"},
        cause="'not-a-date' is not a 'date-time'",
    ),
    Fault(
        "scoring in the response but not persisted",
        "scoring persisted",
        STORED_CONTRACT
        | ORACLE
        | {
            "phase4.persisted",
            "phase4.plans_with_scoring",
        },
        "Verify scoring persisted in database",
        engine_env={"PLANNING_ENGINE_FAULTS": "scoring_not_persisted"},
        cause="plan_jobs.result_data has no scoring",
    ),
    Fault(
        "scoring stored in the job but not in its plan",
        "scoring persisted",
        frozenset({"phase4.persisted"}),
        "Verify scoring persisted in database",
        engine_env={"PLANNING_ENGINE_FAULTS": "plan_scoring_dropped"},
        cause="carries no scoring (plans.content)",
    ),
    Fault(
        "total stored unrounded",
        "payloads validate against the contract",
        CONTRACT | ORACLE,
        "Scoring Validation Fails",
        engine_env={"PLANNING_ENGINE_FAULTS": "scoring_unrounded"},
        cause="is not rounded to 4 decimals",
    ),
    Fault(
        "persisted scoring differs from the response",
        "scoring persisted",
        API_CONTRACT | SCORING_LOGGED | {"phase4.persisted"},
        "Scoring Validation Fails",
        engine_env={"PLANNING_ENGINE_FAULTS": "scoring_response_differs"},
        cause="the stored scoring differs at $.total",
    ),
    Fault(
        "scoring errors in the log, payloads valid",
        "no scoring calculation errors",
        frozenset(
            {
                "post_deploy.scoring_errors_logged",
                "phase4.log",
            }
        ),
        "fix what fails in the scorer",
        suite_env={"PLANNING_ENGINE_LOG_COMMAND": LOG_WITH_A_SCORING_ERROR},
        cause="the engine logged 1 scoring calculation error(s)",
    ),
    # jobs
    Fault(
        "jobs stay queued (no worker)",
        "test plans complete",
        SCORED_PLAN
        | {
            "security.job_ownership",
            "security.forged_tokens",
            "security.token_claims",
            "security.idempotency",
        },
        "plan workers are running",
        suite_env={"PLANNING_JOB_DEADLINE_S": "1"},
        workers=0,
        cause="is still queued after 1 s",
        athlete_ally=Variant(cause="is still pending after 1 s"),
    ),
    Fault(
        "jobs fail",
        "test plans complete",
        SCORED_PLAN
        | {
            "security.job_ownership",
            "security.forged_tokens",
            "security.token_claims",
            "security.idempotency",
            "phase4.log",
        },
        "read the engine's error for them",
        engine_env={"PLANNING_ENGINE_FAULTS": "fail_jobs"},
        cause="failed with errorData",
    ),
    Fault(
        "job completes without resultData",
        "test plans complete",
        SCORED_PLAN
        | {
            "security.job_ownership",
            "security.forged_tokens",
            "security.token_claims",
            "security.idempotency",
        },
        "plan workers are running",
        engine_env={"PLANNING_ENGINE_FAULTS": "empty_result"},
        cause="completed with resultData None",
    ),
    # security
    Fault(
        "jobs readable without a token",
        "API security",
        frozenset({"security.token_required"}),
        "valid bearer token",
        engine_env={"PLANNING_ENGINE_FAULTS": "no_auth"},
        cause="requests without a token answered {'a plan request': 202",
    ),
    Fault(
        "one user's job readable by another",
        "API security",
        frozenset({"security.job_ownership"}),
        "check job ownership",
        engine_env={"PLANNING_ENGINE_FAULTS": "no_ownership_check"},
        cause="found 200, expected 403 (or 404)",
    ),
    Fault(
        "database refuses writes",
        "test plans complete",
        READ_ONLY,
        "make the database writable for the service",
        sql="DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET default_transaction_read_only = on',"
        " current_database()); END $$",
        cause="the database refuses writes: default_transaction_read_only is on",
        # re-seeding the unchanged library writes nothing here, so its dry run is not refused
        athlete_ally=Variant(fails=READ_ONLY - {"phase2.reseed_unchanged"}),
    ),
    Fault(
        "tokens accepted without their signature checked",
        "API security",
        frozenset({"security.forged_tokens"}),
        "require a valid bearer token",
        engine_env={"PLANNING_ENGINE_FAULTS": "no_signature_check"},
        cause="forged tokens answered {'signed with another key': 200, 'unsigned (alg none)': 200}",
    ),
    Fault(
        "expired tokens accepted",
        "API security",
        frozenset({"security.token_claims"}),
        "check each token's expiry",
        engine_env={"PLANNING_ENGINE_FAULTS": "no_expiry_check"},
        cause="tokens it must refuse answered {'expired an hour ago': 200}",
    ),
    Fault(
        "a repeated Idempotency-Key makes a second job",
        "API security",
        frozenset({"security.idempotency"}),
        "answer a repeated Idempotency-Key with the job it already created",
        engine_env={"PLANNING_ENGINE_FAULTS": "no_idempotency"},
        cause="one Idempotency-Key sent twice made two jobs",
    ),
    # performance
    Fault(
        "runbook query slower than the SLA",
        "no performance regressions",
        frozenset(
            f"post_deploy.sla[{q}]"
            for q in ("movement count", "movement listing", "status counts", "duplicate names")
        ),
        "check the indexes of the tables the query reads",
        sql="ALTER TABLE movement_library RENAME TO movement_library_data;"
        " CREATE VIEW movement_library AS SELECT * FROM movement_library_data WHERE pg_sleep(0.08) IS NOT NULL",
        cause="expected <= 500 ms",
        athlete_ally=Variant(
            # the status counts read the drafts, not the slowed library
            fails=frozenset(
                f"post_deploy.sla[{q}]"
                for q in ("movement count", "movement listing", "duplicate names")
            )
        ),
    ),
    # scores that are well-formed but wrong: only recomputing them from the stored plan and
    # request (the suite as an oracle, fixed-weight-v1 by the reference) catches these
    Fault(
        "compliance scored 0.8x, consistently",
        "scores are correct (recomputed)",
        ORACLE,
        "check the scorer release",
        engine_env={"PLANNING_ENGINE_FAULTS": "scorer_compliance_0_8"},
        cause="factors.compliance.score: stored 0.8, recomputed 1.0",
    ),
    Fault(
        "compliance wrong only from 5 days a week",
        "scores are correct (recomputed)",
        ORACLE,
        "check the scorer release",
        engine_env={"PLANNING_ENGINE_FAULTS": "scorer_wrong_from_5_days"},
        cause="stored score(s) differ from fixed-weight-v1",
    ),
    Fault(
        "compliance wrong only for a goal above the days available",
        "scores are correct (recomputed)",
        ORACLE,
        "check the scorer release",
        engine_env={"PLANNING_ENGINE_FAULTS": "scorer_wrong_below_goal"},
        cause="stored score(s) differ from fixed-weight-v1",
    ),
    Fault(
        "performance wrong only for plans under 8 weeks",
        "scores are correct (recomputed)",
        ORACLE,
        "check the scorer release",
        engine_env={"PLANNING_ENGINE_FAULTS": "scorer_wrong_short_plans"},
        cause="stored score(s) differ from fixed-weight-v1",
    ),
    Fault(
        "scored on the plan before its last week",
        "scores are correct (recomputed)",
        ORACLE,
        "check the scorer release",
        engine_env={"PLANNING_ENGINE_FAULTS": "scoring_on_other_plan"},
        cause="factors.safety.score: stored 0.9955, recomputed 1.0",
    ),
    Fault(
        "stored plan edited after scoring",
        "scores are correct (recomputed)",
        ORACLE,
        "check the scorer release",
        engine_env={"PLANNING_ENGINE_FAULTS": "stored_plan_altered"},
        cause="factors.safety.metrics.totalSessions: stored 48, recomputed 47",
    ),
]


# Healthy stagings that differ from a fresh one the way real ones do: each must stay GO.
OLD_JOBS = {
    RUNBOOK: (
        "INSERT INTO plan_jobs (user_id, status, progress, request_data, error_data, created_at,"
        " updated_at) SELECT 'former-user', 'failed', 100, '{\"weeklyGoalDays\": 4}',"
        ' \'{"error": "worker lost"}\', now() - make_interval(days => 8 + n),'
        " now() - make_interval(days => 8 + n) FROM generate_series(1, 3) AS n"
    ),
    ATHLETE_ALLY: (
        'INSERT INTO plan_jobs (id, "jobId", "userId", status, progress, "requestData",'
        ' "errorData", "createdAt", "updatedAt") SELECT \'old-\' || n, \'plan-gen-old-\' || n,'
        " 'former-user', 'failed', 25, '{\"weeklyGoalDays\": 4}', NULL,"
        " now() - make_interval(days => 8 + n), now() - make_interval(days => 8 + n)"
        " FROM generate_series(1, 3) AS n"
    ),
}
HEALTHY_BUT_AWKWARD = {
    "failed jobs from a week before the deploy": Fault(
        "failed jobs from a week before the deploy",
        "",
        frozenset(),
        "",
        "",
        sql=OLD_JOBS[RUNBOOK],
        athlete_ally=Variant(sql=OLD_JOBS[ATHLETE_ALLY]),
    ),
    "another user's job answered 404": Fault(
        "another user's job answered 404",
        "",
        frozenset(),
        "",
        "",
        engine_env={"PLANNING_ENGINE_FAULTS": "others_jobs_not_found"},
    ),
}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RowResult:
    exit_code: int
    verdict: str
    failed: dict[str, str]
    skipped: set[str]
    output: str
    target: dict[str, Any]  # the run's identity in verdict.json: schema profile, drift


def _run_row(
    fault: Fault | None, profile: str, postgres: EmbeddedPostgres, folder: Path, suite_env_for
) -> RowResult:
    """Break a fresh staging (database + engine, both in `profile`) the fault's way and run the
    suite against it."""
    dsn = postgres.create_database("matrix", migrated=profile == RUNBOOK)
    engine = None
    try:
        with psycopg.connect(dsn) as conn:
            if profile != RUNBOOK:
                migrate(conn, profile=profile)
            seed_foundational(conn, actor="ops", profile=profile)
            if fault is not None and fault.sql:
                conn.execute(fault.sql)
        engine_env = {
            "PLANNING_JWT_SECRET": JWT_SECRET,
            "FEATURE_V1_PLANNING_SCORING": "true",
            "PLANNING_SCHEMA_PROFILE": profile,
            **(fault.engine_env if fault else {}),
        }
        # Serving is enough: with a table dropped, the athlete-ally engine's /health says 503.
        engine = EngineProcess(
            dsn, folder / "engine.log", engine_env, workers=fault.workers if fault else 4
        ).start(healthy=False)
        env = {**suite_env_for(engine, dsn), **(fault.suite_env if fault else {})}
        if "PLANNING_ENGINE_LOG_COMMAND" in env:  # the log read by a command instead
            log = env.pop("PLANNING_ENGINE_LOG_FILE")
            env["PLANNING_ENGINE_LOG_COMMAND"] = env["PLANNING_ENGINE_LOG_COMMAND"].replace(
                "{log}", log
            )
        if env["PLANNING_DATABASE_URL"] == "unreachable":
            env["PLANNING_DATABASE_URL"] = f"postgresql://qa:pw@127.0.0.1:{_closed_port()}/staging"
        elif env["PLANNING_DATABASE_URL"] == "select-only":
            with psycopg.connect(dsn) as conn:
                conn.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO matrix_reader")
            env["PLANNING_DATABASE_URL"] = make_conninfo(dsn, user="matrix_reader")
        elif env["PLANNING_DATABASE_URL"] == "wrong-password":
            env["PLANNING_DATABASE_URL"] = make_conninfo(
                dsn, user="matrix_user", password="wrong-password"
            )
        run = run_suite(folder, env)
        predicate = json.loads((folder / "reports" / "verdict.json").read_text())["predicate"]
        return RowResult(
            run.exit_code,
            predicate["verdict"],
            run.criteria_with_status("failed"),
            set(run.criteria_with_status("skipped")),
            run.output[-2000:],
            predicate["target"],
        )
    finally:
        if engine is not None:
            engine.stop()
        postgres.drop_database(dsn)


@pytest.fixture(scope="module", params=[RUNBOOK, ATHLETE_ALLY])
def matrix(
    request: pytest.FixtureRequest,
    postgres: EmbeddedPostgres,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, RowResult]]:
    """Every row in one schema profile, run three at a time against one shared Postgres (each
    on its own database); the rows are keyed by fault name and carry their profile's faults."""
    profile: str = request.param
    if postgres._server is None:
        pytest.skip(
            "PLANNING_TEST_DATABASE_URL server: the wrong-password row needs our own pg_hba.conf"
        )
    rows = {
        "healthy": None,
        **{name: row.in_profile(profile) for name, row in HEALTHY_BUT_AWKWARD.items()},
        **{f.name: f.in_profile(profile) for f in FAULTS},
    }
    with postgres.admin() as conn:
        conn.execute("CREATE ROLE matrix_reader LOGIN")
    try:
        with password_login(postgres, "matrix_user"), ThreadPoolExecutor(3) as pool:
            futures = {
                name: pool.submit(
                    _run_row, fault, profile, postgres, tmp_path_factory.mktemp("row"), _suite_env
                )
                for name, fault in rows.items()
            }
            results = {name: _outcome(future) for name, future in futures.items()}
            results["profile"] = profile  # type: ignore[assignment]
            yield results
    finally:
        with postgres.admin() as conn:
            conn.execute("DROP OWNED BY matrix_reader CASCADE")
            conn.execute("DROP ROLE matrix_reader")


def _outcome(future: "Future[RowResult]") -> RowResult:
    """A row whose staging could not even be made fails its own test, not all the others."""
    error = future.exception()
    if error is None:
        return future.result()
    return RowResult(-1, "not run", {}, set(), f"the row could not run: {error!r}", {})


def _suite_env(engine: EngineProcess, dsn: str) -> dict[str, str]:
    return {
        "PLANNING_API_URL": engine.url,
        "PLANNING_DATABASE_URL": dsn,
        "PLANNING_API_TOKEN": mint_token("qa-user", JWT_SECRET),
        "PLANNING_API_TOKEN_2": mint_token("qa-other-user", JWT_SECRET),
        "PLANNING_ENGINE_LOG_FILE": str(engine.log_file),
        "PLANNING_JWT_SECRET": JWT_SECRET,  # the expired-token check needs the signing key
    }


def test_the_healthy_staging_is_go(matrix: dict[str, RowResult]) -> None:
    row = matrix["healthy"]
    assert (row.exit_code, row.verdict, row.failed) == (0, "GO", {}), row.output


@pytest.mark.parametrize("name", list(HEALTHY_BUT_AWKWARD))
def test_a_healthy_but_awkward_staging_is_go(name: str, matrix: dict[str, RowResult]) -> None:
    row = matrix[name]
    assert (row.exit_code, row.verdict, row.failed) == (0, "GO", {}), row.output
    assert row.skipped == matrix["healthy"].skipped


def test_the_suite_detects_the_stagings_schema_profile(matrix: dict[str, Any]) -> None:
    """Nothing told the suite the profile: it read it from the staging's columns. On the
    athlete-ally schema the runbook's snake_case SQL does not run: the page lists that drift."""
    target = matrix["healthy"].target
    profile = matrix["profile"]
    assert target["schema_profile"] == f"{profile} (detected from the target's columns)"
    drifted = {d["query"]: d for d in target["runbook_drift"]}
    if profile == RUNBOOK:
        assert drifted == {}
    else:
        assert set(drifted) == {
            "list movements",
            "status counts",
            "recent scoring",
            "rollback scoring check",
        }
        assert drifted["list movements"]["error"] == 'column "movement_id" does not exist'
        assert "movement_library.category" in drifted["list movements"]["missing_columns"]
        assert "classification AS category" in drifted["list movements"]["equivalent"]


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_the_gate_catches(fault: Fault, matrix: dict[str, Any]) -> None:
    fault = fault.in_profile(matrix["profile"])
    row = matrix[fault.name]
    assert (row.exit_code, row.verdict) == (1, "NO-GO"), row.output
    unexpected, missing = set(row.failed) - fault.fails, fault.fails - set(row.failed)
    assert not unexpected and not missing, (
        f"unexpected failures: {unexpected}; not caught: {missing}"
    )
    assert row.skipped == matrix["healthy"].skipped, "unrelated scenarios did not all pass"
    for name, message in row.failed.items():
        assert any(fix in message for fix in (f.remedy for f in Fix)), (
            f"{name} names no runbook fix: {message}"
        )
    assert any(fault.cause in m and fault.fix in m for m in row.failed.values()), (
        f"no failure names both the cause {fault.cause!r} and the fix {fault.fix!r}"
    )
    first_cause = row.output[row.output.index("Readiness verdict: NO-GO") :].splitlines()[1]
    assert fault.cause in first_cause or fault.fix in first_cause, first_cause


def _how(fault: Fault) -> str:
    if fault.workers == 0:
        return "an engine with no workers, `PLANNING_JOB_DEADLINE_S=1`"
    if fault.suite_env.get("PLANNING_DATABASE_URL") == "unreachable":
        return "`PLANNING_DATABASE_URL` at a closed port"
    if fault.suite_env.get("PLANNING_DATABASE_URL") == "select-only":
        return "the DSN's user granted SELECT only"
    if fault.suite_env.get("PLANNING_DATABASE_URL") == "wrong-password":
        return "a role that needs a password, given the wrong one"
    if fault.sql:
        return f"`{fault.sql if len(fault.sql) <= 60 else fault.sql[:59] + '…'}`"
    if "PLANNING_ENGINE_LOG_COMMAND" in fault.suite_env:
        return "the engine log with an earlier scoring error line"
    return ", ".join(f"`{k}={v}`" for k, v in fault.engine_env.items())


def _failing(fault: Fault) -> str:
    if fault.fails == ALL_DATABASE:
        return f"every scenario that reads the database ({len(ALL_DATABASE)})"
    names = sorted(fault.fails - PLAN_OUTLINE)
    if fault.fails >= PLAN_OUTLINE:
        names.append(f"all {len(PLAN_OUTLINE)} test-plan profiles")
    return "; ".join(names)


def readme_table(profile: str = RUNBOOK) -> str:
    """A "What the gate catches" table of docs/FAULT_MATRIX.md, one per schema profile, made
    from FAULTS so the two cannot drift."""
    lines = [
        "| fault | how it is made | criterion | scenarios that fail, by criterion key (and only these) | "
        "the message says |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {f.name} | {_how(f)} | {f.criterion} | {_failing(f)} | `{f.cause}` … {f.fix} |".replace(
            "!=", "≠"
        )
        for f in (fault.in_profile(profile) for fault in FAULTS)
    ]
    return "\n".join(lines)


def healthy_table() -> str:
    """The healthy-but-awkward stagings of docs/FAULT_MATRIX.md: each must give GO."""
    lines = ["| healthy staging | how it is made | verdict |", "|---|---|---|"]
    for name, row in HEALTHY_BUT_AWKWARD.items():
        how = (
            "3 failed jobs of another user, 9-11 days old, in each profile's columns"
            if row.sql
            else _how(row)
        )
        lines.append(f"| {name} | {how} | GO, as the fresh staging |")
    return "\n".join(lines)


def test_the_docs_show_the_healthy_stagings() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "FAULT_MATRIX.md"
    assert healthy_table() in docs.read_text(encoding="utf-8"), healthy_table()


@pytest.mark.parametrize("profile", [RUNBOOK, ATHLETE_ALLY])
def test_the_docs_show_this_table(profile: str) -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "FAULT_MATRIX.md"
    assert readme_table(profile) in docs.read_text(encoding="utf-8"), (
        f"docs/FAULT_MATRIX.md's {profile} table is out of date; it should be:\n"
        + readme_table(profile)
    )
