"""The runbook's "Verify scoring persisted in database": the scoring the API returned for a job
must be what the database holds for it, in the job (plan_jobs.result_data) and in its plan
(plans.content), field for field."""

from typing import Any

from readiness.checks import expect
from readiness.evidence import Evidence
from readiness.fixes import Fix
from readiness.runbook.payload_diff import differences
from readiness.target.db_probe import DatabaseProbe


def check_scoring_persisted(
    database: DatabaseProbe, job_id: str, returned: dict[str, Any], evidence: Evidence
) -> None:
    in_job = database.run("stored_scoring", evidence, (job_id,)).scalar()
    _expect_held(in_job, "plan_jobs.result_data has no scoring", returned, Fix.CONTRACT)
    in_plan = database.run("stored_plan_scoring", evidence, {"job_id": job_id}).scalar()
    missing = f"the plan stored for job {job_id} carries no scoring (plans.content)"
    _expect_held(in_plan, missing, returned, Fix.PERSISTENCE, "plans.content.scoring")


def _expect_held(
    stored: Any, missing: str, returned: Any, fix_if_different: Fix, where: str = ""
) -> None:
    """`stored` present, and equal to what the API returned; a difference in the job's own
    result is the contract's fix (the API and the job disagree), in the plan persistence's."""
    expect(
        stored is not None,
        found=missing,
        expected="the scoring the API returned",
        fix=Fix.PERSISTENCE,
    )
    differing = differences(stored, returned)
    expect(
        not differing,
        found=f"{where or 'the stored scoring'} differs at {'; '.join(differing[:5])}",
        expected="the scoring the API returned",
        fix=fix_if_different,
    )
