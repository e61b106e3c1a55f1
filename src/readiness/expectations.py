"""What a ready staging holds, as the runbook states it."""

from collections.abc import Mapping
from typing import Any

# Runbook "Prerequisites": the 8 foundational movements, by name, with their category.
FOUNDATIONAL_MOVEMENTS: dict[str, str] = {
    "Assault Bike": "conditioning",
    "Back Squat": "strength",
    "Bench Press": "strength",
    "Box Jump": "power",
    "Deadlift": "strength",
    "Overhead Press": "strength",
    "Pull-Up": "strength",
    "Rowing (Ergometer)": "conditioning",
}
EXPECTED_MOVEMENT_COUNT = len(FOUNDATIONAL_MOVEMENTS)
SCORING_VERSION = "fixed-weight-v1"
RUNBOOK_TABLES = ("movement_library", "movement_staging", "movement_audit_log", "plan_jobs")

# The runbook's Phase 3 curl body.
RUNBOOK_PLAN_REQUEST = {
    "weeklyGoalDays": 4,
    "availabilityDays": 4,
    "goals": ["strength"],
    "experience": "intermediate",
}


def profile_request(
    experience: str,
    goal: str,
    goal_days: int,
    available_days: int,
    weeks: int,
    selected_days: int | None = None,
) -> dict[str, Any]:
    """The plan request of one athlete profile of the post-deployment checks."""
    request: dict[str, Any] = {
        "weeklyGoalDays": goal_days,
        "availabilityDays": available_days,
        "goals": [goal],
        "experience": experience,
        "durationWeeks": weeks,
    }
    if selected_days is not None:
        request["selectedDaysPerWeek"] = selected_days
    return request


PROFILE_COLUMNS = frozenset(
    {"experience", "goal", "goal_days", "available_days", "weeks", "selected_days"}
)


def example_request(example: Mapping[str, str]) -> dict[str, Any] | None:
    """The plan request of an athlete-profile Examples row, None for a row of another outline."""
    if not set(example) >= PROFILE_COLUMNS:
        return None
    selected = example["selected_days"]
    return profile_request(
        example["experience"],
        example["goal"],
        int(example["goal_days"]),
        int(example["available_days"]),
        int(example["weeks"]),
        None if selected == "none" else int(selected),
    )


MINIMUM_POSTGRES = 14
