"""Steps that generate plans through the API and check their scoring where it is stored."""

import uuid

import pytest
from pytest_bdd import given, parsers, then, when

from planning_engine.contract import validate_scoring
from readiness.checks import expect
from readiness.config import SuiteConfig
from readiness.evidence import Evidence
from readiness.expectations import RUNBOOK_PLAN_REQUEST, profile_request
from readiness.plugin import ScenarioState
from readiness.runbook.forged_tokens import (
    NotAJwt,
    check_resigned_tokens_refused,
    forged_tokens,
    statuses_with,
)
from readiness.runbook.idempotent_retry import check_idempotent_retry
from readiness.runbook.persisted_scoring import check_scoring_persisted
from readiness.runbook.plans import Job, PlanRequests, Progress, scoring_of
from readiness.runbook.score_oracle import verify_stored_scores
from readiness.runbook.scoring_drill import ScoringRollbackDrill
from readiness.since_deploy.deploy_time import DeployTime
from readiness.target.api_client import PlanningApi
from readiness.target.db_probe import DatabaseProbe
from readiness.target.deployment import Target


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
    expect(found == version, found=f"version {found!r}", expected=repr(version), fix="contract")


@then("the scoring total is between 0 and 1")
def scoring_total(job: Job) -> None:
    total = scoring_of(job).get("total")
    expect(
        isinstance(total, int | float) and 0 <= total <= 1,
        found=f"total {total!r}",
        expected="0 <= total <= 1",
        fix="contract",
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
        fix="contract",
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


@then("requesting a plan without a token is rejected with 401")
def generate_without_token(api: PlanningApi, target: Target, evidence: Evidence) -> None:
    body = {"userId": target.plan_user, **RUNBOOK_PLAN_REQUEST}
    response = api.generate(body, None, evidence)
    expect(response.status_code == 401, found=response.status_code, expected=401, fix="security")


@then("reading a job without a token is rejected with 401")
def read_without_token(api: PlanningApi, evidence: Evidence) -> None:
    response = api.job(str(uuid.uuid4()), None, evidence)
    expect(response.status_code == 401, found=response.status_code, expected=401, fix="security")


@then("reading it with a token signed with another key or unsigned is rejected with 401")
def forged_tokens_refused(api: PlanningApi, target: Target, job: Job, evidence: Evidence) -> None:
    """What an attacker can make without the key, from the test user's own token."""
    try:
        forged = forged_tokens(target.token)
    except NotAJwt:
        pytest.skip("the test user's token is not a JWT: there are no claims to forge one from")
    answers = statuses_with(api, job["jobId"], forged, evidence)
    accepted = {kind: status for kind, status in answers.items() if status != 401}
    expect(
        not accepted,
        found=f"forged tokens answered {accepted}",
        expected="401 for each",
        fix="security",
    )


@then("reading it with an expired token or one for another audience or issuer is rejected with 401")
def resigned_tokens_refused(api: PlanningApi, target: Target, job: Job, evidence: Evidence) -> None:
    """What a leaked old token, or one minted for another service sharing the key, would try."""
    check_resigned_tokens_refused(api, target, job["jobId"], evidence)


@then("the runbook's test plan requested twice with one Idempotency-Key is one job")
def idempotent_retry(plans: PlanRequests, evidence: Evidence) -> None:
    check_idempotent_retry(plans, evidence)


@then("another user reading that job is refused")
def other_user_refused(api: PlanningApi, target: Target, job: Job, evidence: Evidence) -> None:
    """403, or 404 as if the job did not exist: either protects it; only its data fails."""
    other = target.other_user
    token = target.token_for(other) if other else None
    if token is None:
        pytest.skip(
            "no second user's token: set PLANNING_API_TOKEN_2 to check that jobs are private"
        )
    response = api.job(job["jobId"], token, evidence)
    expect(
        response.status_code in (403, 404),
        found=response.status_code,
        expected="403 (or 404)",
        fix="security",
    )
    expect(
        "resultData" not in response.text,
        found="the refusal carries the job's data",
        expected="nothing of the job",
        fix="security",
    )


# --- the scoring rollback drill (controlled targets only) -------------------------------


@given("a scored plan generated while the scoring flag was on", target_fixture="earlier_job")
def plan_while_flag_on(
    target: Target,
    state: ScenarioState,
    suite_config: SuiteConfig,
    evidence: Evidence,
    progress: Progress,
) -> Job:
    state.drill = ScoringRollbackDrill(target, suite_config, evidence, progress)
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
        fix="flag",
    )


@then("the earlier plan keeps its scoring")
def earlier_plan_scored(state: ScenarioState, earlier_job: Job) -> None:
    scoring = state.drill.job(earlier_job["jobId"])["resultData"].get("scoring")
    expect(
        scoring == earlier_job["resultData"]["scoring"],
        found=scoring,
        expected="the scoring it had before the rollback",
        fix="flag",
    )


@then("the runbook's rollback query shows the new plan without scoring")
def rollback_query(state: ScenarioState) -> None:
    rows = state.drill.has_scoring_rows()
    expect(
        sorted(rows) == [False, True],
        found=f"has_scoring values {rows}",
        expected="false for the plan after the rollback (true for the one before)",
        fix="flag",
    )
