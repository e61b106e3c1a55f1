"""Steps that generate plans through the API and check their scoring where it is stored."""

import httpx
import pytest
from pytest_bdd import given, parsers, then, when

from planning_engine.contract import validate_scoring
from readiness.checks import expect
from readiness.config import SuiteConfig
from readiness.evidence import Evidence
from readiness.expectations import profile_request
from readiness.fixes import Fix
from readiness.runbook.forged_tokens import (
    Attempts,
    with_forged_tokens,
    with_resigned_tokens,
    without_token,
)
from readiness.runbook.idempotent_retry import expect_one_job, send_retried_request
from readiness.runbook.persisted_scoring import check_scoring_persisted
from readiness.runbook.plans import Job, PlanRequests, Progress, scoring_of
from readiness.runbook.score_oracle import verify_stored_scores
from readiness.runbook.scoring_drill import ScoringRollbackDrill
from readiness.scenario_fixtures import ScenarioState
from readiness.since_deploy.deploy_time import DeployTime
from readiness.target.api_client import PlanningApi
from readiness.target.db_probe import DatabaseProbe
from readiness.target.deployment import EmbeddedTarget, Target


@when("the runbook's test plan is requested through the API", target_fixture="job")
def request_runbook_plan(plans: PlanRequests) -> Job:
    return {"jobId": plans.request()}


@when(
    parsers.parse(
        "a test plan is requested for {experience} athletes training {goal} {goal_days:d} of "
        "{available_days:d} days a week over {weeks:d} weeks, selected days: {selected}"
    ),
    target_fixture="job",
)
def request_profile_plan(
    plans: PlanRequests,
    experience: str,
    goal: str,
    goal_days: int,
    available_days: int,
    weeks: int,
    selected: str,
) -> Job:
    selected_days = None if selected == "none" else int(selected)
    request = profile_request(experience, goal, goal_days, available_days, weeks, selected_days)
    return {"jobId": plans.request(request)}


@then("the plan job completes", target_fixture="job")
def plan_job_completes(plans: PlanRequests, job: Job) -> Job:
    return plans.completed(job["jobId"])


@given("a test plan has been generated through the API", target_fixture="job")
def shared_test_plan(plans: PlanRequests, shared_plan_cache: dict[str, Job]) -> Job:
    if "job" not in shared_plan_cache:
        shared_plan_cache["job"] = plans.generate()
    else:
        plans.evidence.note(
            "test plan generated earlier in this run", jobId=shared_plan_cache["job"]["jobId"]
        )
    return shared_plan_cache["job"]


@then(parsers.parse('the job result carries scoring version "{version}"'))
def scoring_version(job: Job, version: str) -> None:
    found = scoring_of(job).get("version")
    expect(found == version, found=f"version {found!r}", expected=repr(version), fix=Fix.CONTRACT)


@then(parsers.parse("the scoring total is between {low:g} and {high:g}"))
def scoring_total(job: Job, low: float, high: float) -> None:
    total = scoring_of(job).get("total")
    expect(
        isinstance(total, int | float) and low <= total <= high,
        found=f"total {total!r}",
        expected=f"{low:g} <= total <= {high:g}",
        fix=Fix.CONTRACT,
    )


@then("the API response carries a scoring payload")
def response_has_scoring(job: Job) -> None:
    scoring_of(job)


@then("the scoring stored for the job equals the scoring in the API response")
def scoring_persisted(database: DatabaseProbe, job: Job, evidence: Evidence) -> None:
    check_scoring_persisted(database, job["jobId"], scoring_of(job), evidence)


@then("the scoring payload passes the contract validator")
def scoring_valid(job: Job, evidence: Evidence) -> None:
    report = validate_scoring(scoring_of(job))
    evidence.findings(
        "fixed-weight-v1 contract validator",
        [str(e) for e in report.errors],
        [str(w) for w in report.warnings],
    )
    expect(
        report.valid,
        found=[str(e) for e in report.errors],
        expected="no contract errors",
        fix=Fix.CONTRACT,
    )


@then(
    "every recent stored score equals fixed-weight-v1 recomputed from its stored plan and request"
)
def stored_scores_recomputed(
    database: DatabaseProbe,
    plans: PlanRequests,
    job: Job,
    deploy_time: DeployTime,
    evidence: Evidence,
) -> None:
    """Correct, not only well-formed: the reference recomputes every score stored since the
    deploy, the run's athlete-profile plans (awaited for it) and the test plan among them."""
    scoring_of(job)  # the test plan itself must be scored (else: Scoring Not Appearing)
    batch = plans.await_batch()
    verify_stored_scores(database, evidence, job["jobId"], batch, deploy_time.epoch)


# --- security ---------------------------------------------------------------------------


@when("the API is called without a token", target_fixture="attempts")
def called_without_token(api: PlanningApi, target: Target, evidence: Evidence) -> Attempts:
    return without_token(api, target, evidence)


@when("the job is read with tokens forged without the signing key", target_fixture="attempts")
def read_with_forged_tokens(
    api: PlanningApi, target: Target, job: Job, evidence: Evidence
) -> Attempts:
    """What an attacker can make without the key, from the test user's own token."""
    return with_forged_tokens(api, target, job["jobId"], evidence)


@when(
    "the job is read with an expired token and with tokens for another audience or issuer",
    target_fixture="attempts",
)
def read_with_resigned_tokens(
    api: PlanningApi, target: Target, job: Job, evidence: Evidence
) -> Attempts:
    """What a leaked old token, or one minted for another service sharing the key, would try."""
    return with_resigned_tokens(api, target, job["jobId"], evidence)


@then(parsers.parse("the API answers {status:d} to each"))
def each_refused(attempts: Attempts, status: int) -> None:
    attempts.expect_refused(status)


@when("another user reads the job", target_fixture="other_read")
def other_user_reads(
    api: PlanningApi, target: Target, job: Job, evidence: Evidence
) -> httpx.Response:
    other = target.other_user
    token = target.token_for(other) if other else None
    if token is None:
        pytest.skip(
            "no second user's token: set PLANNING_API_TOKEN_2 to check that jobs are private"
        )
    return api.job(job["jobId"], token, evidence)


@then("the API refuses it without showing the job")
def other_user_refused(other_read: httpx.Response) -> None:
    """403, or 404 as if the job did not exist: either protects it; only its data fails."""
    expect(
        other_read.status_code in (403, 404),
        found=other_read.status_code,
        expected="403 (or 404)",
        fix=Fix.SECURITY,
    )
    expect(
        "resultData" not in other_read.text,
        found="the refusal carries the job's data",
        expected="nothing of the job",
        fix=Fix.SECURITY,
    )


@when(
    "the runbook's test plan is requested twice with one Idempotency-Key",
    target_fixture="retried_jobs",
)
def requested_twice(plans: PlanRequests, evidence: Evidence) -> tuple[str, str]:
    return send_retried_request(plans, evidence)


@then("both requests name one job")
def one_job(plans: PlanRequests, retried_jobs: tuple[str, str]) -> None:
    expect_one_job(plans, *retried_jobs)


# --- the scoring rollback drill (controlled targets only) -------------------------------


@given("a scored plan generated while the scoring flag was on", target_fixture="earlier_job")
def plan_while_flag_on(
    embedded_target: EmbeddedTarget,
    state: ScenarioState,
    suite_config: SuiteConfig,
    evidence: Evidence,
    progress: Progress,
) -> Job:
    state.drill = ScoringRollbackDrill(embedded_target, suite_config, evidence, progress)
    state.drill.start_with_flag_on()
    earlier: Job = state.drill.generate()
    scoring_of(earlier)
    return earlier


@when("the engine is restarted with the scoring flag off")
def restart_flag_off(state: ScenarioState) -> None:
    state.drill.restart_with_flag_off()


@when("a new test plan is generated", target_fixture="job")
def new_plan(state: ScenarioState) -> Job:
    new: Job = state.drill.generate()
    return new


@then("the new plan carries no scoring")
def new_plan_unscored(job: Job) -> None:
    result = job["resultData"] or {}
    expect(
        "scoring" not in result,
        found=f"resultData keys {sorted(result)}",
        expected="no scoring key",
        fix=Fix.FLAG,
    )


@then("the earlier plan keeps its scoring")
def earlier_plan_scored(state: ScenarioState, earlier_job: Job) -> None:
    scoring = state.drill.job(earlier_job["jobId"])["resultData"].get("scoring")
    expect(
        scoring == earlier_job["resultData"]["scoring"],
        found=scoring,
        expected="the scoring it had before the rollback",
        fix=Fix.FLAG,
    )


@then("the runbook's rollback query shows the new plan without scoring")
def rollback_query(state: ScenarioState) -> None:
    rows = state.drill.has_scoring_rows()
    expect(
        sorted(rows) == [False, True],
        found=f"has_scoring values {rows}",
        expected="false for the plan after the rollback (true for the one before)",
        fix=Fix.FLAG,
    )
