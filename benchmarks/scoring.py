"""Scoring a 12-week plan with 5 sessions a week (target: median <= 20 us per plan).

Run: python benchmarks/scoring.py
"""

import statistics
import timeit

from planning_engine.scoring import score_plan

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


def main(repeat: int = 15, number: int = 2000) -> None:
    runs = timeit.repeat(lambda: score_plan(PLAN, REQUEST), repeat=repeat, number=number)
    per_plan = sorted(run / number * 1e6 for run in runs)
    print(f"score_plan, 12 weeks x 5 sessions: {repeat} runs of {number}")
    print(
        f"  median {statistics.median(per_plan):.1f} us per plan (best {per_plan[0]:.1f}, worst {per_plan[-1]:.1f})  target <= 20 us"
    )


if __name__ == "__main__":
    main()
