"""What a ready staging holds, as the runbook states it."""

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


def profile_request(experience: str, goal: str, days: int) -> dict[str, Any]:
    """The plan request of one athlete profile of the post-deployment checks."""
    return {
        "weeklyGoalDays": days,
        "availabilityDays": days,
        "goals": [goal],
        "experience": experience,
    }


MINIMUM_POSTGRES = 14
