"""Plan generation: deterministic, shaped by the request, drawn from the published library."""

import itertools
import json
from typing import Any

import httpx
import psycopg
import pytest

from planning_engine.planner import INTENSITY_CYCLES, generate_plan
from planning_engine.resources import FOUNDATIONAL_MOVEMENTS, data_file
from planning_engine.seeding import seed_foundational
from support.engine_api import bearer, plan_request, wait_for_job

REQUEST = {
    "weeklyGoalDays": 4,
    "availabilityDays": 4,
    "goals": ["strength"],
    "experience": "intermediate",
}


def _library() -> list[dict[str, Any]]:
    movements = json.loads(data_file(FOUNDATIONAL_MOVEMENTS).read_text())["movements"]
    return [
        {k: m[k] for k in ("movement_id", "name", "category", "recommended_rpe")} for m in movements
    ]


def _used(plan: dict[str, Any]) -> set[str]:
    return {
        e["movementId"] for w in plan["microcycles"] for s in w["sessions"] for e in s["exercises"]
    }


def _intensities(plan: dict[str, Any], deload: bool) -> set[str]:
    return {
        s["intensity"] for w in plan["microcycles"] if w["deload"] is deload for s in w["sessions"]
    }


def test_the_same_request_and_library_give_the_same_plan() -> None:
    assert generate_plan(REQUEST, _library()) == generate_plan(dict(REQUEST), list(_library()))


@pytest.mark.parametrize("experience", sorted(INTENSITY_CYCLES))
def test_intensities_follow_experience_and_deload_weeks_are_low(experience: str) -> None:
    plan = generate_plan({**REQUEST, "experience": experience}, _library())
    assert _intensities(plan, deload=False) == set(INTENSITY_CYCLES[experience])
    assert _intensities(plan, deload=True) == {"low"}
    assert [w["weekNumber"] for w in plan["microcycles"] if w["deload"]] == [4, 8, 12]


@pytest.mark.parametrize(
    ("goal", "categories"),
    [
        ("strength", {"strength"}),
        ("conditioning", {"conditioning"}),
        ("power", {"power", "strength"}),
    ],
)
def test_exercises_fit_the_goals(goal: str, categories: set[str]) -> None:
    library = {m["movement_id"]: m["category"] for m in _library()}
    plan = generate_plan({**REQUEST, "goals": [goal]}, _library())
    assert {library[m] for m in _used(plan)} == categories


def test_progression_phases_cover_every_week_in_order() -> None:
    plan = generate_plan({**REQUEST, "durationWeeks": 10}, _library())
    phases = plan["progression"]["phases"]
    assert [p["name"] for p in phases] == ["accumulation", "intensification", "realisation"]
    assert phases[0]["startWeek"] == 1 and phases[-1]["endWeek"] == 10
    assert all(a["endWeek"] + 1 == b["startWeek"] for a, b in itertools.pairwise(phases))
    assert [w["phase"] for w in plan["microcycles"]] == [
        p["name"] for p in phases for _ in range(p["startWeek"], p["endWeek"] + 1)
    ]


def test_only_published_movements_reach_a_plan(dsn: str, start_engine) -> None:
    """Through the engine: a movement left draft in the library is never planned."""
    with psycopg.connect(dsn) as conn:
        seed_foundational(conn)
        conn.execute("UPDATE movement_library SET status = 'draft' WHERE movement_id = 'deadlift'")
    engine = start_engine(dsn)
    job_id = httpx.post(
        f"{engine.url}/api/plans/generate", json=plan_request(), headers=bearer("test-user")
    ).json()["jobId"]
    job = wait_for_job(engine.url, job_id, bearer("test-user"))
    with psycopg.connect(dsn) as conn:
        (content,) = conn.execute(
            "SELECT content FROM plans WHERE job_id = %s", (job["jobId"],)
        ).fetchone()  # type: ignore[misc]
    assert "deadlift" not in _used(content)
    assert _used(content) == {"back-squat", "bench-press", "overhead-press", "pull-up"}
