"""fixed-weight-v1 scoring: the spec's worked example, every branch, every boundary."""

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from planning_engine.scoring import round4, score_plan

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def make_plan(
    weeks: list[list[tuple[int, str]]],
    deloads: tuple[int, ...] = (),
    phases: int = 0,
    duration: int | None = 12,
) -> dict[str, Any]:
    plan: dict[str, Any] = {
        "microcycles": [
            {
                "weekNumber": n + 1,
                "deload": n in deloads,
                "sessions": [{"dayOfWeek": day, "intensity": intensity} for day, intensity in week],
            }
            for n, week in enumerate(weeks)
        ],
        "progression": {"phases": [{"name": f"phase {i}"} for i in range(phases)]},
    }
    if duration is not None:
        plan["durationWeeks"] = duration
    return plan


def factor(payload: dict[str, Any], name: str) -> dict[str, Any]:
    return payload["factors"][name]


WORKED_EXAMPLE = make_plan(
    [[(1, "low"), (2, "medium"), (3, "high")], [(4, "low"), (5, "medium")]], deloads=(1,), phases=2
)


def test_worked_example_of_the_spec() -> None:
    payload = score_plan(WORKED_EXAMPLE, {"weeklyGoalDays": 4, "availabilityDays": 4}, NOW)
    assert payload["version"] == "fixed-weight-v1"
    assert payload["total"] == 0.8906
    assert payload["weights"] == {"safety": 0.6, "compliance": 0.3, "performance": 0.1}
    assert (factor(payload, "safety")["score"], factor(payload, "safety")["contribution"]) == (
        1.0,
        0.6,
    )
    assert (
        factor(payload, "compliance")["score"],
        factor(payload, "compliance")["contribution"],
    ) == (0.7188, 0.2156)
    assert (
        factor(payload, "performance")["score"],
        factor(payload, "performance")["contribution"],
    ) == (0.75, 0.075)
    assert factor(payload, "compliance")["metrics"] == {
        "plannedWeeklySessions": 2.5,
        "weeklyGoalDays": 4,
        "availabilityDays": 4,
        "deviation": 1.5,
    }
    assert factor(payload, "safety")["metrics"] == {
        "totalSessions": 5,
        "highIntensityRatio": 0.2,
        "averageRestDays": 2,
        "deloadWeeks": 1,
    }
    assert factor(payload, "performance")["metrics"] == {
        "progressionPhases": 2,
        "intensityVariety": 3,
        "durationWeeks": 12,
    }
    assert payload["metadata"] == {
        "evaluatedAt": "2026-11-24T12:00:00.000Z",
        "weeklySessionsPlanned": 2.5,
        "weeklyGoalDays": 4,
        "requestContext": {"availabilityDays": 4, "weeklyGoalDays": 4},
    }


def test_round4_is_half_up_in_doubles_not_bankers_rounding() -> None:
    deviation = abs(33 / 10 - 4)  # 0.7000000000000002 in doubles
    compliance = 1 - (deviation / 4) * 0.75
    assert compliance == 0.8687499999999999
    assert round4(compliance) == 0.8688
    assert round(compliance, 4) == 0.8687
    assert float(Decimal(compliance).quantize(Decimal("0.0001"), ROUND_HALF_UP)) == 0.8687


def test_the_spec_rounding_example_through_a_whole_plan() -> None:
    # 33 sessions over 10 weeks: planned 3.3, deviation 0.7 against a goal of 4
    weeks = [[(d, "low") for d in (1, 3, 5)] for _ in range(7)] + [
        [(d, "low") for d in (1, 2, 4, 6)] for _ in range(3)
    ]
    payload = score_plan(make_plan(weeks), {"weeklyGoalDays": 4}, NOW)
    assert sum(len(w) for w in weeks) == 33
    assert factor(payload, "compliance")["score"] == 0.8688


# --- safety -----------------------------------------------------------------------------


def test_safety_without_sessions_defaults_to_0_7() -> None:
    safety = factor(score_plan(make_plan([[]]), {"weeklyGoalDays": 3}, NOW), "safety")
    assert safety["score"] == 0.7
    assert safety["metrics"] == {
        "totalSessions": 0,
        "highIntensityRatio": 0,
        "averageRestDays": 7,
        "deloadWeeks": 0,
    }
    assert len(safety["reasons"]) == 1 and "defaulted" in safety["reasons"][0]


def test_safety_penalises_a_high_intensity_share_above_40_percent() -> None:
    plan = make_plan([[(1, "HIGH"), (3, "high"), (5, "low")]])
    safety = factor(score_plan(plan, {}, NOW), "safety")
    assert safety["score"] == round4(1 - min(0.4, (2 / 3) * 0.6))
    assert "above the 40% safety threshold" in safety["reasons"][0]


def test_safety_penalty_is_capped_at_0_4() -> None:
    safety = factor(score_plan(make_plan([[(1, "high"), (4, "high")]]), {}, NOW), "safety")
    assert safety["score"] == 0.6


def test_safety_ratio_exactly_0_4_is_within_thresholds() -> None:
    plan = make_plan([[(1, "high"), (2, "high"), (3, "low"), (4, "low"), (5, "low")]])
    safety = factor(score_plan(plan, {}, NOW), "safety")
    assert safety["metrics"]["highIntensityRatio"] == 0.4
    assert safety["score"] == round4(1 - 0.4 * 0.2)
    assert "within safe thresholds" in safety["reasons"][0]


def test_safety_limited_rest_below_two_days() -> None:
    plan = make_plan([[(d, "low") for d in range(1, 7)]])
    safety = factor(score_plan(plan, {}, NOW), "safety")
    assert safety["metrics"]["averageRestDays"] == 1
    assert safety["score"] == 0.85
    assert "Limited rest" in safety["reasons"][1]


def test_safety_exactly_two_rest_days_is_not_limited() -> None:
    plan = make_plan([[(d, "low") for d in range(1, 6)]])
    safety = factor(score_plan(plan, {}, NOW), "safety")
    assert safety["metrics"]["averageRestDays"] == 2
    assert safety["score"] == 1.0


def test_safety_deload_bonus_and_clamp() -> None:
    plan = make_plan([[(1, "high"), (3, "low"), (5, "low")]], deloads=(0,))
    safety = factor(score_plan(plan, {}, NOW), "safety")
    assert safety["score"] == round4(1 - (1 / 3) * 0.2 + 0.05)
    assert safety["metrics"]["deloadWeeks"] == 1
    assert any("deload" in r for r in safety["reasons"])


# --- compliance -------------------------------------------------------------------------

THREE_A_WEEK = make_plan([[(1, "low"), (3, "low"), (5, "low")]] * 2)


@pytest.mark.parametrize(
    ("request_", "target"),
    [
        ({"selectedDaysPerWeek": 2, "weeklyGoalDays": 5, "availabilityDays": 6}, 2),
        ({"weeklyGoalDays": 5, "availabilityDays": 6}, 5),
        ({"availabilityDays": 6}, 6),
        ({}, 3.0),
    ],
    ids=["selected-days", "weekly-goal", "availability", "planned"],
)
def test_compliance_target_precedence(request_: dict[str, Any], target: float) -> None:
    compliance = factor(score_plan(THREE_A_WEEK, request_, NOW), "compliance")
    assert compliance["metrics"]["weeklyGoalDays"] == target


def test_a_planned_fallback_target_is_rounded_like_every_ratio() -> None:
    seven_in_three_weeks = make_plan([[(1, "low"), (3, "low"), (5, "low")]] * 2 + [[(2, "low")]])
    metrics = factor(score_plan(seven_in_three_weeks, {}, NOW), "compliance")["metrics"]
    assert metrics["weeklyGoalDays"] == metrics["plannedWeeklySessions"] == 2.3333


def test_compliance_without_positive_target_defaults_to_0_8() -> None:
    compliance = factor(score_plan(make_plan([[]]), {}, NOW), "compliance")
    assert compliance["score"] == 0.8
    assert "defaulted" in compliance["reasons"][0]


def test_compliance_matches_goal() -> None:
    compliance = factor(score_plan(THREE_A_WEEK, {"weeklyGoalDays": 3}, NOW), "compliance")
    assert compliance["score"] == 1.0
    assert "matches the goal" in compliance["reasons"][0]


def test_compliance_deviation_exactly_0_25_is_not_a_match() -> None:
    plan = make_plan(
        [[(1, "low"), (3, "low"), (5, "low")]] * 3
        + [[(1, "low"), (3, "low"), (5, "low"), (6, "low")]]
    )
    compliance = factor(score_plan(plan, {"weeklyGoalDays": 3}, NOW), "compliance")
    assert compliance["metrics"]["deviation"] == 0.25
    assert "above the goal" in compliance["reasons"][0]
    assert compliance["score"] == round4(1 - 0.25 / 3 * 0.75)


def test_compliance_below_goal() -> None:
    compliance = factor(score_plan(THREE_A_WEEK, {"weeklyGoalDays": 5}, NOW), "compliance")
    assert compliance["score"] == round4(1 - (2 / 5) * 0.75)
    assert "below the goal" in compliance["reasons"][0]


def test_compliance_above_goal_and_clamped() -> None:
    compliance = factor(score_plan(THREE_A_WEEK, {"weeklyGoalDays": 0.5}, NOW), "compliance")
    assert compliance["score"] == 0.0  # 1 - (2.5 / 1) * 0.75 < 0
    assert "above the goal" in compliance["reasons"][0]


def test_compliance_nothing_planned_scores_zero() -> None:
    compliance = factor(score_plan(make_plan([[], []]), {"weeklyGoalDays": 4}, NOW), "compliance")
    assert compliance["score"] == 0.0
    assert "No sessions are scheduled" in compliance["reasons"][0]


# --- performance ------------------------------------------------------------------------


def test_performance_phases_bonus_is_capped_at_0_2() -> None:
    plan = make_plan([[(1, "low")]], phases=6, duration=None)
    performance = factor(score_plan(plan, {}, NOW), "performance")
    assert performance["score"] == round4(0.45 + 0.2)
    assert performance["metrics"] == {"progressionPhases": 6, "intensityVariety": 1}
    assert any("duration is missing" in r for r in performance["reasons"])


@pytest.mark.parametrize(
    ("intensities", "bonus"),
    [(["low", "medium", "high"], 0.1), (["low", "HIGH", "High"], 0.05), (["low", "Low"], 0.0)],
    ids=["three", "two-case-insensitive", "one"],
)
def test_performance_intensity_variety(intensities: list[str], bonus: float) -> None:
    plan = make_plan([[(i + 1, x) for i, x in enumerate(intensities)]], duration=4)
    assert factor(score_plan(plan, {}, NOW), "performance")["score"] == round4(0.45 + bonus)


@pytest.mark.parametrize(("weeks", "bonus"), [(12, 0.1), (11, 0.05), (8, 0.05), (7, 0.0)])
def test_performance_duration_boundaries(weeks: int, bonus: float) -> None:
    plan = make_plan([[(1, "low")]], duration=weeks)
    assert factor(score_plan(plan, {}, NOW), "performance")["score"] == round4(0.45 + bonus)


def test_performance_halved_without_sessions() -> None:
    performance = factor(
        score_plan({"durationWeeks": 12, "microcycles": []}, {}, NOW), "performance"
    )
    assert performance["score"] == round4((0.45 + 0.1) * 0.5)
    assert any("halved" in r for r in performance["reasons"])


def test_every_factor_has_at_least_one_reason_for_a_minimal_plan() -> None:
    payload = score_plan({}, {}, NOW)
    assert all(
        payload["factors"][name]["reasons"] for name in ("safety", "compliance", "performance")
    )
