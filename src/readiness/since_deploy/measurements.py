"""What a run measured, in the shape the history keeps: filled by the steps as they read the
target, read back by the regression check and, at the end, by the history."""

from typing import Any

from readiness.since_deploy.job_windows import Window
from readiness.target.db_probe import DatabaseProbe

# The runbook's validation queries by the name the SLA outline gives them.
VALIDATION_QUERIES = {
    "movement count": "count_movements",
    "movement listing": "list_movements",
    "audit log size": "count_audit",
    "status counts": "status_counts",
    "duplicate names": "duplicate_names",
    "audit actions": "audit_actions",
    "recent scoring": "recent_scoring",
}


def record_windows(measured: dict[str, Any], before: Window, after: Window) -> None:
    measured["jobs"] = {
        "before": _window(before),
        "since": _window(after),
    }
    measured["scores"] = after.score_distribution()
    measured.setdefault("errors", {})["failed_jobs_since_deploy"] = len(after.failed)


def _window(window: Window) -> dict[str, Any]:
    return {
        "jobs": len(window.jobs),
        "completed": len(window.completed),
        "failed": len(window.failed),
        "scored": sum(1 for job in window.completed if job.scored),
        "latency": window.latency_summary(),
    }


def record_query(measured: dict[str, Any], name: str, median_ms: float) -> None:
    measured.setdefault("queries_ms", {})[name] = round(median_ms, 3)


def run_timings(database: DatabaseProbe, measured: dict[str, Any]) -> None:
    """Every validation query timed: those the SLA outline has not timed yet in this process."""
    done = measured.get("queries_ms") or {}
    for name, query in VALIDATION_QUERIES.items():
        if name not in done:
            record_query(measured, name, database.median_ms(query))


def record_metrics(measured: dict[str, Any], samples: dict[str, float] | None) -> None:
    """The scoring time and scoring errors, where /metrics has them."""
    if not samples:
        return
    count = samples.get("planning_scoring_duration_seconds_count")
    total = samples.get("planning_scoring_duration_seconds_sum")
    if count and total is not None:
        measured["scoring_duration_ms"] = round(total / count * 1000, 4)
    errors = samples.get("planning_scoring_errors_total")
    if errors is not None:
        measured.setdefault("errors", {})["scoring_errors"] = errors
