"""GO / NO-GO / INCOMPLETE from the scenarios' outcomes, the feature files and the runbook checklist.

GO means verified: every required scenario the feature files define ran in this run and passed.
A scenario that is missing from the run (deselected, not reached) counts like a skipped one: its
criterion is "not verified" and the verdict INCOMPLETE at best. A NO-GO is explained by its
causes: failures that share a runbook fix are one cause, listed with how many scenarios it
explains, most first.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from readiness.report.causes import Cause, group_causes
from readiness.report.checklist import CHECKLIST, ChecklistItem
from readiness.report.inventory import PlannedScenario
from readiness.report.scenario_record import ScenarioRecord

GO, NO_GO, INCOMPLETE = "GO", "NO-GO", "INCOMPLETE"
NOT_VERIFIED = "not verified"


@dataclass
class ItemOutcome:
    section: str
    item: ChecklistItem
    status: str  # passed | failed | not verified | manual
    scenarios: list[ScenarioRecord] = field(default_factory=list)
    # A criterion when a required scenario checks it; a drill or a line for people informs.
    required: bool = False

    @property
    def reasons(self) -> list[str]:
        """Why the criterion is not verified: each distinct reason of its unverified scenarios."""
        if self.status != NOT_VERIFIED:
            return []
        deciding = [r for r in self.scenarios if r.required or not self.required]
        reasons = Counter(r.message or r.outcome for r in deciding if r.outcome != "passed")
        return [f"{reason} ({count})" if count > 1 else reason for reason, count in reasons.items()]


@dataclass
class Verdict:
    decision: str
    passed: int
    failed: int
    incomplete: int
    items: list[ItemOutcome]
    records: list[ScenarioRecord]
    causes: list[Cause] = field(default_factory=list)
    # "" for a run that ended by itself; else what it was doing when it was interrupted.
    interrupted: str = ""

    @property
    def exit_code(self) -> int:
        return 0 if self.decision == GO else 1

    def gate_exit_code(self, allow_incomplete: bool, exitstatus: int) -> int:
        """The exit code the run ends with, as CI sees it: pytest's own when the session did
        not end normally (2 interrupted, 3 internal error), else the verdict's (INCOMPLETE
        passes with `allow_incomplete`), never lower than pytest's (a project test failed)."""
        if exitstatus not in (0, 1):
            return exitstatus
        passing = self.decision == GO or (self.decision == INCOMPLETE and allow_incomplete)
        return max(exitstatus, 0 if passing else 1)

    @property
    def unverified(self) -> list[ScenarioRecord]:
        """Required scenarios that were skipped or never ran, in file order."""
        return [r for r in self.records if r.required and r.outcome in ("skipped", "not run")]


def _combine(records: list[ScenarioRecord]) -> str:
    outcomes = {r.outcome for r in records}
    if "failed" in outcomes:
        return "failed"
    if not records or outcomes - {"passed"}:
        return NOT_VERIFIED
    return "passed"


def with_missing(
    records: Iterable[ScenarioRecord],
    inventory: Iterable[PlannedScenario],
    missing_reason: Callable[[PlannedScenario], str],
) -> list[ScenarioRecord]:
    """The run's records, plus a "not run" record (with its reason) for every scenario of the
    feature files the run has no record of; in the feature files' order."""
    by_key = {r.key: r for r in records if r.key}
    ordered = []
    for planned in inventory:
        record = by_key.pop(planned.key, None)
        if record is None:
            record = ScenarioRecord(
                nodeid=planned.key,
                feature=planned.feature,
                feature_file=planned.feature_file,
                feature_line=0,
                feature_description="",
                name=planned.name,
                template=planned.template,
                line=planned.line,
                tags=list(planned.tags),
                message=missing_reason(planned),
                key=planned.key,
            )
        ordered.append(record)
    keyless = [r for r in records if not r.key]
    return ordered + list(by_key.values()) + keyless


def decide(records: list[ScenarioRecord], interrupted: str = "") -> Verdict:
    """NO-GO if any scenario failed; INCOMPLETE if a required criterion was not verified (a
    required scenario mapped to it skipped or not run), or the run was interrupted (what it
    verified so far is no sign-off); GO only when every one passed."""
    by_criterion: dict[str, list[ScenarioRecord]] = {}
    for record in records:
        by_criterion.setdefault(record.criterion, []).append(record)
    items = []
    for section, section_items in CHECKLIST.items():
        for item in section_items:
            if not item.criteria:  # a check for people, listed so the page shows the whole runbook
                items.append(ItemOutcome(section, item, "manual"))
                continue
            mapped = [r for key in item.criteria for r in by_criterion.get(key, [])]
            # Required when a required scenario checks it (none known: required, unverified).
            required = not mapped or any(r.required for r in mapped)
            # A required item is decided by its required scenarios; a rehearsal attached to it informs.
            deciding = [r for r in mapped if r.required] if required else mapped
            items.append(ItemOutcome(section, item, _combine(deciding), mapped, required))
    failed = sum(1 for r in records if r.outcome == "failed")
    passed = sum(1 for r in records if r.outcome == "passed")
    unverified = sum(1 for r in records if r.required and r.outcome in ("skipped", "not run"))
    empty = sum(1 for o in items if o.required and o.status == NOT_VERIFIED and not o.scenarios)
    incomplete = unverified + empty
    decision = NO_GO if failed else INCOMPLETE if incomplete or interrupted else GO
    causes = group_causes([r for r in records if r.outcome == "failed"])
    return Verdict(decision, passed, failed, incomplete, items, records, causes, interrupted)
