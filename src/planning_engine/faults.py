"""Fault injection for rehearsing the readiness gate (PLANNING_ENGINE_FAULTS=name,...; off by default).

Each fault breaks the engine the way a bad staging deployment could, so the readiness suite
can be shown to catch it. Never set this on a real deployment.
"""

import copy
from collections.abc import Callable
from typing import Any

Payload = dict[str, Any]


def _weights_sum_to_0_9(payload: Payload) -> None:
    payload["weights"]["performance"] = 0.0


def _contribution_off(payload: Payload) -> None:
    factor = payload["factors"]["safety"]
    factor["contribution"] = round(factor["contribution"] / 2, 4)


def _factor_off(payload: Payload, name: str, scale: float = 0.8) -> None:
    """A scorer whose formula for one factor is off (`scale` times the right score) but which is
    self-consistent: the contribution and the total follow from the wrong score, so the contract
    validator passes and only recomputing the score from the plan shows it."""
    factors = payload["factors"]
    factor = factors[name]
    factor["score"] = round(factor["score"] * scale, 4)
    factor["contribution"] = round(factor["weight"] * factor["score"], 4)
    payload["total"] = round(sum(f["contribution"] for f in factors.values()), 4)


def _compliance_0_8(payload: Payload) -> None:
    _factor_off(payload, "compliance")


def _metric(payload: Payload, factor: str, metric: str) -> float:
    return float(payload["factors"][factor]["metrics"].get(metric) or 0)


SCORING_FAULTS: dict[str, Callable[[Payload], None]] = {
    "scoring_version_v2": lambda p: p.update(version="fixed-weight-v2"),
    "scoring_total_out_of_range": lambda p: p.update(total=1.2),
    "scoring_weights_0_9": _weights_sum_to_0_9,
    "scoring_bad_contribution": _contribution_off,
    "scoring_missing_factor": lambda p: p["factors"].pop("performance"),
    "scoring_bad_timestamp": lambda p: p["metadata"].update(evaluatedAt="not-a-date"),
    "scorer_compliance_0_8": _compliance_0_8,
    # Wrong only for plans of 5 days a week or more, as a scorer with an off-by-one would be:
    # the runbook's own request (4 days) scores right.
    "scorer_wrong_from_5_days": lambda p: (
        _compliance_0_8(p) if (p["metadata"].get("weeklyGoalDays") or 0) >= 5 else None
    ),
    # Wrong only where fewer sessions are planned than the goal asks (a goal above the days
    # available), or only for plans shorter than 8 weeks: shapes the runbook's request never has.
    "scorer_wrong_below_goal": lambda p: (
        _factor_off(p, "compliance")
        if _metric(p, "compliance", "plannedWeeklySessions")
        < _metric(p, "compliance", "weeklyGoalDays")
        else None
    ),
    "scorer_wrong_short_plans": lambda p: (
        _factor_off(p, "performance", 1.2)
        if 0 < _metric(p, "performance", "durationWeeks") < 8
        else None
    ),
    # The total as a double sum leaves it, unrounded: 0.975 stored as 0.9749999999999999.
    "scoring_unrounded": lambda p: p.update(total=p["total"] - 1e-16),
}
WORKER_FAULTS = {
    "hold_jobs",
    "fail_jobs",
    "empty_result",
    "scoring_not_persisted",
    "scoring_on_other_plan",
    "stored_plan_altered",
    "plan_scoring_dropped",
}
API_FAULTS = {
    "no_auth",
    "no_ownership_check",
    "no_signature_check",
    "no_expiry_check",
    "no_idempotency",
    "scoring_not_persisted",
    "scoring_response_differs",
}
# The athlete-ally service's own defects (DEPLOYED_API_ATHLETE_ALLY.md §10), in its API profile:
# every job failing with no errorData (D3), jobs left queued by a plan-cache hit (D5), a burst
# stranded in the in-memory queue (D6), /health 503 from a closed placeholder connection (D4).
DEPLOYED_FAULTS = {"llm_stub", "plan_cache", "queue_stall", "health_503"}
# Not faults: ways a healthy deployment may differ from this engine, for the suite to accept.
# Another user's job answered 404, as if it did not exist (it protects the job as 403 does).
HEALTHY_VARIATIONS = frozenset({"others_jobs_not_found"})
# Token checks a broken deployment leaves out (planning_engine.auth).
TOKEN_FAULTS = frozenset({"no_signature_check", "no_expiry_check"})
KNOWN_FAULTS = (
    frozenset(SCORING_FAULTS) | WORKER_FAULTS | API_FAULTS | DEPLOYED_FAULTS | HEALTHY_VARIATIONS
)


def corrupt_scoring(payload: Payload, faults: frozenset[str]) -> None:
    for name in sorted(faults & SCORING_FAULTS.keys()):
        SCORING_FAULTS[name](payload)


def plan_to_score(plan: Payload, faults: frozenset[str]) -> Payload:
    """The plan the scorer is given: with `scoring_on_other_plan`, the plan as it was before its
    last week was added (a scorer run too early, or on a stale copy), while the full plan is
    what gets stored."""
    if "scoring_on_other_plan" not in faults or not plan.get("microcycles"):
        return plan
    return {**plan, "microcycles": plan["microcycles"][:-1]}


def plan_to_store(plan: Payload, faults: frozenset[str]) -> Payload:
    """The plan row's content: with `stored_plan_altered`, the scored plan edited afterwards
    (its first session removed) while `content.scoring` is kept, as a later change to the row
    would leave it. Made before the insert, so that no reader ever sees the unedited row: a
    separate UPDATE after completion would race whoever reads the job first."""
    if "plan_scoring_dropped" in faults:  # the plan row without the scoring the job holds
        plan = {key: value for key, value in plan.items() if key != "scoring"}
    if "stored_plan_altered" not in faults:
        return plan
    altered = copy.deepcopy(plan)
    for week in altered.get("microcycles") or []:
        if week.get("sessions"):
            del week["sessions"][0]
            break
    return altered


def unknown(faults: frozenset[str]) -> list[str]:
    return sorted(faults - KNOWN_FAULTS)
