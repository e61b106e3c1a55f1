"""The target's plan jobs in two windows of the same length: before the deploy (the baseline,
at most 24 hours) and after it, as the database holds them.

A job's latency is created to completed, or to its last update where a deployment never sets
`completedAt` (athlete-ally). Jobs still queued or running count in neither rate.
"""

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from readiness.evidence import Evidence
from readiness.since_deploy.deploy_time import DeployTime
from readiness.target.db_probe import DatabaseProbe

BASELINE_MAX_S = 24 * 3600.0
ROW_CAP = 20_000  # the LIMIT of plan_jobs_since.sql: the newest jobs are read
FACTORS = ("safety", "compliance", "performance")
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


@dataclass(frozen=True)
class JobRow:
    job_id: str
    created_s: float
    status: str
    latency_s: float | None
    total: float | None
    factors: dict[str, float] = field(default_factory=dict)
    version: str | None = None
    scored: bool = False  # carries a scoring payload (well-formed or not)


@dataclass(frozen=True)
class Window:
    """The jobs created in [start, end)."""

    name: str  # "before the deploy" | "since the deploy"
    start_s: float
    end_s: float
    jobs: tuple[JobRow, ...]

    @property
    def completed(self) -> list[JobRow]:
        return [job for job in self.jobs if job.status == "completed"]

    @property
    def failed(self) -> list[JobRow]:
        return [job for job in self.jobs if job.status == "failed"]

    @property
    def finished(self) -> int:
        return len(self.completed) + len(self.failed)

    @property
    def latencies(self) -> list[float]:
        return [j.latency_s for j in self.completed if j.latency_s is not None and j.latency_s >= 0]

    def latency_summary(self) -> dict[str, float | int]:
        values = self.latencies
        if not values:
            return {"count": 0}
        return {"count": len(values), **quantiles(values, (0.5, 0.95), "p")}

    def score_distribution(self) -> dict[str, dict[str, float | int]]:
        """The total and each factor's score over the scored jobs: count, mean and quantiles."""
        scored = [job for job in self.completed if job.scored]
        series: dict[str, list[float]] = {"total": [j.total for j in scored if j.total is not None]}
        for factor in FACTORS:
            series[factor] = [j.factors[factor] for j in scored if factor in j.factors]
        return {name: distribution(values) for name, values in series.items() if values}


def quantiles(values: Iterable[float], at: Iterable[float], prefix: str = "q") -> dict[str, float]:
    ordered = sorted(values)
    return {f"{prefix}{round(q * 100)}": _quantile(ordered, q) for q in at}


def _quantile(ordered: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def distribution(values: list[float]) -> dict[str, float | int]:
    return {
        "count": len(values),
        "mean": round(statistics.fmean(values), 4),
        **{k: round(v, 4) for k, v in quantiles(values, QUANTILES).items()},
    }


def _row(data: dict[str, Any]) -> JobRow:
    scoring = data.get("scoring")
    total, factors = None, {}
    if isinstance(scoring, dict):
        raw_total = scoring.get("total")
        total = float(raw_total) if isinstance(raw_total, int | float) else None
        for name, detail in (scoring.get("factors") or {}).items():
            if isinstance(detail, dict) and isinstance(detail.get("score"), int | float):
                factors[str(name)] = float(detail["score"])
    version = scoring.get("version") if isinstance(scoring, dict) else None
    return JobRow(
        str(data["job_id"]),
        float(data["created_s"]),
        str(data["status"]),
        data.get("latency_s"),
        total,
        factors,
        str(version) if version is not None else None,
        isinstance(scoring, dict),
    )


def read_windows(
    database: DatabaseProbe, deploy: DeployTime, now: datetime, evidence: Evidence
) -> tuple[Window, Window]:
    """One query for both windows: the baseline is as long as the time since the deploy, at
    most 24 hours."""
    end = now.timestamp()
    length = min(BASELINE_MAX_S, max(end - deploy.epoch, 0.0))
    start = deploy.epoch - length
    result = database.run("plan_jobs_since", None, (start,))
    rows = [_row(data) for data in result.as_dicts()]
    if len(rows) >= ROW_CAP:  # the oldest of the baseline were left out: it starts later
        start = min(row.created_s for row in rows)
    before = Window(
        "before the deploy",
        start,
        deploy.epoch,
        tuple(r for r in rows if r.created_s < deploy.epoch),
    )
    after = Window(
        "since the deploy", deploy.epoch, end, tuple(r for r in rows if r.created_s >= deploy.epoch)
    )
    evidence.note(
        "plan jobs before and since the deploy",
        deployed_at=deploy.shown(),
        deployed_at_source=deploy.source,
        query=database.profile.query("plan_jobs_since").sql.strip(),
        query_ms=round(result.duration_ms, 1),
        baseline_cut=len(rows) >= ROW_CAP,
        **{
            window.name: {
                "jobs": len(window.jobs),
                "completed": len(window.completed),
                "failed": len(window.failed),
                "scored": sum(1 for j in window.completed if j.scored),
            }
            for window in (before, after)
        },
    )
    return before, after


def since_deploy(
    database: DatabaseProbe, deploy: DeployTime, evidence: Evidence
) -> list[dict[str, Any]]:
    """The jobs completed since the deploy, in the columns of the runbook's scoring query."""
    result = database.run("plan_jobs_since", None, (deploy.epoch,))
    rows = [_row(data) for data in result.as_dicts()]
    completed = [
        {
            "job_id": row.job_id,
            "has_scoring": row.scored,
            "scoring_version": row.version,
            "total_score": row.total,
        }
        for row in rows
        if row.status == "completed"
    ]
    evidence.note(
        f"jobs completed since the deploy ({deploy.shown()}, {deploy.source})",
        query=database.profile.query("plan_jobs_since").sql.strip(),
        completed=len(completed),
        unscored=sum(1 for r in completed if not r["has_scoring"]),
    )
    return completed
