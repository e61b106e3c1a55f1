"""Root causes of a NO-GO: failed scenarios grouped by the runbook fix their findings name.

One broken thing (an unseeded library, an unreachable database, a stuck queue) fails many
scenarios with the same fix; the people reading a NO-GO need that one cause and its fix first,
with how many scenarios it explains, not thirty red rows.
"""

from collections import Counter
from dataclasses import dataclass, field

from readiness.checks import FIXES
from readiness.report.scenario_record import ScenarioRecord

# What each runbook fix repairs, as the cause's headline.
TITLES = {
    "connection": "the staging database cannot be reached",
    "schema": "the Stream 5 schema is incomplete",
    "schema_profile": "the deployed schema matches no known profile",
    "schema_profile_given": "the schema profile given does not fit the deployed schema",
    "permissions": "the database user lacks the runbook's privileges",
    "lock": "a lock held on a runbook table blocks the checks",
    "seed": "the movement library is not the 8 foundational movements, all published",
    "duplicates": "the library has duplicate movements",
    "extra_movements": "the library holds movements beyond the foundational 8",
    "audit": "the audit log does not match the library",
    "api": "the planning API does not answer",
    "api_error": "the planning API answers with server errors",
    "api_profile": "the planning API serves none of the known routes",
    "rate_limit": "the gateway's rate limits outlast the run's budget",
    "token": "the test user's token is rejected",
    "jobs": "plan jobs do not complete",
    "job_errors": "plan jobs fail",
    "queue_stranded": "plan jobs are stranded in the engine's in-memory queue",
    "plan_cache": "plan jobs are left queued by plan-cache hits",
    "read_only": "the database refuses writes",
    "flag": "scoring is not enabled",
    "unscored_jobs": "recent plan jobs carry no scoring",
    "contract": "scoring payloads break the fixed-weight-v1 contract",
    "scoring_errors": "the engine logged scoring calculation errors",
    "scorer": "stored scores differ from fixed-weight-v1 recomputed from their plans",
    "persistence": "scoring is not stored as the API returns it",
    "security": "the API does not protect jobs",
    "token_claims": "the API accepts expired tokens or tokens meant for others",
    "idempotency": "a retried plan request creates a second job",
    "performance": "runbook queries are slower than the SLA",
    "error_rate": "plan jobs fail more often since the deploy",
    "scoring_share": "fewer plans are scored since the deploy",
    "latency": "plan jobs are slower since the deploy",
    "regression": "slower than at the last GO on this target",
    "logs": "the engine log has errors",
    "imports": "movement imports have failed",
    "log_command": "the engine log cannot be read",
    "budget": "the run's time budget ran out",
}
_ORDER = {key: index for index, key in enumerate(TITLES)}
# Causes named first whatever their count: they make other checks fail as well (an API whose
# database refuses writes fails or hangs on every plan, a cause of its own by count).
ROOT_CAUSES = ("read_only",)


@dataclass
class Cause:
    key: str
    title: str
    fix: str
    finding: str  # the most common finding among its scenarios, without the fix
    records: list[ScenarioRecord] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.records)

    def line(self) -> str:
        """One line: what broke, how many scenarios it explains, the finding and the fix."""
        plural = "s" if self.count != 1 else ""
        return f"{self.title} ({self.count} scenario{plural}): {self.finding} -> {self.fix}"


def _finding(record: ScenarioRecord, fix: str) -> str:
    message = record.message.strip()
    return message.removesuffix(f": {fix}").strip() or message


def group_causes(failed: list[ScenarioRecord]) -> list[Cause]:
    """The failed scenarios grouped by cause, the cause explaining most scenarios first (ties in
    the runbook's order: connection before schema before data before behaviour)."""
    groups: dict[str, list[ScenarioRecord]] = {}
    for record in failed:
        groups.setdefault(record.cause or "unexpected", []).append(record)
    causes = []
    for key, records in groups.items():
        fix = FIXES.get(key, key if key != "unexpected" else "read the scenario's error")
        title = TITLES.get(key, "an unexpected error" if key == "unexpected" else key)
        findings = Counter(_finding(r, fix) for r in records)
        causes.append(Cause(key, title, fix, _shorten(findings.most_common(1)[0][0]), records))
    return sorted(
        causes,
        key=lambda c: (c.key not in ROOT_CAUSES, -c.count, _ORDER.get(c.key, len(_ORDER)), c.key),
    )


def _shorten(text: str, limit: int = 240) -> str:
    first = text.splitlines()[0] if text else ""
    return first if len(first) <= limit else first[: limit - 1] + "…"
