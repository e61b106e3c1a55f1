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
from readiness.runbook.plans import PlanRequests
from readiness.target.api_client import PlanningApi

HEADER = "Idempotency-Key"


def check_idempotent_retry(plans: PlanRequests, evidence: Evidence) -> None:
    """Send the runbook's request twice with one key; both answers must name one job."""
    api, target = plans.api, plans.target
    body = {"userId": target.plan_user, **RUNBOOK_PLAN_REQUEST}
    key = f"readiness-{uuid.uuid4()}"
    answers = [api.generate(body, target.token, evidence, idempotency_key=key) for _ in range(2)]
    for response in answers:
        expect(
            response.status_code == 202,
            found=f"{response.status_code} {response.text[:300]}",
            expected="202 with a jobId",
            fix="api_error" if response.status_code >= 500 else "idempotency",
        )
    first, second = (str(response.json()["jobId"]) for response in answers)
    for job_id in {first, second}:  # no test plan is left running behind the run
        plans.completed(job_id)
    if first == second:
        return
    if why := _unsupported(api, target.token):
        pytest.skip(
            f"{why}, and one key sent twice made two jobs ({first}, {second}): retries are not "
            "deduplicated, which is not verified as a fault"
        )
    expect(
        False,
        found=f"one {HEADER} sent twice made two jobs: {first}, {second}",
        expected="the same job for both",
        fix="idempotency",
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
