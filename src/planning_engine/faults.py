"""Fault injection for rehearsing the readiness gate (PLANNING_ENGINE_FAULTS=name,...; off by default).

Each fault breaks the engine the way a bad staging deployment could, so the readiness suite
can be shown to catch it. Never set this on a real deployment.
"""

from collections.abc import Callable
from typing import Any

Payload = dict[str, Any]


def _weights_sum_to_0_9(payload: Payload) -> None:
    payload["weights"]["performance"] = 0.0


def _contribution_off(payload: Payload) -> None:
    factor = payload["factors"]["safety"]
    factor["contribution"] = round(factor["contribution"] / 2, 4)


SCORING_FAULTS: dict[str, Callable[[Payload], None]] = {
    "scoring_version_v2": lambda p: p.update(version="fixed-weight-v2"),
    "scoring_total_out_of_range": lambda p: p.update(total=1.2),
    "scoring_weights_0_9": _weights_sum_to_0_9,
    "scoring_bad_contribution": _contribution_off,
    "scoring_missing_factor": lambda p: p["factors"].pop("performance"),
    "scoring_bad_timestamp": lambda p: p["metadata"].update(evaluatedAt="not-a-date"),
}
WORKER_FAULTS = {"hold_jobs", "fail_jobs", "empty_result", "scoring_not_persisted"}
API_FAULTS = {"no_auth", "no_ownership_check", "scoring_not_persisted", "scoring_response_differs"}
KNOWN_FAULTS = frozenset(SCORING_FAULTS) | WORKER_FAULTS | API_FAULTS


def corrupt_scoring(payload: Payload, faults: frozenset[str]) -> None:
    for name in sorted(faults & SCORING_FAULTS.keys()):
        SCORING_FAULTS[name](payload)


def unknown(faults: frozenset[str]) -> list[str]:
    return sorted(faults - KNOWN_FAULTS)
