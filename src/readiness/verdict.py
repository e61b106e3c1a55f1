"""GO / NO-GO / INCOMPLETE from the scenarios' outcomes and the runbook checklist."""

from dataclasses import dataclass, field

from readiness.checklist import CHECKLIST, ChecklistItem
from readiness.scenario_record import ScenarioRecord

GO, NO_GO, INCOMPLETE = "GO", "NO-GO", "INCOMPLETE"


@dataclass
class ItemOutcome:
    section: str
    item: ChecklistItem
    status: str  # passed | failed | skipped | not run | manual
    scenarios: list[ScenarioRecord] = field(default_factory=list)


@dataclass
class Verdict:
    decision: str
    passed: int
    failed: int
    incomplete: int
    items: list[ItemOutcome]
    records: list[ScenarioRecord]

    @property
    def exit_code(self) -> int:
        return 0 if self.decision == GO else 1


def _combine(records: list[ScenarioRecord]) -> str:
    outcomes = {r.outcome for r in records}
    if not records:
        return "not run"
    if "failed" in outcomes:
        return "failed"
    if outcomes - {"passed"}:
        return "skipped"
    return "passed"


def decide(records: list[ScenarioRecord]) -> Verdict:
    """NO-GO if any scenario failed; INCOMPLETE if a required criterion was skipped or not run."""
    by_template: dict[str, list[ScenarioRecord]] = {}
    for record in records:
        by_template.setdefault(record.template, []).append(record)
    items = []
    for section, section_items in CHECKLIST.items():
        for item in section_items:
            if not item.scenarios:  # a check for people, listed so the page shows the whole runbook
                items.append(ItemOutcome(section, item, "manual"))
                continue
            mapped = [r for name in item.scenarios for r in by_template.get(name, [])]
            # A required item is decided by its required scenarios; a rehearsal attached to it informs.
            deciding = [r for r in mapped if r.required] if item.required else mapped
            items.append(ItemOutcome(section, item, _combine(deciding or mapped), mapped))
    failed = sum(1 for r in records if r.outcome == "failed")
    passed = sum(1 for r in records if r.outcome == "passed")
    unverified = sum(1 for r in records if r.required and r.outcome in ("skipped", "not run"))
    not_run = sum(1 for o in items if o.item.required and o.status == "not run")
    incomplete = unverified + not_run
    decision = NO_GO if failed else INCOMPLETE if incomplete else GO
    return Verdict(decision, passed, failed, incomplete, items, records)
