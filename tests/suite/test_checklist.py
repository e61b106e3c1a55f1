"""The runbook checklist on the sign-off page and the Gherkin scenarios point at each other."""

import re
from pathlib import Path

from readiness.report.checklist import CHECKLIST

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
    assert unmapped and not any(item.required for item in unmapped)
