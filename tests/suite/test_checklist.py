"""The runbook checklist on the sign-off page and the Gherkin scenarios point at each other."""

import re
from pathlib import Path

from readiness.report.checklist import CHECKLIST
from readiness.report.inventory import read_inventory
from readiness.report.verdict import decide, with_missing

FEATURES = Path(__file__).resolve().parents[2] / "features"


def _scenarios() -> set[str]:
    titles = set()
    for feature in FEATURES.glob("*.feature"):
        for line in feature.read_text(encoding="utf-8").splitlines():
            match = re.match(r"\s*Scenario(?: Outline)?:\s*(.+?)\s*$", line)
            if match:
                titles.add(match.group(1))
    return titles


def _mapped() -> set[str]:
    return {name for items in CHECKLIST.values() for item in items for name in item.scenarios}


def test_every_checklist_item_names_scenarios_that_exist() -> None:
    assert _mapped() - _scenarios() == set()


def test_every_scenario_ticks_off_a_checklist_item() -> None:
    assert _scenarios() - _mapped() == set()


def test_only_lines_for_people_have_no_scenario_and_they_are_never_required() -> None:
    unmapped = [item for items in CHECKLIST.values() for item in items if not item.scenarios]
    outcomes = decide([]).items
    manual = [o for o in outcomes if not o.item.scenarios]
    assert unmapped and [o.item for o in manual] == unmapped
    assert not any(o.required for o in manual)


def test_a_criterion_is_required_exactly_when_a_required_scenario_checks_it() -> None:
    """Decided once, by the scenarios' tags: a drill or a rehearsal informs, a check decides."""
    records = with_missing([], read_inventory(FEATURES), lambda planned: "not run")
    outcomes = {o.item.text: o for o in decide(records).items}
    assert outcomes["Verify count: 8 movements"].required
    assert not outcomes["Option A: seed directly"].required  # @rehearsal
    assert not outcomes["Movement seeding rollback: truncate and re-seed"].required  # @rollback
    for outcome in outcomes.values():
        assert outcome.required == any(r.required for r in outcome.scenarios)
