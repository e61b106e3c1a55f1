"""Ctrl-C is never GO: the verdict is INCOMPLETE with "interrupted", the scenario in flight is
named with its Examples filled in, and the page and verdict.json give the exit code the run
really ended with (2).

A plugin raises KeyboardInterrupt where a Ctrl-C would land (pytest handles both alike): inside
a scenario, or after every scenario has passed (while the last one tears down).
"""

import json
import os
import re
from pathlib import Path

from support.suite_runner import run_suite

LAST_PROFILE = "beginner-power-1-1-1-none"
IN_THE_LAST_PROFILE = f"""
import pytest

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item):
    if item.nodeid.endswith("[{LAST_PROFILE}]"):
        raise KeyboardInterrupt
"""
AFTER_THE_LAST_SCENARIO = """
import pytest

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item, nextitem):
    if nextitem is None:
        raise KeyboardInterrupt
"""


def _interrupted_run(tmp_path: Path, interrupter: str) -> tuple[int, str, Path]:
    plugin = tmp_path / "plugins" / "interrupter.py"
    plugin.parent.mkdir()
    plugin.write_text(interrupter, encoding="utf-8")
    path = os.pathsep.join(filter(None, [str(plugin.parent), os.environ.get("PYTHONPATH")]))
    run = run_suite(tmp_path, {"PYTHONPATH": path}, "-p", "interrupter")
    return run.exit_code, run.output, tmp_path / "reports"


def _banner(reports: Path) -> str:
    page = (reports / "signoff.html").read_text(encoding="utf-8")
    start = page.index('id="verdict"')
    return re.sub(r"<[^>]+>", " ", page[start : page.index("</div>", start)])


def test_a_run_interrupted_in_a_scenario_names_it_and_exits_2(tmp_path: Path) -> None:
    exit_code, output, reports = _interrupted_run(tmp_path, IN_THE_LAST_PROFILE)
    in_flight = (
        "The 1-week test plan for beginner athletes training power 1 of 1 days a week is valid "
        "and scored"
    )
    assert exit_code == 2, output
    assert "Readiness verdict: INCOMPLETE" in output
    assert (
        f"interrupted: the run was interrupted during Post-deployment validation within 1 hour: {in_flight}"
        in output
    )
    predicate = json.loads((reports / "verdict.json").read_text())["predicate"]
    assert (predicate["verdict"], predicate["exitCode"]) == ("INCOMPLETE", 2)
    assert in_flight in predicate["interrupted"]
    banner = _banner(reports)
    assert (
        "CI gate: exit code 2" in banner and "Interrupted: the run was interrupted during" in banner
    )


def test_a_run_interrupted_after_every_scenario_passed_is_not_go(tmp_path: Path) -> None:
    exit_code, output, reports = _interrupted_run(tmp_path, AFTER_THE_LAST_SCENARIO)
    assert exit_code == 2, output
    assert " 0 required not verified" in output  # every scenario had passed
    assert "Readiness verdict: INCOMPLETE" in output and "Readiness verdict: GO" not in output
    predicate = json.loads((reports / "verdict.json").read_text())["predicate"]
    assert (predicate["verdict"], predicate["result"], predicate["exitCode"]) == (
        "INCOMPLETE",
        "WARNED",
        2,
    )
    assert "CI gate: exit code 2" in _banner(reports)
