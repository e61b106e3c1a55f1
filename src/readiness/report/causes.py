"""Root causes of a NO-GO: failed scenarios grouped by the runbook fix their findings name.

One broken thing (an unseeded library, an unreachable database, a stuck queue) fails many
scenarios with the same fix; the people reading a NO-GO need that one cause and its fix first,
with how many scenarios it explains, not thirty red rows.
"""

from collections import Counter
from dataclasses import dataclass, field

from readiness.fixes import Fix
from readiness.report.scenario_record import ScenarioRecord

_ORDER = {fix.key: index for index, fix in enumerate(Fix)}
# Causes named first whatever their count: they make other checks fail as well (an API whose
# database refuses writes fails or hangs on every plan, a cause of its own by count).
ROOT_CAUSES = (Fix.READ_ONLY.key,)


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
        known = Fix.of(key)
        fix = known.remedy if known else "read the scenario's error"
        title = known.title if known else "an unexpected error"
        findings = Counter(_finding(r, fix) for r in records)
        causes.append(Cause(key, title, fix, _shorten(findings.most_common(1)[0][0]), records))
    return sorted(
        causes,
        key=lambda c: (c.key not in ROOT_CAUSES, -c.count, _ORDER.get(c.key, len(_ORDER)), c.key),
    )


def _shorten(text: str, limit: int = 240) -> str:
    first = text.splitlines()[0] if text else ""
    return first if len(first) <= limit else first[: limit - 1] + "…"
