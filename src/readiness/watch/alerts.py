"""The runbook's three suggested alerts (Monitoring & Observability: Alerts), evaluated on what
a watch round measured. The same alerts as Prometheus rules: `readiness.alert_rules`."""

from dataclasses import dataclass
from typing import Any

from readiness.since_deploy.comparison import WORSE
from readiness.since_deploy.measures import FAILURE_RATE

EXPECTED_MOVEMENTS = 8
GENERATION = "Plan generation errors increase"


@dataclass(frozen=True)
class Alert:
    name: str
    meaning: str  # the runbook's "→ ..."
    finding: str

    def line(self) -> str:
        return f"{self.name} ({self.meaning}): {self.finding}"


def evaluate(measured: dict[str, Any], previous: dict[str, Any] | None) -> list[Alert]:
    """The alerts that fire on this round; `previous` is the last round that answered."""
    fired = []
    movements = measured.get("published_movements")
    if isinstance(movements, int | float) and movements < EXPECTED_MOVEMENTS:
        fired.append(
            Alert(
                "Movement count drops below 8",
                "possible data loss",
                f"{movements:g} published movements",
            )
        )
    scoring_errors = (measured.get("errors") or {}).get("scoring_errors")
    if isinstance(scoring_errors, int | float) and scoring_errors > 0:
        fired.append(
            Alert(
                "Scoring calculation errors > 0",
                "scoring logic failure",
                f"{scoring_errors:g} scoring calculation error(s) "
                f"({measured.get('scoring_errors_source', '/metrics')})",
            )
        )
    failed_now = _failed(measured)
    failed_before = _failed(previous) if previous is not None else None
    if failed_now is not None and failed_before is not None and failed_now > failed_before:
        fired.append(
            Alert(
                GENERATION,
                "possible scoring regression",
                f"failed plan jobs since the deploy: {failed_before} -> {failed_now}",
            )
        )
    comparison = (measured.get("comparisons") or {}).get(FAILURE_RATE) or {}
    if comparison.get("outcome") == WORSE and not any(a.name == GENERATION for a in fired):
        fired.append(
            Alert(
                GENERATION,
                "possible scoring regression",
                f"failure rate {comparison['before']} before the deploy, {comparison['after']} "
                f"since (p = {comparison['p_value']:.3g})",
            )
        )
    return fired


def _failed(measured: dict[str, Any]) -> int | None:
    value = (measured.get("errors") or {}).get("failed_jobs_since_deploy")
    return int(value) if isinstance(value, int | float) else None
