"""Scoring speed: a 12-week plan with 5 sessions a week, and recomputing 100 stored jobs.

Targets: 100 stored jobs recomputed well under 0.1 s (issue "Recompute every score"). The
per-plan target of that issue, <= 10 us, was met with a second, faster reading of the plan and a
cache of factors; both were removed so that the scorer the oracle trusts reads as the spec
(issue "A house its next maintainer can live in"), and the figure is reported as it is now.

- per plan: the same plan scored over and over (nothing is cached between calls).
- 100 stored jobs: plans generated for 100 different requests, stored as JSON (plan content and
  request, as plans.content and plan_jobs.request_data hold them), read back and rescored with
  their stored evaluatedAt, as an oracle recomputing a staging's scores does; every recomputed
  payload is checked equal to the stored one.

Run: python benchmarks/scoring.py
"""

import itertools
import json
import statistics
import time
import timeit
from datetime import UTC, datetime, timedelta
from typing import Any

from planning_engine.planner import generate_plan
from planning_engine.resources import FOUNDATIONAL_MOVEMENTS, data_file
from planning_engine.scoring import score_plan

FORMER_TARGET_US = 10.0
TARGET_JOBS_S = 0.1
INTENSITIES = ("low", "medium", "high", "medium", "low")
PLAN = {
    "durationWeeks": 12,
    "progression": {
        "phases": [{"name": n} for n in ("accumulation", "intensification", "realisation")]
    },
    "microcycles": [
        {
            "weekNumber": week,
            "deload": week % 4 == 0,
            "sessions": [
                {"dayOfWeek": day, "intensity": INTENSITIES[i]}
                for i, day in enumerate((1, 2, 4, 5, 6))
            ],
        }
        for week in range(1, 13)
    ],
}
REQUEST = {"weeklyGoalDays": 5, "availabilityDays": 5}


def per_plan_us(score: Any, repeat: int, number: int) -> list[float]:
    runs = timeit.repeat(score, repeat=repeat, number=number)
    return sorted(run / number * 1e6 for run in runs)


def stored_jobs(count: int = 100) -> list[dict[str, Any]]:
    """`count` jobs as a staging stores them: JSON text of the plan content (with its scoring)
    and of the request, for `count` different requests."""
    movements = json.loads(data_file(FOUNDATIONAL_MOVEMENTS).read_text(encoding="utf-8"))
    movements = movements["movements"]
    shapes = itertools.product(
        (2, 3, 4, 5, 6),  # weeklyGoalDays
        (3, 4, 5, 6, 7),  # availabilityDays
        (4, 8, 12, 16),  # durationWeeks
        ("beginner", "intermediate", "advanced"),
    )
    started = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    jobs = []
    for index, (goal, available, weeks, experience) in enumerate(itertools.islice(shapes, count)):
        request = {
            "weeklyGoalDays": goal,
            "availabilityDays": available,
            "durationWeeks": weeks,
            "experience": experience,
            "goals": ["strength"],
        }
        plan = generate_plan(request, movements)
        plan["scoring"] = score_plan(plan, request, started + timedelta(seconds=index))
        jobs.append({"content": json.dumps(plan), "request": json.dumps(request)})
    return jobs


def recompute(jobs: list[dict[str, Any]]) -> int:
    """Rescore every stored job; the number that matched their stored score."""
    matched = 0
    for job in jobs:
        plan, request = json.loads(job["content"]), json.loads(job["request"])
        stored = plan["scoring"]
        evaluated = datetime.fromisoformat(stored["metadata"]["evaluatedAt"])
        matched += score_plan(plan, request, evaluated) == stored
    return matched


def rescore(parsed: list[tuple[dict[str, Any], dict[str, Any], datetime]]) -> None:
    """Only the scoring part of `recompute`: the jobs already read."""
    for plan, request, evaluated in parsed:
        score_plan(plan, request, evaluated)


def median_seconds(work: Any, rounds: int) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def main(repeat: int = 15, number: int = 2000) -> None:
    runs = per_plan_us(lambda: score_plan(PLAN, REQUEST), repeat, number)
    median = statistics.median(runs)
    print(f"score_plan, 12 weeks x 5 sessions: {repeat} runs of {number}")
    print(
        f"  median {median:.1f} us per plan (best {runs[0]:.1f}, worst {runs[-1]:.1f});"
        f" the former target, <= {FORMER_TARGET_US:g} us with a factor cache, is"
        f" {'met' if median <= FORMER_TARGET_US else 'not met'}"
    )

    jobs = stored_jobs(100)
    matched = recompute(jobs)
    parsed = []
    for job in jobs:
        plan = json.loads(job["content"])
        evaluated = datetime.fromisoformat(plan["scoring"]["metadata"]["evaluatedAt"])
        parsed.append((plan, json.loads(job["request"]), evaluated))
    rounds = 15
    whole, whole_best = median_seconds(lambda: recompute(jobs), rounds)
    scoring, scoring_best = median_seconds(lambda: rescore(parsed), rounds)
    verdict = "met" if whole < TARGET_JOBS_S and matched == len(jobs) else "NOT met"
    print(f"recompute {len(jobs)} stored jobs: {rounds} runs")
    print(
        f"  rescore only            : median {scoring * 1000:.2f} ms"
        f" ({scoring / len(jobs) * 1e6:.1f} us a job, best {scoring_best * 1000:.2f} ms)"
    )
    print(
        f"  JSON + rescore + compare: median {whole * 1000:.2f} ms"
        f" (best {whole_best * 1000:.2f} ms), {matched}/{len(jobs)} equal to the stored score"
        f"  target well under {TARGET_JOBS_S * 1000:g} ms: {verdict}"
    )


if __name__ == "__main__":
    main()
