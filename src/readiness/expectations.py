"""What a ready staging holds, as the runbook states it."""

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
EXPECTED_AUDIT_ACTIONS = {"imported": EXPECTED_MOVEMENT_COUNT, "published": EXPECTED_MOVEMENT_COUNT}
SCORING_VERSION = "fixed-weight-v1"
RUNBOOK_TABLES = ("movement_library", "movement_staging", "movement_audit_log", "plan_jobs")
