"""The runbook checklist on the sign-off page and the Gherkin scenarios point at each other."""

from pathlib import Path

from readiness.report.checklist import CHECKLIST
from readiness.report.inventory import CRITERION_TAG, read_inventory
from readiness.report.verdict import decide, with_missing

FEATURES = Path(__file__).resolve().parents[2] / "features"


def _declared() -> dict[str, list[str]]:
    """Each criterion key the feature files declare, with the scenarios (templates) declaring it."""
    declared: dict[str, list[str]] = {}
    for planned in read_inventory(FEATURES):
        names = declared.setdefault(planned.criterion, [])
        if planned.template not in names:
            names.append(planned.template)
    return declared


def _mapped() -> set[str]:
    return {key for items in CHECKLIST.values() for item in items for key in item.criteria}


def test_every_scenario_declares_one_criterion_of_its_own() -> None:
    """One `@criterion:` tag per scenario, never shared: the checklist, the fault matrix and the
    reports name a scenario by it."""
    for planned in read_inventory(FEATURES):
        tags = [t for t in planned.tags if t.startswith(CRITERION_TAG)]
        assert len(tags) == 1, f"{planned.feature_file}:{planned.line} has {tags or 'no criterion'}"
    shared = {key: names for key, names in _declared().items() if len(names) > 1}
    assert not shared


def test_every_checklist_item_names_criteria_that_exist() -> None:
    assert _mapped() - set(_declared()) == set()


def test_every_criterion_ticks_off_a_checklist_item() -> None:
    assert set(_declared()) - _mapped() == set()


def test_only_lines_for_people_have_no_scenario_and_they_are_never_required() -> None:
    unmapped = [item for items in CHECKLIST.values() for item in items if not item.criteria]
    outcomes = decide([]).items
    manual = [o for o in outcomes if not o.item.criteria]
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
