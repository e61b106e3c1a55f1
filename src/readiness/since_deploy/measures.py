"""The runbook's before/after measures, each one comparison of the two windows: shared by the
readiness run's scenarios and the watch's rounds."""

from readiness.since_deploy.comparison import (
    Comparison,
    Tolerances,
    compare_latencies,
    compare_rates,
)
from readiness.since_deploy.job_windows import Window

FAILURE_RATE = "failure rate of plan jobs"
SCORED_SHARE = "share of completed plans with scoring"
LATENCY = "latency of plan jobs"


def failure_rate(before: Window, after: Window, tolerances: Tolerances) -> Comparison:
    return compare_rates(
        FAILURE_RATE,
        (len(before.failed), before.finished),
        (len(after.failed), after.finished),
        "higher",
        tolerances,
    )


def scored_share(before: Window, after: Window, tolerances: Tolerances) -> Comparison:
    return compare_rates(
        SCORED_SHARE,
        (sum(job.scored for job in before.completed), len(before.completed)),
        (sum(job.scored for job in after.completed), len(after.completed)),
        "lower",
        tolerances,
        unit="completed jobs",
    )


def latency(before: Window, after: Window, tolerances: Tolerances) -> Comparison:
    return compare_latencies(LATENCY, before.latencies, after.latencies, tolerances)
