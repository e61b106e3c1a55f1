"""Deterministic plan generation from a request and the published movement library.

The same request and library always give the same plan: no randomness, no clock. A plan is
`durationWeeks` microcycles of `min(weeklyGoalDays, availabilityDays)` sessions on spread-out
days, with intensities by experience, a deload every 4th week and progression phases.
"""

import math
from collections.abc import Mapping, Sequence
from typing import Any

from planning_engine.errors import EngineError

GOAL_CATEGORIES: dict[str, tuple[str, ...]] = {
    "strength": ("strength",),
    "power": ("power", "strength"),
    "conditioning": ("conditioning",),
    "endurance": ("conditioning",),
    "hypertrophy": ("strength", "accessory"),
    "mobility": ("mobility", "skill"),
    "fat_loss": ("conditioning", "power"),
    "general_fitness": ("strength", "conditioning", "power"),
}
INTENSITY_CYCLES: dict[str, tuple[str, ...]] = {
    "beginner": ("low", "medium", "low"),
    "intermediate": ("medium", "high", "low"),
    "advanced": ("high", "medium", "high", "low"),
}
PHASES = ("accumulation", "intensification", "realisation")
EXERCISES_PER_SESSION = 3
DELOAD_EVERY = 4


class PlanningError(EngineError):
    """The job cannot produce a plan; the message goes to `error_data` as is."""


def training_days(sessions_per_week: int) -> list[int]:
    """Days 1..7 spread as evenly as the count allows (3 -> Mon, Wed, Fri)."""
    return [1 + (i * 7) // sessions_per_week for i in range(sessions_per_week)]


def _phases(weeks: int) -> list[dict[str, Any]]:
    count = min(len(PHASES), max(1, math.ceil(weeks / DELOAD_EVERY)))
    bounds = [round(i * weeks / count) for i in range(count + 1)]
    return [
        {"name": PHASES[i], "startWeek": bounds[i] + 1, "endWeek": bounds[i + 1]}
        for i in range(count)
        if bounds[i + 1] > bounds[i]
    ]


def _fitting(
    movements: Sequence[Mapping[str, Any]], goals: Sequence[str]
) -> list[Mapping[str, Any]]:
    categories = {c for goal in goals for c in GOAL_CATEGORIES.get(goal, ())}
    fitting = [m for m in movements if m["category"] in categories]
    return sorted(fitting or movements, key=lambda m: m["movement_id"])


def generate_plan(
    request: Mapping[str, Any], movements: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    if not movements:
        raise PlanningError("movement library is empty: seed it", "run `planning-engine seed`")
    weeks = int(request.get("durationWeeks") or 12)
    per_week = max(1, min(int(request["weeklyGoalDays"]), int(request["availabilityDays"])))
    cycle = INTENSITY_CYCLES.get(
        request.get("experience", "intermediate"), INTENSITY_CYCLES["intermediate"]
    )
    pool = _fitting(movements, list(request.get("goals") or []))
    days = training_days(per_week)
    phases = _phases(weeks)
    microcycles = []
    slot = 0
    for week in range(1, weeks + 1):
        deload = week % DELOAD_EVERY == 0
        phase = next(p["name"] for p in phases if p["startWeek"] <= week <= p["endWeek"])
        sessions = []
        for index, day in enumerate(days):
            intensity = "low" if deload else cycle[(week + index) % len(cycle)]
            exercises = [
                _exercise(pool[(slot + k) % len(pool)], intensity, phase)
                for k in range(min(EXERCISES_PER_SESSION, len(pool)))
            ]
            slot += 1
            sessions.append({"dayOfWeek": day, "intensity": intensity, "exercises": exercises})
        microcycles.append(
            {"weekNumber": week, "phase": phase, "deload": deload, "sessions": sessions}
        )
    return {
        "durationWeeks": weeks,
        "experience": request.get("experience"),
        "goals": list(request.get("goals") or []),
        "sessionsPerWeek": per_week,
        "progression": {"phases": phases},
        "microcycles": microcycles,
    }


_SETS_REPS = {"accumulation": (4, 10), "intensification": (4, 6), "realisation": (3, 3)}
_RPE_SHIFT = {"low": -2.0, "medium": -1.0, "high": 0.0}


def _exercise(movement: Mapping[str, Any], intensity: str, phase: str) -> dict[str, Any]:
    sets, reps = _SETS_REPS[phase]
    rpe = max(1.0, min(10.0, float(movement["recommended_rpe"]) + _RPE_SHIFT[intensity]))
    return {
        "movementId": movement["movement_id"],
        "name": movement["name"],
        "sets": sets,
        "reps": reps,
        "targetRpe": rpe,
    }


def summarise(plan: Mapping[str, Any]) -> dict[str, Any]:
    sessions = [s for week in plan["microcycles"] for s in week["sessions"]]
    movements = {e["movementId"] for s in sessions for e in s["exercises"]}
    return {
        "durationWeeks": plan["durationWeeks"],
        "sessionsPerWeek": plan["sessionsPerWeek"],
        "totalSessions": len(sessions),
        "deloadWeeks": sum(1 for week in plan["microcycles"] if week["deload"]),
        "movementsUsed": len(movements),
    }
