"""The contract validator: every rule rejects its corruption; every generated payload passes."""

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker

from planning_engine.contract import scoring_schema, validate_scoring
from planning_engine.scoring import score_plan

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
PLAN = {
    "durationWeeks": 12,
    "progression": {"phases": [{}, {}]},
    "microcycles": [
        {
            "weekNumber": 1,
            "deload": False,
            "sessions": [
                {"dayOfWeek": 1, "intensity": "low"},
                {"dayOfWeek": 3, "intensity": "high"},
            ],
        },
        {"weekNumber": 2, "deload": True, "sessions": [{"dayOfWeek": 2, "intensity": "medium"}]},
    ],
}


@pytest.fixture
def payload() -> dict[str, Any]:
    return score_plan(PLAN, {"weeklyGoalDays": 3, "availabilityDays": 4}, NOW)


def test_a_generated_payload_is_valid(payload: dict[str, Any]) -> None:
    report = validate_scoring(payload)
    assert report.errors == []
    assert report.valid


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    keys = path.split(".")

    def apply(p: dict[str, Any]) -> None:
        node = p
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value

    return apply


def _delete(path: str) -> Callable[[dict[str, Any]], None]:
    keys = path.split(".")

    def apply(p: dict[str, Any]) -> None:
        node = p
        for key in keys[:-1]:
            node = node[key]
        del node[keys[-1]]

    return apply


CORRUPTIONS = {
    "wrong version": (_set("version", "fixed-weight-v2"), "$.version"),
    "total above 1": (_set("total", 1.2), "$.total"),
    "total not the sum": (_set("total", 0.1), "$.total: 0.1 is not the sum"),
    "weights do not sum to 1": (_set("weights.performance", 0.0), "$.weights: weights sum to 0.9"),
    "factor weight differs from weights": (
        _set("factors.safety.weight", 0.5),
        "$.factors.safety.weight",
    ),
    "contribution is not weight x score": (
        _set("factors.compliance.contribution", 0.01),
        "$.factors.compliance.contribution",
    ),
    "missing factor": (_delete("factors.performance"), "'performance' is a required property"),
    "empty reasons": (_set("factors.safety.reasons", []), "$.factors.safety.reasons"),
    "non-numeric metric": (
        _set("factors.safety.metrics.totalSessions", "3"),
        "$.factors.safety.metrics.totalSessions",
    ),
    "evaluatedAt not a date": (
        _set("metadata.evaluatedAt", "last tuesday"),
        "$.metadata.evaluatedAt: 'last tuesday' is not a 'date-time'",
    ),
    "missing evaluatedAt": (
        _delete("metadata.evaluatedAt"),
        "'evaluatedAt' is a required property",
    ),
    "NaN score": (
        _set("factors.safety.score", float("nan")),
        "$.factors.safety.score: nan is not a finite number",
    ),
    "infinite total": (_set("total", float("inf")), "$.total: inf is not a finite number"),
    "blank reason": (_set("factors.safety.reasons", [""]), "$.factors.safety.reasons[0]"),
    "weight above 1": (_set("weights.safety", 1.2), "$.weights.safety"),
    "score below 0": (_set("factors.performance.score", -0.1), "$.factors.performance.score"),
    "negative sessions planned": (
        _set("metadata.weeklySessionsPlanned", -1),
        "$.metadata.weeklySessionsPlanned",
    ),
    # Four decimals are part of the contract: a stored total or score that a reader would have to
    # round again is not the contract's, even where rounding it gives the right value.
    "total not rounded to 4 decimals": (
        lambda p: p.update(total=p["total"] - 1e-16),
        "is not rounded to 4 decimals (round4 gives",
    ),
    "score with 5 decimals": (
        lambda p: p["factors"]["compliance"].update(
            score=p["factors"]["compliance"]["score"] + 0.00001
        ),
        "$.factors.compliance.score",
    ),
}


@pytest.mark.parametrize("name", CORRUPTIONS)
def test_each_rule_rejects_its_corruption(payload: dict[str, Any], name: str) -> None:
    corrupt, expected = CORRUPTIONS[name]
    broken = copy.deepcopy(payload)
    corrupt(broken)
    report = validate_scoring(broken)
    assert not report.valid
    assert any(expected in str(finding) for finding in report.errors), [
        str(f) for f in report.errors
    ]


def test_all_errors_are_reported_together(payload: dict[str, Any]) -> None:
    payload["total"] = 1.5
    payload["weights"]["safety"] = 0.2
    assert len(validate_scoring(payload).errors) >= 3


def test_unknown_keys_and_non_utc_times_are_warnings_not_errors(payload: dict[str, Any]) -> None:
    payload["debug"] = True
    payload["metadata"]["evaluatedAt"] = "2026-11-24T13:00:00+01:00"
    report = validate_scoring(payload)
    assert report.valid
    assert {f.path for f in report.warnings} >= {"$.debug", "$.metadata.evaluatedAt"}


# --- properties -------------------------------------------------------------------------

intensities = st.one_of(
    st.none(), st.sampled_from(["low", "medium", "high", "HIGH", "Medium", "extreme"])
)
sessions = st.lists(
    st.fixed_dictionaries({"dayOfWeek": st.integers(1, 7), "intensity": intensities}), max_size=8
)
microcycles = st.lists(
    st.fixed_dictionaries(
        {"weekNumber": st.integers(1, 52), "deload": st.booleans(), "sessions": sessions}
    ),
    max_size=16,
)
plans = st.fixed_dictionaries(
    {"microcycles": microcycles},
    optional={
        "durationWeeks": st.integers(0, 52),
        "progression": st.fixed_dictionaries({"phases": st.lists(st.just({}), max_size=8)}),
    },
)
days = st.one_of(st.integers(-1, 7), st.floats(0, 7, allow_nan=False))
requests = st.fixed_dictionaries(
    {}, optional={"weeklyGoalDays": days, "availabilityDays": days, "selectedDaysPerWeek": days}
)


@settings(max_examples=300, deadline=None)
@given(plan=plans, request=requests)
def test_any_plan_and_request_give_a_valid_payload(
    plan: dict[str, Any], request: dict[str, Any]
) -> None:
    payload = score_plan(plan, request)
    report = validate_scoring(payload)
    assert report.errors == []
    assert 0 <= payload["total"] <= 1
    roundtrip = json.loads(json.dumps(payload))
    assert (
        list(
            Draft202012Validator(scoring_schema(), format_checker=FormatChecker()).iter_errors(
                roundtrip
            )
        )
        == []
    )


@settings(max_examples=100, deadline=None)
@given(plan=plans, request=requests)
def test_scoring_is_deterministic_apart_from_evaluated_at(
    plan: dict[str, Any], request: dict[str, Any]
) -> None:
    assert score_plan(plan, request, NOW) == score_plan(copy.deepcopy(plan), dict(request), NOW)


# --- the command ------------------------------------------------------------------------


def test_validate_scoring_command_reports_each_payload(
    engine_cli, payload: dict[str, Any], tmp_path: Path
) -> None:
    broken = copy.deepcopy(payload)
    broken["total"] = 1.2
    jobs = [
        {
            "jobId": "job-1",
            "status": "completed",
            "resultData": {"planId": "p", "scoring": payload},
        },
        {"jobId": "job-2", "status": "completed", "resultData": {"planId": "p", "scoring": broken}},
        {"jobId": "job-3", "status": "completed", "resultData": {"planId": "p"}},
    ]
    path = tmp_path / "payloads.json"
    path.write_text(json.dumps(jobs))
    result = engine_cli("validate-scoring", "--file", str(path))
    assert result.code == 1
    assert "job job-1: valid" in result.out
    assert (
        "job job-2: INVALID" in result.out
        and "$.total: 1.2 is greater than the maximum of 1" in result.out
    )
    assert "job job-3: INVALID" in result.out and "absent" in result.out
    assert "1 of 3 payload(s) valid" in result.out


@pytest.mark.parametrize("shape", ["single", "list"])
def test_validate_scoring_command_exits_0_when_all_valid(
    engine_cli, payload: dict[str, Any], tmp_path: Path, shape: str
) -> None:
    path = tmp_path / "payloads.json"
    path.write_text(json.dumps(payload if shape == "single" else [payload, payload]))
    result = engine_cli("validate-scoring", "--file", str(path))
    assert result.code == 0, result.out


@pytest.mark.parametrize(
    ("content", "expected"), [(None, "not found"), ("{oops", "not valid JSON at line 1, column 2")]
)
def test_validate_scoring_command_bad_file(
    engine_cli, tmp_path: Path, content: str | None, expected: str
) -> None:
    path = tmp_path / "payloads.json"
    if content is not None:
        path.write_text(content)
    result = engine_cli("validate-scoring", "--file", str(path))
    assert result.code == 1
    assert expected in result.err


@settings(max_examples=200, deadline=None)
@given(plan=plans)
def test_intensities_are_counted_case_insensitively(plan: dict[str, Any]) -> None:
    """Any spelling of an intensity counts as its lower-case word."""
    from planning_engine.scoring import _gather

    levels = [
        str(s["intensity"]).lower()
        for w in plan["microcycles"]
        for s in w["sessions"]
        if s["intensity"] is not None
    ]
    stats = _gather(plan)
    assert stats.high == levels.count("high")
    assert stats.intensities == set(levels)


@pytest.mark.parametrize(
    "plan",
    [
        {"microcycles": "weekly"},
        {"microcycles": [{"sessions": [{"dayOfWeek": 1}]}]},
        {"microcycles": [[1, 2]]},
        {"microcycles": [{"sessions": ["x"]}]},
        {"microcycles": [{"deload": True}]},
    ],
    ids=[
        "not-a-list",
        "missing-intensity",
        "week-not-an-object",
        "session-not-an-object",
        "no-sessions",
    ],
)
def test_malformed_plans_still_score_validly(plan: dict[str, Any]) -> None:
    assert validate_scoring(score_plan(plan, {"weeklyGoalDays": 3})).valid


# --- any JSON in any payload field ------------------------------------------------------

special_numbers = st.sampled_from(
    [1e308, -1e308, 10**400, -(10**400), 2**53, -0.0, 0.5, float("inf"), float("nan")]
)
json_values = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(), special_numbers, st.text(max_size=6)
    ),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
UNIT_FIELDS = [
    "total",
    *(f"weights.{name}" for name in ("safety", "compliance", "performance")),
    *(
        f"factors.{name}.{key}"
        for name in ("safety", "compliance", "performance")
        for key in ("weight", "score", "contribution")
    ),
]
OTHER_FIELDS = [
    "version",
    "weights",
    "factors",
    "metadata",
    *(f"factors.{name}" for name in ("safety", "compliance", "performance")),
    *(
        f"factors.{name}.{key}"
        for name in ("safety", "compliance", "performance")
        for key in ("reasons", "metrics")
    ),
    "factors.safety.metrics.totalSessions",
    "factors.compliance.metrics.deviation",
    "factors.performance.metrics.durationWeeks",
    "metadata.evaluatedAt",
    "metadata.weeklySessionsPlanned",
    "metadata.weeklyGoalDays",
    "metadata.requestContext",
    "metadata.requestContext.availabilityDays",
    "debug",
]


def _is_unit(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1


@settings(max_examples=300, deadline=None)
@given(path=st.sampled_from(UNIT_FIELDS + OTHER_FIELDS), value=json_values)
def test_any_json_in_any_payload_field_gives_a_report(path: str, value: Any) -> None:
    payload = score_plan(PLAN, {"weeklyGoalDays": 3, "availabilityDays": 4}, NOW)
    _set(path, value)(payload)
    report = validate_scoring(payload)
    assert all(f.path.startswith("$") for f in report.errors + report.warnings)
    if path in UNIT_FIELDS and not _is_unit(value):
        assert any(f.path == f"$.{path}" for f in report.errors), [str(f) for f in report.errors]


@settings(max_examples=200, deadline=None)
@given(payload=json_values)
def test_any_json_as_the_payload_gives_a_report(payload: Any) -> None:
    report = validate_scoring(payload)
    assert not report.valid  # drawn objects have at most 3 keys; a payload needs 5


@pytest.mark.parametrize(
    "path",
    [
        "total",
        "weights.safety",
        "factors.safety.score",
        "factors.compliance.contribution",
        "factors.performance.weight",
        "factors.safety.metrics.totalSessions",
        "metadata.weeklySessionsPlanned",
    ],
)
@pytest.mark.parametrize("huge", [10**400, -(10**400)])
def test_a_400_digit_integer_is_reported_not_raised(
    payload: dict[str, Any], path: str, huge: int
) -> None:
    _set(path, huge)(payload)
    report = validate_scoring(payload)
    assert not report.valid
    assert any(
        f.path == f"$.{path}" and "not a finite number in double precision" in f.message
        for f in report.errors
    ), [str(f) for f in report.errors]


def test_an_integer_too_long_to_print_is_reported_not_raised(payload: dict[str, Any]) -> None:
    payload["total"] = 10**5000  # no JSON reader makes one; a Python caller can
    report = validate_scoring(payload)
    assert not report.valid
    assert {f.path for f in report.errors} >= {"$", "$.total"}


def test_nesting_as_deep_as_a_json_reader_accepts_gives_a_report(payload: dict[str, Any]) -> None:
    depth = 900
    payload["debug"] = json.loads("[" * depth + "1.5" + "]" * depth)
    payload["metadata"]["weeklySessionsPlanned"] = json.loads("[" * depth + "]" * depth)
    report = validate_scoring(payload)
    assert any(f.path == "$.metadata.weeklySessionsPlanned" for f in report.errors)
    assert "$.debug" in {f.path for f in report.warnings}


def test_validate_scoring_output_is_bounded_whatever_the_number_of_payloads(
    engine_cli, payload: dict[str, Any], tmp_path: Path
) -> None:
    """10,000 payloads, half of them broken: the first 50 are listed, then invalid ones up to
    50 in all, and the rest are counted; the verdict line still counts every payload."""
    broken = copy.deepcopy(payload)
    broken["total"] = 1.2
    path = tmp_path / "payloads.json"
    path.write_text(json.dumps([payload, broken] * 5_000))
    result = engine_cli("validate-scoring", "--file", str(path))
    lines = result.out.splitlines()
    assert result.code == 1
    assert len(lines) < 200
    assert sum(line.endswith(": INVALID") for line in lines) == 50
    assert "… and 4950 more invalid payload(s), not listed" in result.out
    assert lines[-1] == "5000 of 10000 payload(s) valid against fixed-weight-v1"
