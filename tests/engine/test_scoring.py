"""fixed-weight-v1 scoring: the spec's worked example, every branch, every boundary."""

import copy
import json
import math
import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planning_engine.contract import validate_scoring
from planning_engine.scoring import (
    MAX_USABLE,
    _gather,
    round4,
    score_plan,
)

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


# --- the original implementation's `duration` ------------------------------------------


def test_worked_example_with_the_original_implementations_duration_field() -> None:
    """The original reads a plan's length from `duration`: its plans score as it scored them."""
    original = make_plan(
        [[(1, "low"), (2, "medium"), (3, "high")], [(4, "low"), (5, "medium")]],
        deloads=(1,),
        phases=2,
        duration=None,
    )
    original["duration"] = 12
    payload = score_plan(original, {"weeklyGoalDays": 4, "availabilityDays": 4}, NOW)
    assert payload["total"] == 0.8906  # 0.8806 when `duration` is not read
    assert (
        factor(payload, "performance")["score"],
        factor(payload, "performance")["contribution"],
    ) == (0.75, 0.075)
    assert factor(payload, "performance")["metrics"]["durationWeeks"] == 12
    assert payload == score_plan(WORKED_EXAMPLE, {"weeklyGoalDays": 4, "availabilityDays": 4}, NOW)


def test_duration_weeks_wins_over_duration() -> None:
    plan = make_plan([[(1, "low")]], duration=4)
    plan["duration"] = 12
    performance = factor(score_plan(plan, {}, NOW), "performance")
    assert performance["metrics"]["durationWeeks"] == 4
    assert performance["score"] == 0.45


@pytest.mark.parametrize("unusable", [None, "12", True, [12], {"weeks": 12}, 1e308, 10**400])
def test_an_unusable_duration_weeks_falls_back_to_duration(unusable: Any) -> None:
    plan = make_plan([[(1, "low")]], duration=None)
    plan["durationWeeks"] = unusable
    plan["duration"] = 12
    performance = factor(score_plan(plan, {}, NOW), "performance")
    assert performance["metrics"]["durationWeeks"] == 12
    assert performance["score"] == round4(0.45 + 0.1)


# --- inputs that used to crash the scorer ----------------------------------------------


@pytest.mark.parametrize("odd", [[1], {"day": 1}, "monday", True, None, 1e308, float("nan")])
def test_a_day_that_is_no_usable_number_names_no_weekday(odd: Any) -> None:
    plan = make_plan([[(1, "low"), (2, "low")]])
    plan["microcycles"][0]["sessions"].append({"dayOfWeek": odd, "intensity": "low"})
    safety = factor(score_plan(plan, {}, NOW), "safety")
    assert safety["metrics"]["totalSessions"] == 3
    assert safety["metrics"]["averageRestDays"] == 5  # days 1 and 2 only


@pytest.mark.parametrize("shape", ["the engine's", "another"])
@pytest.mark.parametrize("odd", [1, 1.0, "true", [True], {"deload": True}, None])
def test_only_true_makes_a_deload_week(odd: Any, shape: str) -> None:
    plan = make_plan([[(1, "low"), (3, "low")], [(1, "low"), (3, "low")]], deloads=(0,))
    plan["microcycles"][1]["deload"] = odd
    if shape == "another":  # a session without intensity: not the engine's shape
        plan["microcycles"][1]["sessions"].append({"dayOfWeek": 5})
    assert factor(score_plan(plan, {}, NOW), "safety")["metrics"]["deloadWeeks"] == 1


def test_true_as_a_day_is_not_day_1() -> None:
    """Python takes `True` for 1; JSON's `true` is no weekday."""
    plan = make_plan([[(3, "low")]])
    plan["microcycles"][0]["sessions"].insert(0, {"dayOfWeek": True, "intensity": "low"})
    assert factor(score_plan(plan, {}, NOW), "safety")["metrics"]["averageRestDays"] == 6
    assert _gather(plan).days == 1


@pytest.mark.parametrize("odd", [["high"], {"level": "high"}, 3, True, None])
def test_an_intensity_that_is_not_a_string_is_ignored(odd: Any) -> None:
    plan = make_plan([[(1, "high"), (3, "low")]])
    plan["microcycles"][0]["sessions"].append({"dayOfWeek": 5, "intensity": odd})
    payload = score_plan(plan, {}, NOW)
    assert factor(payload, "safety")["metrics"]["highIntensityRatio"] == round4(1 / 3)
    assert factor(payload, "performance")["metrics"]["intensityVariety"] == 2


@pytest.mark.parametrize("huge", [1e308, -1e308, 10**400, -(10**400), float("inf"), float("nan")])
def test_a_request_number_the_arithmetic_cannot_use_is_treated_as_missing(huge: Any) -> None:
    payload = score_plan(THREE_A_WEEK, {"weeklyGoalDays": huge, "availabilityDays": 4}, NOW)
    assert validate_scoring(payload).valid
    assert factor(payload, "compliance")["metrics"]["weeklyGoalDays"] == 4  # availability
    assert "weeklyGoalDays" not in payload["metadata"]
    assert payload["metadata"]["requestContext"] == {"availabilityDays": 4}


def test_the_largest_usable_number_is_used() -> None:
    payload = score_plan(THREE_A_WEEK, {"weeklyGoalDays": MAX_USABLE}, NOW)
    compliance = factor(payload, "compliance")
    assert compliance["metrics"]["weeklyGoalDays"] == MAX_USABLE
    assert compliance["score"] == round4(1 - ((MAX_USABLE - 3.0) / MAX_USABLE) * 0.75)
    assert validate_scoring(payload).valid


@pytest.mark.parametrize(
    ("plan", "request_", "named"),
    [([], {}, "plan"), ("plan", {}, "plan"), (None, {}, "plan"), ({}, [4], "request")],
)
def test_what_is_not_a_json_object_raises_value_error_naming_it(
    plan: Any, request_: Any, named: str
) -> None:
    with pytest.raises(ValueError, match=f"^{named}: expected a JSON object"):
        score_plan(plan, request_, NOW)


def test_a_time_that_cannot_be_written_in_utc_raises_value_error_naming_it() -> None:
    ahead = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))
    with pytest.raises(ValueError, match=r"^now: "):
        score_plan({}, {}, ahead)


def test_round4_carries_what_overflows_through_as_the_original_does() -> None:
    assert round4(1e308) == math.inf and round4(-1e308) == -math.inf
    assert round4(10**400) == math.inf and round4(-(10**400)) == -math.inf
    assert math.isnan(round4(math.nan))
    assert round4(1e300) == 1e300  # 1e300 * 10000 is still finite
    assert round4(0.71875) == 0.7188


# --- any JSON in any field -------------------------------------------------------------

special_numbers = st.sampled_from(
    [1e308, -1e308, 10**400, -(10**400), 2**53, -(2**53), -0.0, 0.5, math.inf, math.nan]
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    special_numbers,
    st.text(max_size=6),
    st.sampled_from(["low", "medium", "high", "HIGH"]),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def field(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A field as the engine writes it, or any JSON value at all."""
    return st.one_of(good, json_values)


wild_sessions = st.lists(
    field(
        st.fixed_dictionaries(
            {},
            optional={
                "dayOfWeek": field(st.integers(1, 7)),
                "intensity": field(st.sampled_from(["low", "medium", "high", "High", "extreme"])),
            },
        )
    ),
    max_size=6,
)
wild_weeks = st.lists(
    field(
        st.fixed_dictionaries(
            {},
            optional={
                "weekNumber": field(st.integers(1, 52)),
                "deload": field(st.booleans()),
                "sessions": field(wild_sessions),
            },
        )
    ),
    max_size=5,
)
wild_plans = st.fixed_dictionaries(
    {},
    optional={
        "microcycles": field(wild_weeks),
        "durationWeeks": field(st.integers(0, 52)),
        "duration": field(st.integers(0, 52)),
        "progression": field(
            st.fixed_dictionaries({}, optional={"phases": field(st.lists(json_values, max_size=5))})
        ),
    },
)
wild_requests = st.fixed_dictionaries(
    {},
    optional={
        key: field(st.one_of(st.integers(-1, 8), st.floats(0, 7)))
        for key in ("weeklyGoalDays", "availabilityDays", "selectedDaysPerWeek")
    },
)


@settings(max_examples=300, deadline=None)
@given(plan=st.one_of(wild_plans, json_values), request=st.one_of(wild_requests, json_values))
def test_any_json_in_any_field_gives_a_valid_payload_or_names_the_field(
    plan: Any, request: Any
) -> None:
    if not isinstance(plan, dict) or not isinstance(request, dict):
        named = "plan" if not isinstance(plan, dict) else "request"
        with pytest.raises(ValueError, match=f"^{named}: "):
            score_plan(plan, request, NOW)
        return
    payload = score_plan(plan, request, NOW)
    assert validate_scoring(payload).errors == []
    json.dumps(payload, allow_nan=False)  # every number finite, as JSON has them


# --- payloads are new objects, numbers written as given ---------------------------------


def test_changing_a_payload_does_not_change_the_next_one() -> None:
    request = {"weeklyGoalDays": 4, "availabilityDays": 4}
    first = score_plan(WORKED_EXAMPLE, request, NOW)
    expected = copy.deepcopy(first)
    for name in ("safety", "compliance", "performance"):
        first["factors"][name]["reasons"].append("edited")
        first["factors"][name]["metrics"]["edited"] = 1
    first["weights"]["safety"] = 0.0
    first["metadata"]["requestContext"]["weeklyGoalDays"] = 0
    assert score_plan(WORKED_EXAMPLE, request, NOW) == expected


@pytest.mark.parametrize(
    "numbers",
    [(0, -0.0, 0.0, 0), (5, 5.0, 5), (12, 12.0, 12)],
    ids=["zeros", "five", "twelve"],
)
def test_equal_numbers_of_other_types_or_signs_are_scored_as_written(
    numbers: tuple[float, ...],
) -> None:
    """5 and 5.0, 0.0 and -0.0 are equal in Python but written differently in JSON: each payload
    writes the number its request gave."""
    for number in numbers:
        plan = make_plan([[(1, "low")]], duration=None)
        plan["durationWeeks"] = number
        payload = score_plan(plan, {"weeklyGoalDays": number, "availabilityDays": number}, NOW)
        written = json.dumps(number)
        assert json.dumps(factor(payload, "performance")["metrics"]["durationWeeks"]) == written
        assert json.dumps(factor(payload, "compliance")["metrics"]["availabilityDays"]) == written
        assert factor(payload, "performance")["reasons"][2].startswith(f"{number:g}-week")


def test_evaluated_at_from_the_clock_is_now_in_utc_to_the_millisecond() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    stamps = [score_plan({}, {})["metadata"]["evaluatedAt"] for _ in range(3)]
    after = datetime.now(UTC)
    for stamp in stamps:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stamp), stamp
        assert before <= datetime.fromisoformat(stamp) <= after
