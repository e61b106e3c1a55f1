"""Generated movement records for load tests and benchmarks: valid, distinct, deterministic."""

from typing import Any

_CATEGORIES = ("strength", "power", "conditioning", "mobility", "accessory", "skill")


def synthetic_movement(index: int, revision: int = 0) -> dict[str, Any]:
    return {
        "movement_id": f"synthetic-{index:06d}",
        "name": f"Synthetic Movement {index:06d}",
        "category": _CATEGORIES[index % len(_CATEGORIES)],
        "modalities": ["bodyweight"],
        "equipment": ["none"],
        "primary_muscles": ["quadriceps"],
        "recommended_rpe": 1 + (index + revision) % 10,
        "tags": ["synthetic"],
        "instructions": {
            "setup": "Stand tall.",
            "execution": f"Move, revision {revision}.",
            "cues": ["breathe"],
        },
        "metadata": {"difficulty": "beginner", "movement_pattern": "squat"},
    }


def synthetic_movements(count: int, revision: int = 0) -> list[dict[str, Any]]:
    return [synthetic_movement(i, revision) for i in range(count)]
