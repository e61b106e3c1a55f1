"""The suite behaves like any pytest project under the options pytest users reach for."""

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from support.suite_runner import REPO, run_suite

FAILING = {"PLANNING_ENGINE_FAULTS": "no_auth"}  # one scenario fails: requests without a token
NO_TOKEN = "test_requests_without_a_token_are_rejected"
FINDING = "found requests without a token answered {'a plan request': 202"


@pytest.mark.parametrize("plugin", ["no:html", "no:xdist"])
def test_the_suite_runs_without_an_optional_plugin(tmp_path: Path, plugin: str) -> None:
    run = run_suite(tmp_path, {}, "-p", plugin, "-k", "database or flag")
    assert "INTERNALERROR" not in run.output and "unrecognized arguments" not in run.output
    assert run.exit_code == 1, run.output[-2000:]  # INCOMPLETE: a part of the runbook was run
    written = {p.name for p in (tmp_path / "reports").iterdir()}
    assert {"junit.xml", "cucumber.json", "verdict.json"} <= written
    assert ("signoff.html" in written) == (plugin != "no:html")


def test_a_finding_with_its_evidence_reads_like_pytest_fail(tmp_path: Path) -> None:
    """On a real engine, with evidence: the finding without a traceback, the evidence below it
    (every traceback mode is tested on the stub feature: test_gate_with_a_stub_feature.py)."""
    env = {**FAILING, "CI": "true"}  # on CI pytest prints the summary's messages untrimmed
    run = run_suite(tmp_path, env, "--rehearsal", "-rf", "-k", "without_a_token or database")
    summary = next(line for line in run.output.splitlines() if line.startswith("FAILED "))
    assert summary.startswith(f"FAILED features/test_70_security.py::{NO_TOKEN} - {FINDING}")
    assert "Traceback" not in run.output and "readiness/checks.py" not in run.output
    failures = run.output[run.output.index("= FAILURES =") : run.output.index("Stream 5 readiness")]
    assert "- evidence -" in failures


def test_report_paths_given_by_the_user_are_honoured_and_printed(tmp_path: Path) -> None:
    html, cucumber = tmp_path / "mine" / "page.html", tmp_path / "mine" / "cucumber.json"
    run = run_suite(
        tmp_path, {}, f"--html={html}", f"--cucumberjson={cucumber}", "-n", "2", "-k", "library"
    )
    assert html.exists() and not (tmp_path / "reports" / "signoff.html").exists()
    assert str(html) in run.output and str(cucumber) in run.output
    import json

    scenarios = [s for f in json.loads(cucumber.read_text()) for s in f["elements"]]
    assert len(scenarios) == len(run.outcomes) > 3  # complete under -n 2


def test_junit_xml_holds_what_ci_test_views_show(tmp_path: Path) -> None:
    run_suite(tmp_path, {}, "-k", "database")
    junit = ET.parse(tmp_path / "reports" / "junit.xml").getroot()
    assert list(junit.iter("testcase"))
    properties = {p.get("name") for p in junit.iter("property")}
    assert properties == {"criterion"}, "scenario records belong on the report, not here"


def test_a_run_under_w_error_is_clean(tmp_path: Path) -> None:
    """No warning of the suite's own making (a platformdirs notice, an unclosed pipe)."""
    run = run_suite(tmp_path, {}, "-W", "error")
    assert run.exit_code == 0, run.output[-2000:]
    assert "Readiness verdict: GO" in run.output


def test_the_projects_tests_without_the_dev_extra_stop_with_one_line() -> None:
    """Bare `pytest` after the default install: the missing extra named once, not a collection
    error per test module."""
    from support.dev_extra import check_dev_extra

    with pytest.raises(pytest.UsageError) as refused:
        check_dev_extra(("json", "no_such_dev_module"))
    assert str(refused.value) == (
        "the project's own tests need the dev extra (no_such_dev_module missing): "
        'pip install -e ".[dev]"; `pytest features/` runs the readiness suite alone'
    )


def test_no_old_style_hook_wrapper_can_turn_a_sigterm_into_a_pluggy_warning() -> None:
    """A SIGTERM (raised as KeyboardInterrupt by the run's handler) that lands in the teardown
    of an old-style `hookwrapper` is reported by pluggy as PluggyTeardownRaisedWarning, on top
    of the interruption. New-style wrappers (`wrapper=True`) unwind like any other code."""
    import ast

    old_style = [
        f"{path.relative_to(REPO)}:{node.lineno}"
        for path in (REPO / "src" / "readiness").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.keyword)
        and node.arg == "hookwrapper"
        and isinstance(node.value, ast.Constant)
        and node.value.value is True
    ]
    assert old_style == []


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="one core: nothing to spread over")
def test_every_test_is_spread_over_the_cores_and_the_suite_alone_is_not(tmp_path: Path) -> None:
    """`pytest` (every test) runs file by file on each core (tests/conftest.py); `pytest
    features/`, QA's run, stays in one process unless `-n` is given."""
    nothing = ("-m", "unit and e2e")  # no test is both: collection only, in each process
    everything = run_suite(tmp_path / "all", {}, *nothing, paths=())
    assert "bringing up nodes" in everything.output, everything.output[-2000:]
    suite = run_suite(tmp_path / "suite", {}, *nothing)
    assert "bringing up nodes" not in suite.output, suite.output[-2000:]
