"""`fixed-weight-v1` plan scoring, exactly as docs/SCORING_FIXED_WEIGHT_V1.md defines it.

One entry point, `score_plan(plan, request, now=None)`: a pure function of a plan's content and
the request it was generated for, apart from `metadata.evaluatedAt` (the clock, or `now`). The
engine's worker scores each new plan with it; the readiness suite's oracle recomputes stored
scores with it. Numbers follow the original implementation's double-precision arithmetic,
including its rounding (`round4`), because consumers compare scores across implementations.

Any JSON may arrive in any field, and a crash would lose the score (worker) or the comparison
(oracle), so nothing is trusted: an entry of the wrong type is ignored as the spec's rules say,
a number the arithmetic cannot use is treated as missing, and only a plan or request that is not
a JSON object raises `ValueError`, naming which.

The oracle trusts it, so it is written to be checked against the spec line by line: one
reading of the plan (`_read`), then each factor's rules (`_safety`, `_compliance`,
`_performance`) as the spec states them. Nothing is cached: a plan scores in about 15 µs, on a
path where generating it costs milliseconds (docs/BENCHMARKS.md).
"""

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from math import floor
from typing import Any

VERSION = "fixed-weight-v1"
WEIGHTS: dict[str, float] = {"safety": 0.6, "compliance": 0.3, "performance": 0.1}
_SAFETY = WEIGHTS["safety"]
_COMPLIANCE = WEIGHTS["compliance"]
_PERFORMANCE = WEIGHTS["performance"]

MAX_USABLE = 2**53 - 1
"""The largest magnitude of a number the scorer uses (JavaScript's `Number.MAX_SAFE_INTEGER`).

Up to it every integer is exact in a double, so the original implementation reads the same
number, and `x * 10000` in `round4` stays finite. A larger one (1e308, a 400-digit integer) is no
count of days or weeks: it is treated as missing instead of overflowing."""


def round4(x: float) -> float:
    """The contract's rounding: half up in doubles, not Python's half-to-even `round`.

    Total over numbers, as the original's doubles are: where `x * 10000` overflows (or x is NaN,
    or an integer beyond any double) the original carries the infinity or NaN through, and so
    does this, instead of raising. The scorer's own numbers never get there."""
    try:
        return floor(x * 10000 + 0.5) / 10000
    except (OverflowError, ValueError):
        return math.nan if x != x else math.inf if x > 0 else -math.inf


def _number(value: Any) -> int | float | None:
    """A usable number, or None for anything missing, of another type, not finite or too large.

    bool is not a number here (JSON keeps them apart; Python's `True == 1` must not leak in).
    NaN fails both comparisons, so the one range check also rejects it and the infinities."""
    kind = type(value)
    if (
        kind is int
        or kind is float
        or (value is not None and kind is not bool and isinstance(value, int | float))
    ):
        return value if -MAX_USABLE <= value <= MAX_USABLE else None
    return None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


# --- reading the plan -------------------------------------------------------------------

Reading = tuple[int, int, int, int, int, set[str]]
"""What the factors need from the microcycles: weeks, deload weeks, sessions, high-intensity
sessions, distinct usable days, distinct intensities (case-folded)."""


@dataclass(slots=True)
class _Sessions:
    """A `Reading` with names, for the tests."""

    weeks: int
    deload_weeks: int
    total: int
    high: int
    days: int
    intensities: set[str]


def _gather(plan: Mapping[str, Any]) -> _Sessions:
    return _Sessions(*_read(plan))


def _read(plan: Mapping[str, Any]) -> Reading:
    """What the factors need, from any JSON: weeks and sessions that are not objects are ignored, an intensity that is not a
    string counts as missing, a day that is not a usable number names no weekday, and a week is
    a deload week only if `deload` is `true`."""
    weeks = [w for w in _list(plan.get("microcycles")) if isinstance(w, dict)]
    sessions = [s for w in weeks for s in _list(w.get("sessions")) if isinstance(s, dict)]
    levels = [i.lower() for s in sessions if isinstance(i := s.get("intensity"), str)]
    days = {d for s in sessions if (d := _number(s.get("dayOfWeek"))) is not None}
    deloads = sum(1 for w in weeks if w.get("deload") is True)
    return len(weeks), deloads, len(sessions), levels.count("high"), len(days), set(levels)


# --- the payload ------------------------------------------------------------------------


def score_plan(
    plan: Mapping[str, Any], request: Mapping[str, Any], now: datetime | None = None
) -> dict[str, Any]:
    """The fixed-weight-v1 payload for `plan` (a plan's content) generated for `request`.

    Pure: the same plan and request give the same payload, but for `metadata.evaluatedAt`,
    which is `now` (the clock when None). An oracle recomputing a stored job passes the stored
    plan content and request. Each call returns new objects, which the caller may change.
    Raises ValueError, naming it, if the plan or the request is not a JSON object; any other
    input, whatever its fields hold, is scored."""
    if type(plan) is not dict and not isinstance(plan, Mapping):
        raise ValueError(f"plan: expected a JSON object, got {type(plan).__name__}")
    if type(request) is not dict and not isinstance(request, Mapping):
        raise ValueError(f"request: expected a JSON object, got {type(request).__name__}")
    weeks, deloads, sessions, high, days, levels = _read(plan)
    planned = sessions / weeks if weeks else 0.0
    availability = _number(request.get("availabilityDays"))
    goal = _number(request.get("weeklyGoalDays"))
    selected = _number(request.get("selectedDaysPerWeek"))
    duration = _number(plan.get("durationWeeks"))
    if duration is None:  # the original implementation's plans carry it as `duration`
        duration = _number(plan.get("duration"))
    progression = plan.get("progression")
    phases = (
        len(_list(progression.get("phases")))
        if type(progression) is dict or isinstance(progression, Mapping)
        else 0
    )

    safety = _safety(sessions, high, days, deloads)
    compliance = _compliance(planned, selected, goal, availability)
    performance = _performance(phases, len(levels), duration, not weeks or not sessions)
    total = _SAFETY * safety[0] + _COMPLIANCE * compliance[0] + _PERFORMANCE * performance[0]

    metadata: dict[str, Any] = {
        "evaluatedAt": _utc_timestamp(now),
        "weeklySessionsPlanned": round4(planned),
    }
    if goal is not None:
        if goal >= 0:
            metadata["weeklyGoalDays"] = goal
        metadata["requestContext"] = (
            {"weeklyGoalDays": goal}
            if availability is None
            else {"availabilityDays": availability, "weeklyGoalDays": goal}
        )
    elif availability is not None:
        metadata["requestContext"] = {"availabilityDays": availability}
    return {
        "version": VERSION,
        "total": round4(total),
        "weights": {"safety": _SAFETY, "compliance": _COMPLIANCE, "performance": _PERFORMANCE},
        "factors": {
            "safety": _detail(_SAFETY, safety),
            "compliance": _detail(_COMPLIANCE, compliance),
            "performance": _detail(_PERFORMANCE, performance),
        },
        "metadata": metadata,
    }


_stamp: tuple[int, str] = (-1, "")  # the last millisecond the clock was read at, written out


def _utc_timestamp(now: datetime | None) -> str:
    """ISO 8601 in UTC with milliseconds and a Z, as the original implementation wrote it.

    The clock's string is kept for the millisecond it names, so a batch of plans scored within
    one millisecond formats it once."""
    global _stamp
    if now is not None:
        try:
            moment = now.astimezone(UTC)
        except (OverflowError, ValueError) as error:  # e.g. 0001-01-01T00:00:00+05:00
            raise ValueError(f"now: {now.isoformat()} cannot be written in UTC ({error})") from None
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    millisecond = time.time_ns() // 1_000_000
    stamp = _stamp
    if millisecond != stamp[0]:
        second, milli = divmod(millisecond, 1000)
        prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        stamp = _stamp = (millisecond, f"{prefix}.{milli:03d}Z")
    return stamp[1]


# --- the factors ------------------------------------------------------------------------

Factor = tuple[float, float, float, tuple[str, ...], dict[str, int | float]]
"""A factor worked out: its clamped, unrounded score (the total is computed from those, as the
spec says), its score and contribution rounded, its reasons and its metrics."""


def _detail(weight: float, factor: Factor) -> dict[str, Any]:
    """The factor as the payload carries it."""
    return {
        "weight": weight,
        "score": factor[1],
        "contribution": factor[2],
        "reasons": [*factor[3]],
        "metrics": factor[4].copy(),
    }


def _factor(
    weight: float, score: float, reasons: list[str], metrics: dict[str, int | float]
) -> Factor:
    score = 0.0 if score < 0 else 1.0 if score > 1 else score
    return score, round4(score), round4(weight * score), tuple(reasons), metrics


# The factors below are the spec's rules, in its order.
_NO_SESSIONS = "No sessions scheduled; safety score defaulted to 0.7"
_SAFE_SHARE = "High-intensity distribution is within safe thresholds"
_NO_TARGET = "No weekly goal or availability to compare with; compliance defaulted to 0.8"
_NO_PHASES = "No progression phases"
_SOME_VARIETY = "2 distinct intensities give some variety"
_NO_DURATION = "Plan duration is missing"
_HALVED = "No microcycles or sessions: performance halved"


def _safety(sessions: int, high: int, days: int, deloads: int) -> Factor:
    if not sessions:  # unreachable from a generated plan
        metrics: dict[str, int | float] = {
            "totalSessions": 0,
            "highIntensityRatio": 0,
            "averageRestDays": 7,
            "deloadWeeks": 0,
        }
        return _factor(_SAFETY, 0.7, [_NO_SESSIONS], metrics)
    ratio = high / sessions
    if ratio > 0.4:
        score = 1.0 - (0.4 if ratio * 0.6 > 0.4 else ratio * 0.6)
        share = round4(ratio * 100)
        reasons = [f"{share:g}% of sessions are high intensity, above the 40% safety threshold"]
    else:
        score = 1.0 - ratio * 0.2
        reasons = [_SAFE_SHARE]
    rest_days = 7 - days if days < 7 else 0
    if rest_days < 2:
        score -= 0.15
        reasons.append(f"Limited rest: {rest_days} rest day(s) a week, fewer than 2")
    else:
        reasons.append(f"{rest_days} rest days a week allow recovery")
    if deloads:
        score += 0.05
        reasons.append(f"{deloads} deload week(s) scheduled")
    metrics = {
        "totalSessions": sessions,
        "highIntensityRatio": round4(ratio),
        "averageRestDays": rest_days,
        "deloadWeeks": deloads,
    }
    return _factor(_SAFETY, score, reasons, metrics)


def _compliance(
    planned: float,
    selected: int | float | None,
    goal: int | float | None,
    availability: int | float | None,
) -> Factor:
    target = selected if selected is not None else goal if goal is not None else availability
    if target is None:  # unreachable from a generated plan
        target = planned
    shown = round4(planned)
    metrics: dict[str, int | float] = {
        "plannedWeeklySessions": shown,
        "weeklyGoalDays": target if type(target) is int else round4(target),
    }
    if availability is not None:
        metrics["availabilityDays"] = availability
    if not target > 0:  # unreachable from a generated plan
        metrics["deviation"] = 0
        return _factor(_COMPLIANCE, 0.8, [_NO_TARGET], metrics)
    deviation = abs(planned - target)
    metrics["deviation"] = round4(deviation)
    if planned == 0:  # unreachable from a generated plan
        reason = f"No sessions are scheduled against a goal of {target:g} day(s) a week"
        return _factor(_COMPLIANCE, 0.0, [reason], metrics)
    score = 1 - (deviation / (target if target > 1 else 1)) * 0.75
    if deviation < 0.25:
        relation = "matches the goal of"
    elif planned < target:
        relation = "is below the goal of"
    else:
        relation = "is above the goal of"
    return _factor(
        _COMPLIANCE, score, [f"{shown:g} sessions a week {relation} {target:g}"], metrics
    )


def _performance(phases: int, variety: int, duration: int | float | None, halved: bool) -> Factor:
    if phases > 0:
        score = 0.45 + (0.2 if phases >= 4 else phases * 0.05)  # min(0.2, phases * 0.05)
        reasons = [f"{phases} progression phase(s) structure the plan"]
    else:  # unreachable from a generated plan
        score = 0.45
        reasons = [_NO_PHASES]
    if variety >= 3:
        score += 0.1
        reasons.append(f"{variety} distinct intensities give good variety")
    elif variety == 2:
        score += 0.05
        reasons.append(_SOME_VARIETY)
    else:
        reasons.append(
            f"{variety} distinct intensit{'y' if variety == 1 else 'ies'}: little variety"
        )
    metrics: dict[str, int | float] = {"progressionPhases": phases, "intensityVariety": variety}
    if duration is None:  # unreachable from a generated plan
        reasons.append(_NO_DURATION)
    else:
        metrics["durationWeeks"] = duration
        if duration >= 12:
            score += 0.1
            reasons.append(f"{duration:g}-week duration supports full adaptation")
        elif duration >= 8:
            score += 0.05
            reasons.append(f"{duration:g}-week duration supports partial adaptation")
        else:
            reasons.append(f"{duration:g}-week duration is short for adaptation")
    if halved:  # unreachable from a generated plan
        score *= 0.5
        reasons.append(_HALVED)
    return _factor(_PERFORMANCE, score, reasons, metrics)
