"""GO means verified: a run that left out any required scenario of the feature files, however it
was left out, can never say GO; the checklist row says why its criterion is not verified."""

import json
from pathlib import Path

from readiness.report.inventory import read_inventory
from readiness.report.scenario_record import ScenarioRecord
from readiness.report.verdict import GO, INCOMPLETE, NOT_VERIFIED, decide, with_missing
from support.suite_runner import REPO, run_suite

INVENTORY = read_inventory(REPO / "features")


def _ran(outcome: str = "passed", skip: str = "") -> list[ScenarioRecord]:
    """A record for every scenario of the feature files, as if each ran with `outcome`, except
    those whose name contains `skip` (which have no record at all)."""
    return [
        ScenarioRecord(
            p.key,
            p.feature,
            p.feature_file,
            0,
            "",
            p.name,
            p.template,
            p.line,
            list(p.tags),
            outcome=outcome,
            key=p.key,
        )
        for p in INVENTORY
        if not (skip and skip in p.name)
    ]


def test_every_scenario_passed_is_go() -> None:
    verdict = decide(with_missing(_ran(), INVENTORY, lambda p: "not run"))
    assert verdict.decision == GO
    assert verdict.incomplete == 0


def test_a_scenario_missing_from_the_run_leaves_its_criterion_not_verified() -> None:
    records = with_missing(
        _ran(skip="Every movement is published"), INVENTORY, lambda p: "deselected by -k x"
    )
    verdict = decide(records)
    assert verdict.decision == INCOMPLETE
    row = next(o for o in verdict.items if o.item.text.startswith("Movement library contains 8"))
    # One of its two scenarios passed: that is not enough.
    assert row.status == NOT_VERIFIED
    assert row.reasons == ["deselected by -k x"]


def test_a_missing_outline_row_leaves_the_ten_plans_criterion_not_verified() -> None:
    records = with_missing(_ran(skip="advanced"), INVENTORY, lambda p: "deselected")
    verdict = decide(records)
    row = next(o for o in verdict.items if o.item.text == "Generate 10+ test plans successfully")
    assert (verdict.decision, row.status) == (INCOMPLETE, NOT_VERIFIED)


def test_a_skipped_scenario_is_not_verified() -> None:
    records = _ran()
    records[0].outcome, records[0].message = "skipped", "no token"
    assert decide(records).decision == INCOMPLETE


def _verdict(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "reports" / "verdict.json").read_text())["predicate"]


def _reasons(predicate: dict) -> set[str]:
    return {reason for c in predicate["criteria"] for reason in c.get("reasons", [])}


def test_a_selection_under_xdist_is_not_go(tmp_path: Path) -> None:
    """Each worker tells the controller what it selected (every other selection mechanism is
    tested on the stub feature: test_gate_with_a_stub_feature.py)."""
    run = run_suite(tmp_path, {}, "-n", "2", "-k", "not audit")
    predicate = _verdict(tmp_path)
    assert predicate["verdict"] == INCOMPLETE, run.output[-2000:]
    assert run.exit_code == 1
    reasons = _reasons(predicate)
    assert any(r.startswith("deselected in this run (-k 'not audit')") for r in reasons), reasons
    assert "Readiness verdict: INCOMPLETE" in "\n".join(run.output.splitlines()[-8:])
