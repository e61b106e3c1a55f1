"""The runbook's log checks, on the log the deployment really writes.

The runbook greps for fixed lines. The reference engine writes them as JSON with their fields
(the flag's value, the job's total); the athlete-ally service writes some as plain text, some
without the fields that matter, and never writes others (readiness.api_profiles.api_drift). So
each check says what counts as its line, and what else shows the same thing where the line
cannot: the flag line names no value there, but the run's scored test plan shows the flag on.
"""

from typing import Any

import pytest

from readiness.checks import expect
from readiness.evidence import Evidence
from readiness.fixes import Fix
from readiness.target.engine_log import EngineLog

FLAG_LINE = "Feature flag override from environment"
SCORING_LINE = "Applied fixed-weight scoring"
# What a failed scoring leaves in the log: the runbook's troubleshooting greps, and the line the
# athlete-ally service writes when a job's generation (scoring included) fails for good.
SCORING_ERROR_LINES = (
    "Scoring calculation error",
    "scorePlanCandidate",
    "Plan generation failed after max retries",
)


def check_flag_enabled(log: EngineLog, job: dict[str, Any], evidence: Evidence) -> None:
    """The flag's evaluation, read after the run's first plan (the service evaluates it per
    plan, not at start-up): its value where the line has one, else the plan's own scoring."""
    lines = log.grep(FLAG_LINE)
    evidence.note(f'grep "{FLAG_LINE}"', lines=lines[-3:])
    valued = [line for line in lines if "value" in line]
    if valued:
        expect(valued[-1]["value"] is True, found=valued[-1], expected="value true", fix=Fix.FLAG)
        return
    scored = isinstance((job.get("resultData") or {}).get("scoring"), dict)
    if lines or log.grep("Feature flag source: LaunchDarkly"):
        expect(
            scored,
            found=f"the flag is evaluated but job {job['jobId']} completed without scoring",
            expected="the test plan scored",
            fix=Fix.FLAG,
        )
        return
    if why := log.sampling():
        pytest.skip(f"no flag evaluation line in the engine log, and {why}")
    expect(
        False,
        found="no flag evaluation in the engine log after the test plan was generated",
        expected=f'"{FLAG_LINE}" (or LaunchDarkly\'s)',
        fix=Fix.FLAG,
    )


def scoring_lines(log: EngineLog, job_id: str) -> list[dict[str, Any]]:
    """The "Applied fixed-weight scoring" lines of one job, in either engine's format."""

    def about_the_job(entry: dict[str, Any]) -> bool:
        return str(entry.get("message", "")).startswith(SCORING_LINE) and job_id in (
            entry.get("job_id"),
            entry.get("jobId"),
        )

    return log.await_entries(about_the_job, within_s=10)


def logged_total(line: dict[str, Any]) -> Any:
    """The total a scoring line reports: `total`, or `scoring` where Node printed the object."""
    return line.get("total", line.get("scoring"))


def scoring_errors(log: EngineLog) -> list[dict[str, Any]]:
    return [entry for text in SCORING_ERROR_LINES for entry in log.grep(text)]
