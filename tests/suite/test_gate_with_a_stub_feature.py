"""The gate's plugin on a stub feature, in process (pytester), as pytest-bdd tests its own: the
verdict under `-k`, `-x`, `--lf`, `--collect-only` and `--tb`, the causes and the reports, without
an engine or a database.

The stub feature has one scenario for each criterion the runbook checklist names, each tagged
with it and passing unless the test asks otherwise: everything that decides the verdict (the
inventory, the checklist, the causes, the reports) is the suite's own; only the checks are stubs.
"""

import json
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from readiness import SUITE_PLUGINS
from readiness.fixes import Fix
from readiness.report.checklist import CHECKLIST

pytest_plugins = ["pytester"]

CRITERIA = sorted({key for items in CHECKLIST.values() for item in items for key in item.criteria})
# One criterion is an outline, as the test plans are: a row can be left out on its own.
OUTLINE, ROWS = "post_deploy.test_plans", ("beginner", "advanced")
CHECKED = sorted([key for key in CRITERIA if key != OUTLINE] + [f"{OUTLINE}[{r}]" for r in ROWS])


def _scenario(key: str) -> str:
    """A stub scenario for criterion `key`, tagged with it and with its runbook section (the
    key's first part: `phase2`, `security`...), as the suite's own are."""
    tags = f"  @{key.split('.')[0]} @criterion:{key}\n"
    if key != OUTLINE:
        return f'{tags}  Scenario: Stub check {key}\n    Then the check of "{key}" holds\n'
    rows = "".join(f"      | {row} |\n" for row in ROWS)
    return (
        f"{tags}  Scenario Outline: Stub check {key} for <level>\n"
        f'    Then the check of "{key}[<level>]" holds\n\n    Examples:\n      | level |\n{rows}'
    )


STEPS = '''
import os

import pytest
from pytest_bdd import parsers, scenarios, then

from readiness.checks import fail
from readiness.fixes import Fix

scenarios("stub.feature")


@then(parsers.parse('the check of "{criterion}" holds'))
def check_holds(criterion: str) -> None:
    """Fails (with the fix the test names), is skipped, or passes, as STUB_OUTCOMES says."""
    outcomes = dict(
        entry.split("=", 1) for entry in os.environ.get("STUB_OUTCOMES", "").split(",") if entry
    )
    outcome = outcomes.get(criterion, "passed")
    if outcome == "skipped":
        pytest.skip("the stub target cannot check this")
    if outcome != "passed":
        fail(f"the stub found {criterion} broken", Fix[outcome])
'''


@dataclass
class Gate:
    """A project with the suite's plugins and the stub feature; no staging configured."""

    pytester: pytest.Pytester
    monkeypatch: pytest.MonkeyPatch

    @property
    def reports(self) -> Path:
        return self.pytester.path / "reports"

    def run(self, *args: str, path: str = "features", **outcomes: str) -> pytest.RunResult:
        """`pytest PATH ARGS`, the criteria named in `outcomes` (dots as `__`) failing with
        that fix (its name) or "skipped"."""
        entries = ",".join(f"{key.replace('__', '.')}={value}" for key, value in outcomes.items())
        self.monkeypatch.setenv("STUB_OUTCOMES", entries)
        plugins = ("-p", "no:schemathesis", "-p", "no:hypothesispytest")  # as pyproject.toml
        return self.pytester.runpytest_inprocess(path, *plugins, *args)

    def reasons(self) -> set[str]:
        """Why each criterion that is not verified is not."""
        return {r for c in self.verdict()["criteria"] for r in c.get("reasons", [])}

    def verdict(self) -> dict[str, Any]:
        return json.loads((self.reports / "verdict.json").read_text())["predicate"]


@pytest.fixture
def gate(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Gate:
    for name in [n for n in os.environ if n.startswith("PLANNING_")]:
        monkeypatch.delenv(name)
    pytester.makeconftest(f"pytest_plugins = {list(SUITE_PLUGINS)!r}")
    scenarios = "\n".join(_scenario(key) for key in CRITERIA)
    features = pytester.mkdir("features")
    (features / "stub.feature").write_text(f"Feature: Stub gate\n\n{scenarios}", encoding="utf-8")
    (features / "test_stub.py").write_text(STEPS, encoding="utf-8")
    return Gate(pytester, monkeypatch)


def _line(result: pytest.RunResult, text: str, strip: str = "") -> int:
    """The index of the first output line that starts with `text` (once `strip` is stripped:
    "=" for a section's title)."""
    return next(
        i
        for i, line in enumerate(result.outlines)
        if line.strip(strip).strip().startswith(text.strip("= "))
    )


def test_every_criterion_passed_is_go(gate: Gate) -> None:
    result = gate.run()
    assert result.ret == 0, result.outlines[-20:]
    assert gate.verdict()["verdict"] == "GO"
    assert result.outlines[-1].startswith("Readiness verdict: GO")  # the last line, first read
    written = {p.name for p in gate.reports.iterdir()}
    assert {"signoff.html", "junit.xml", "cucumber.json", "verdict.json"} <= written


def test_one_broken_thing_is_one_cause_named_first(gate: Gate) -> None:
    result = gate.run(phase2__count="SEED", phase4__published="SEED", phase1__schema="SCHEMA")
    verdict = gate.verdict()
    assert (result.ret, verdict["verdict"]) == (1, "NO-GO")
    assert [(c["cause"], c["scenarios"]) for c in verdict["causes"]] == [
        (Fix.SEED.title, 2),
        (Fix.SCHEMA.title, 1),
    ]
    first_cause = result.outlines[_line(result, "Readiness verdict: NO-GO") + 1]
    assert Fix.SEED.title in first_cause and Fix.SEED.remedy in first_cause


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("-k", "not phase1connectivity"), "deselected in this run (-k 'not phase1connectivity')"),
        (("-k", "not advanced"), "deselected in this run (-k 'not advanced')"),
        (("-m", "phase2"), "deselected in this run (-m 'phase2')"),
        (
            ("--deselect", "features/test_stub.py::test_stub_check_phase4unique"),
            "deselected in this run (--deselect",
        ),
    ],
    ids=["-k one scenario", "-k an outline row", "-m", "--deselect"],
)
def test_no_selection_mechanism_gives_go(gate: Gate, args: tuple[str, ...], reason: str) -> None:
    result = gate.run(*args)
    assert (result.ret, gate.verdict()["verdict"]) == (1, "INCOMPLETE")
    assert any(r.startswith(reason) for r in gate.reasons()), gate.reasons()
    assert "Readiness verdict: INCOMPLETE" in "\n".join(result.outlines[-4:])


def test_a_run_of_one_scenario_by_its_node_id_is_incomplete(gate: Gate) -> None:
    result = gate.run(path="features/test_stub.py::test_stub_check_phase1connectivity")
    assert (result.ret, gate.verdict()["verdict"]) == (1, "INCOMPLETE")
    assert any(r.startswith("deselected in this run (the run named only") for r in gate.reasons())


def test_a_deselected_criterion_row_says_so(gate: Gate) -> None:
    gate.run("-k", "not phase2count")
    row = next(c for c in gate.verdict()["criteria"] if c["item"] == "Verify count: 8 movements")
    assert row["status"] == "not verified"
    assert any("deselected" in reason for reason in row["reasons"]), row


def test_a_skipped_criterion_is_not_verified_with_its_reason(gate: Gate) -> None:
    result = gate.run(phase3__flag="skipped")
    verdict = gate.verdict()
    assert (result.ret, verdict["verdict"]) == (1, "INCOMPLETE")
    row = next(c for c in verdict["criteria"] if c["item"] == "Scoring flag enabled")
    assert row["reasons"] == ["the stub target cannot check this"]


def test_a_run_stopped_by_x_is_no_go_and_the_rest_not_run(gate: Gate) -> None:
    result = gate.run("-x", phase1__connectivity="CONNECTION")
    verdict = gate.verdict()
    assert (result.ret, verdict["verdict"]) == (1, "NO-GO")
    assert len(verdict["failedTests"]) == 1
    assert len(verdict["passedTests"]) + 1 + len(verdict["warnedTests"]) == len(CHECKED)
    assert "not reached: the run stopped after the first failure (-x)" in gate.reasons()


def test_the_last_failed_rerun_cannot_say_go(gate: Gate) -> None:
    cache = f"cache_dir={gate.pytester.path / 'cache'}"
    assert gate.run("-o", cache, phase4__unique="DUPLICATES").ret == 1
    again = gate.run("--lf", "-o", cache)
    verdict = gate.verdict()
    assert verdict["passedTests"] == ["Stub gate: Stub check phase4.unique"]
    assert (again.ret, verdict["verdict"]) == (1, "INCOMPLETE")


def test_collect_only_after_a_go_leaves_its_reports(gate: Gate) -> None:
    assert gate.run().ret == 0
    before = {p.name: p.read_bytes() for p in gate.reports.iterdir()}
    result = gate.run("--collect-only", "-q")
    assert result.ret == 0
    assert {p.name: p.read_bytes() for p in gate.reports.iterdir()} == before
    assert "no scenario ran" in result.outlines[-1]


def test_a_finding_is_one_line_under_tb_line(gate: Gate) -> None:
    result = gate.run("--tb=line", phase4__contract="CONTRACT", phase4__log="LOGS")
    text = result.outlines
    failures = text[_line(result, "= FAILURES", "=") + 1 : _line(result, "Stream 5 readiness", "=")]
    # One line per finding: the failing Gherkin step's place, the finding and its fix.
    assert [line.split(": ", 1)[0] for line in failures if not line.startswith("- ")] == [
        "features/stub.feature:73",
        "features/stub.feature:77",
    ]
    assert Fix.CONTRACT.remedy in failures[0] and Fix.LOGS.remedy in failures[1]


@pytest.mark.parametrize("tb", ["short", "long", "native", "auto"])
def test_a_finding_reads_like_pytest_fail_in_every_traceback_mode(gate: Gate, tb: str) -> None:
    result = gate.run(f"--tb={tb}", "-rf", phase4__contract="CONTRACT")
    summary = result.outlines[_line(result, "FAILED ")]
    assert summary.startswith(
        "FAILED features/test_stub.py::test_stub_check_phase4contract - the stub found"
    )
    assert not any("Traceback" in line or "checks.py" in line for line in result.outlines)


def test_junit_names_each_test_case_by_its_criterion(gate: Gate) -> None:
    gate.run()
    junit = ET.parse(gate.reports / "junit.xml").getroot()
    named = [
        [p.get("value") for p in case.iter("property") if p.get("name") == "criterion"]
        for case in junit.iter("testcase")
    ]
    assert sorted(value for values in named for value in values) == CHECKED
    assert all(len(values) == 1 for values in named)


def test_the_page_is_where_pytest_html_says_it_is(gate: Gate) -> None:
    page = gate.pytester.path / "elsewhere" / "page.html"
    result = gate.run(f"--html={page}")
    assert page.is_file() and not (gate.reports / "signoff.html").exists()
    assert not any(".pending-" in line for line in result.outlines), "a place emptied since"
    assert any(str(page) in line for line in result.outlines if line.startswith("reports: "))
    assert "Stream 5" in page.read_text(encoding="utf-8")
