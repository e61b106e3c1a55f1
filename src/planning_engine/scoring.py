"""`fixed-weight-v1` plan scoring, exactly as docs/SCORING_FIXED_WEIGHT_V1.md defines it.

Pure and deterministic apart from `metadata.evaluatedAt`. Numbers follow the original
implementation's double-precision arithmetic, including its rounding (`round4`), because
consumers compare scores across implementations.
"""

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from typing import Any

VERSION = "fixed-weight-v1"
WEIGHTS: dict[str, float] = {"safety": 0.6, "compliance": 0.3, "performance": 0.1}


def round4(x: float) -> float:
    """The contract's rounding: half up in doubles, not Python's half-to-even `round`."""
    return math.floor(x * 10000 + 0.5) / 10000


def _clamp(x: float) -> float:
    return 0.0 if x < 0 else 1.0 if x > 1 else x


def _number(value: Any) -> float | None:
    """A finite number, or None for anything missing or unusable (bool is not a number here).

    JSON's own int and float are checked first: this runs several times per plan scored."""
    kind = type(value)
    if kind is int:
        return value  # type: ignore[no-any-return]
    if value is None or kind is bool or not isinstance(value, int | float):
        return None
    return value if math.isfinite(value) else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _fmt(x: float) -> str:
    return f"{x:g}"


@dataclass
class _Sessions:
    """What the three factors need from the sessions, gathered in one pass over the plan."""

    weeks: int = 0
    deload_weeks: int = 0
    total: int = 0
    high: int = 0
    days: set[Any] = field(default_factory=set)
    intensities: set[str] = field(default_factory=set)

    @property
    def planned_per_week(self) -> float:
        return self.total / self.weeks if self.weeks else 0.0


_SESSIONS = itemgetter("sessions")
_INTENSITY = itemgetter("intensity")
_DAY = itemgetter("dayOfWeek")


def _gather(plan: Mapping[str, Any]) -> _Sessions:
    """One pass over the plan. A well-formed plan (JSON objects and lists all the way down) is read
    with C-level comprehensions and itemgetter; anything else raises on the way (a missing key; a
    week or session that is not an object; sessions given as a string, number or object) and falls
    back to the defensive reading. The property tests hold the two readings equal."""
    weeks = plan.get("microcycles")
    if type(weeks) is list:
        try:
            sessions = list(chain.from_iterable(map(_SESSIONS, weeks)))
            return _summarise(
                weeks, sessions, list(map(_INTENSITY, sessions)), set(map(_DAY, sessions))
            )
        except (KeyError, TypeError, AttributeError):
            pass
    return _gather_defensively(plan)


def _gather_defensively(plan: Mapping[str, Any]) -> _Sessions:
    weeks = [w for w in _list(plan.get("microcycles")) if isinstance(w, dict)]
    sessions = [s for w in weeks for s in _list(w.get("sessions")) if isinstance(s, dict)]
    return _summarise(
        weeks,
        sessions,
        [s.get("intensity") for s in sessions],
        {s.get("dayOfWeek") for s in sessions},
    )


_LEVELS = frozenset(("low", "medium", "high"))


def _summarise(
    weeks: list[Any], sessions: list[Any], intensities: list[Any], days: set[Any]
) -> _Sessions:
    distinct = set(intensities)
    distinct.discard(None)
    if distinct <= _LEVELS:  # the engine's own spelling: no case folding needed
        high, levels = intensities.count("high"), distinct
    else:
        folded = {value: str(value).lower() for value in distinct}
        high = sum(intensities.count(value) for value, level in folded.items() if level == "high")
        levels = set(folded.values())
    return _Sessions(
        len(weeks),
        sum(1 for w in weeks if w.get("deload") is True),
        len(sessions),
        high,
        days,
        levels,
    )


def score_plan(
    plan: Mapping[str, Any], request: Mapping[str, Any], now: datetime | None = None
) -> dict[str, Any]:
    """The scoring payload for a plan generated for `request`."""
    stats = _gather(plan)
    planned = stats.planned_per_week

    safety = _safety(stats)
    compliance = _compliance(planned, request)
    performance = _performance(plan, stats)
    total = (
        WEIGHTS["safety"] * safety[0]
        + WEIGHTS["compliance"] * compliance[0]
        + WEIGHTS["performance"] * performance[0]
    )
    factors = {
        "safety": _factor_detail("safety", safety),
        "compliance": _factor_detail("compliance", compliance),
        "performance": _factor_detail("performance", performance),
    }
    return {
        "version": VERSION,
        "total": round4(total),
        "weights": dict(WEIGHTS),
        "factors": factors,
        "metadata": _metadata(planned, request, now),
    }


Factor = tuple[float, list[str], dict[str, int | float]]


def _factor_detail(name: str, factor: Factor) -> dict[str, Any]:
    score, reasons, metrics = factor
    weight = WEIGHTS[name]
    return {
        "weight": weight,
        "score": round4(score),
        "contribution": round4(weight * score),
        "reasons": reasons,
        "metrics": metrics,
    }


def _safety(stats: _Sessions) -> Factor:
    if not stats.total:
        metrics: dict[str, int | float] = {
            "totalSessions": 0,
            "highIntensityRatio": 0,
            "averageRestDays": 7,
            "deloadWeeks": 0,
        }
        return 0.7, ["No sessions scheduled; safety score defaulted to 0.7"], metrics
    reasons = []
    ratio = stats.high / stats.total
    score = 1.0
    if ratio > 0.4:
        score -= min(0.4, ratio * 0.6)
        reasons.append(
            f"{_fmt(round4(ratio * 100))}% of sessions are high intensity, above the 40% safety threshold"
        )
    else:
        score -= ratio * 0.2
        reasons.append("High-intensity distribution is within safe thresholds")
    rest_days = max(0, 7 - len(stats.days))
    if rest_days < 2:
        score -= 0.15
        reasons.append(f"Limited rest: {rest_days} rest day(s) a week, fewer than 2")
    else:
        reasons.append(f"{rest_days} rest days a week allow recovery")
    deloads = stats.deload_weeks
    if deloads:
        score += 0.05
        reasons.append(f"{deloads} deload week(s) scheduled")
    metrics = {
        "totalSessions": stats.total,
        "highIntensityRatio": round4(ratio),
        "averageRestDays": rest_days,
        "deloadWeeks": deloads,
    }
    return _clamp(score), reasons, metrics


def _compliance(planned: float, request: Mapping[str, Any]) -> Factor:
    availability = _number(request.get("availabilityDays"))
    target = _number(request.get("selectedDaysPerWeek"))
    if target is None:
        target = _number(request.get("weeklyGoalDays"))
    if target is None:
        target = planned if availability is None else availability
    metrics: dict[str, int | float] = {
        "plannedWeeklySessions": round4(planned),
        "weeklyGoalDays": target if type(target) is int else round4(target),
    }
    if availability is not None:
        metrics["availabilityDays"] = availability
    if not target > 0:
        metrics["deviation"] = 0
        return (
            0.8,
            ["No weekly goal or availability to compare with; compliance defaulted to 0.8"],
            metrics,
        )
    deviation = abs(planned - target)
    metrics["deviation"] = round4(deviation)
    if planned == 0:
        return (
            0.0,
            [f"No sessions are scheduled against a goal of {_fmt(target)} day(s) a week"],
            metrics,
        )
    score = 1 - (deviation / max(target, 1)) * 0.75
    if deviation < 0.25:
        reason = f"{_fmt(round4(planned))} sessions a week matches the goal of {_fmt(target)}"
    elif planned < target:
        reason = f"{_fmt(round4(planned))} sessions a week is below the goal of {_fmt(target)}"
    else:
        reason = f"{_fmt(round4(planned))} sessions a week is above the goal of {_fmt(target)}"
    return _clamp(score), [reason], metrics


def _performance(plan: Mapping[str, Any], stats: _Sessions) -> Factor:
    reasons = []
    score = 0.45
    progression = plan.get("progression")
    phases = len(_list(progression.get("phases"))) if isinstance(progression, Mapping) else 0
    if phases > 0:
        score += min(0.2, phases * 0.05)
        reasons.append(f"{phases} progression phase(s) structure the plan")
    else:
        reasons.append("No progression phases")
    variety = len(stats.intensities)
    if variety >= 3:
        score += 0.1
        reasons.append(f"{variety} distinct intensities give good variety")
    elif variety == 2:
        score += 0.05
        reasons.append("2 distinct intensities give some variety")
    else:
        reasons.append(
            f"{variety} distinct intensit{'y' if variety == 1 else 'ies'}: little variety"
        )
    duration = _number(plan.get("durationWeeks"))
    if duration is None:
        reasons.append("Plan duration is missing")
    elif duration >= 12:
        score += 0.1
        reasons.append(f"{_fmt(duration)}-week duration supports full adaptation")
    elif duration >= 8:
        score += 0.05
        reasons.append(f"{_fmt(duration)}-week duration supports partial adaptation")
    else:
        reasons.append(f"{_fmt(duration)}-week duration is short for adaptation")
    if not stats.weeks or not stats.total:
        score *= 0.5
        reasons.append("No microcycles or sessions: performance halved")
    metrics: dict[str, int | float] = {"progressionPhases": phases, "intensityVariety": variety}
    if duration is not None:
        metrics["durationWeeks"] = duration
    return _clamp(score), reasons, metrics


def _utc_timestamp(now: datetime | None) -> str:
    """ISO 8601 in UTC with milliseconds and a Z, as the original implementation wrote it."""
    if now is not None:
        return now.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    moment = time.time()
    second = int(moment)
    return f"{_second_prefix(second)}.{int((moment - second) * 1000):03d}Z"


@lru_cache(maxsize=4)
def _second_prefix(second: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))


def _metadata(planned: float, request: Mapping[str, Any], now: datetime | None) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "evaluatedAt": _utc_timestamp(now),
        "weeklySessionsPlanned": round4(planned),
    }
    context: dict[str, float] = {}
    availability = _number(request.get("availabilityDays"))
    if availability is not None:
        context["availabilityDays"] = availability
    goal = _number(request.get("weeklyGoalDays"))
    if goal is not None:
        context["weeklyGoalDays"] = goal
        if goal >= 0:
            metadata["weeklyGoalDays"] = goal
    if context:
        metadata["requestContext"] = context
    return metadata
