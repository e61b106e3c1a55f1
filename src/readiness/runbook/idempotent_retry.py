"""A client retrying a plan request (after a timeout, a dropped connection) must get the job it
already started, not a second one: the same `Idempotency-Key` sent twice is one job.

The header is no runbook line and not every deployment offers it: a deployment that does not
name it in its OpenAPI document, or whose API profile is known to lack it, is "not verified"
with the reason. One that names it and still makes two jobs fails.
"""

import uuid

import pytest

from readiness.api_profiles import ATHLETE_ALLY
from readiness.checks import expect
from readiness.evidence import Evidence
from readiness.expectations import RUNBOOK_PLAN_REQUEST
from readiness.fixes import Fix
from readiness.runbook.plans import PlanRequests
from readiness.target.api_client import PlanningApi

HEADER = "Idempotency-Key"


def send_retried_request(plans: PlanRequests, evidence: Evidence) -> tuple[str, str]:
    """Send the runbook's request twice with one key; the job each answer names (both waited
    for, so that no test plan is left running behind the run)."""
    api, target = plans.api, plans.target
    body = {"userId": target.plan_user, **RUNBOOK_PLAN_REQUEST}
    key = f"readiness-{uuid.uuid4()}"
    answers = [api.generate(body, target.token, evidence, idempotency_key=key) for _ in range(2)]
    for response in answers:
        expect(
            response.status_code == 202,
            found=f"{response.status_code} {response.text[:300]}",
            expected="202 with a jobId",
            fix=Fix.API_ERROR if response.status_code >= 500 else Fix.IDEMPOTENCY,
        )
    first, second = (str(response.json()["jobId"]) for response in answers)
    for job_id in {first, second}:
        plans.completed(job_id)
    return first, second


def expect_one_job(plans: PlanRequests, first: str, second: str) -> None:
    """Both answers name one job; two jobs from an API that does not claim the header are not
    verified, rather than a fault."""
    if first == second:
        return
    if why := _unsupported(plans.api, plans.target.token):
        pytest.skip(
            f"{why}, and one key sent twice made two jobs ({first}, {second}): retries are not "
            "deduplicated, which is not verified as a fault"
        )
    expect(
        False,
        found=f"one {HEADER} sent twice made two jobs: {first}, {second}",
        expected="the same job for both",
        fix=Fix.IDEMPOTENCY,
    )


def _unsupported(api: PlanningApi, token: str) -> str:
    """Why the deployment is not held to the header ("" when it says it supports it)."""
    if api.routes.profile == ATHLETE_ALLY:
        return "the athlete-ally API has no Idempotency-Key"
    declared = api.documents(HEADER, token)
    if declared is None:
        return "the deployment serves no OpenAPI document that says it supports Idempotency-Key"
    return (
        "" if declared else "the deployment does not name Idempotency-Key in its OpenAPI document"
    )
