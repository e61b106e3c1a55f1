"""Reports tell the truth: only a run that executed scenarios writes them, all together; a run on
the embedded engine says it is a rehearsal; the sign-off covers the suite's scenarios only."""

import hashlib
import os
import re
import signal
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from support.suite_runner import PYTEST_FEATURES, REPO, run_suite


def _fingerprints(reports: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(reports.iterdir())
        if p.is_file()
    }


@pytest.fixture(scope="module")
def go_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One GO run on the embedded default, shared by the tests that only read its reports."""
    folder = tmp_path_factory.mktemp("go")
    run = run_suite(folder, {})
    assert run.exit_code == 0, run.output[-2000:]
    return folder, run.output


@pytest.mark.parametrize(
    "args",
    [("--collect-only",), ("-m", "phase5"), ("--sla-ms", "-5")],
    ids=["collect-only", "marker typo", "usage error"],
)
def test_a_run_that_executes_no_scenario_leaves_the_reports_as_they_were(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    for name in ("signoff.html", "cucumber.json", "verdict.json", "announcement.md"):
        (reports / name).write_text(f"an earlier GO's {name}")
    (reports / "junit.xml").write_text('<testsuites name="an earlier GO"/>')
    before = _fingerprints(reports)
    run = run_suite(tmp_path, {}, *args)
    assert run.exit_code != 0 or args == ("--collect-only",)
    assert _fingerprints(reports) == before
    assert [p.name for p in reports.iterdir() if p.is_dir()] == [], "a pending folder was left"


def test_a_killed_run_leaves_the_last_reports_whole_and_the_next_run_tidies_up(
    go_run: tuple[Path, str], tmp_path: Path
) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    for path in (go_run[0] / "reports").iterdir():
        (reports / path.name).write_bytes(path.read_bytes())
    before = _fingerprints(reports)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANNING_")}
    env["PYTEST_DEBUG_TEMPROOT"] = str(tmp_path)
    # Plans that never complete keep the run going long after it has started its reports.
    env.update(PLANNING_ENGINE_FAULTS="hold_jobs", PLANNING_JOB_DEADLINE_S="60")
    process = subprocess.Popen(
        [*PYTEST_FEATURES, "-q", f"--reports-dir={reports}"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # killed with everything it started, as a CI runner kills a job
    )
    try:
        deadline = time.monotonic() + 60
        while not list(reports.glob(".pending-*")) and time.monotonic() < deadline:
            time.sleep(0.05)  # polls the condition: the run has prepared its reports
        assert list(reports.glob(".pending-*")), "the run never started"
        assert process.poll() is None, "the run ended before it could be killed"
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert _fingerprints(reports) == before  # the earlier run's reports, whole
    assert run_suite(tmp_path, {}, "-k", "database_answers").exit_code == 1  # INCOMPLETE
    assert not list(reports.glob(".pending-*")), "the killed run's pending folder is still there"
    assert _fingerprints(reports) != before


def test_an_embedded_go_is_a_rehearsal_not_a_staging_sign_off(go_run: tuple[Path, str]) -> None:
    folder, output = go_run
    reports = folder / "reports"
    assert not (reports / "announcement.md").exists()
    page = (reports / "signoff.html").read_text()
    assert 'id="rehearsal"' in page and "not a staging sign-off" in page
    assert "set PLANNING_API_URL" in page
    last = output.strip().splitlines()[-2:]
    assert last[0].startswith("Readiness verdict: GO")
    assert "not a staging sign-off" in last[1]


def test_the_chart_shows_only_scored_plans(go_run: tuple[Path, str]) -> None:
    page = (go_run[0] / "reports" / "signoff.html").read_text()
    chart = re.search(r'<div id="plans-chart">.*?</div>', page, re.S)
    assert chart is not None
    scored = int(re.search(r"\((\d+) scored\)", chart.group(0)).group(1))  # type: ignore[union-attr]
    scores = re.findall(r"<title>plan \d+: ([0-9.]+)</title>", chart.group(0).split("</svg>")[0])
    assert len(scores) == scored >= 12  # the flag-off drill's unscored plan has no bar
    assert all(float(score) > 0 for score in scores)
    assert "scoring total (0 to 1)" in chart.group(0)


def test_a_plain_pytest_puts_only_the_suites_scenarios_in_the_sign_off(tmp_path: Path) -> None:
    run = run_suite(tmp_path, {}, paths=("features", "tests/suite/test_checklist.py"))
    assert "3 passed" not in run.output or run.exit_code == 0, run.output[-2000:]
    cases = list(ET.parse(tmp_path / "reports" / "junit.xml").getroot().iter("testcase"))
    assert cases and all(c.get("classname", "").startswith("features") for c in cases)
    suite = next(ET.parse(tmp_path / "reports" / "junit.xml").getroot().iter("testsuite"))
    assert int(suite.get("tests", "0")) == len(cases)
    assert "test_checklist" not in (tmp_path / "reports" / "signoff.html").read_text()


def test_every_runbook_fix_is_its_own_cause() -> None:
    """Two fixes declared with the same title and remedy would silently become one (an Enum
    alias), merging two causes; each needs a headline and a remedy of its own."""
    from readiness.fixes import Fix

    assert len(Fix.__members__) == len(Fix)
    assert len({f.title for f in Fix}) == len({f.remedy for f in Fix}) == len(Fix)


def _earlier_go(reports: Path) -> None:
    """What an earlier GO left in the reports folder."""
    reports.mkdir()
    for name in ("signoff.html", "cucumber.json", "verdict.json", "announcement.md"):
        (reports / name).write_text(f"an earlier GO's {name}")
    (reports / "junit.xml").write_text('<testsuites name="an earlier run" failures="21"/>')


def _reports_line(output: str) -> list[str]:
    line = next(line for line in output.splitlines() if line.startswith("reports: "))
    return line.removeprefix("reports: ").split(", ")


@pytest.mark.parametrize(
    ("args", "gone", "elsewhere"),
    [
        (("-p", "no:html"), {"signoff.html", "announcement.md"}, None),
        (("--html", "{tmp}/other.html"), {"signoff.html", "announcement.md"}, "other.html"),
        (("--junitxml", "{tmp}/elsewhere.xml"), {"junit.xml", "announcement.md"}, "elsewhere.xml"),
    ],
    ids=["html disabled", "page elsewhere", "junit elsewhere"],
)
def test_reports_an_earlier_run_left_that_this_run_does_not_rewrite_are_removed(
    tmp_path: Path, args: tuple[str, ...], gone: set[str], elsewhere: str | None
) -> None:
    reports = tmp_path / "reports"
    _earlier_go(reports)
    run = run_suite(tmp_path, {}, *(a.format(tmp=tmp_path) for a in args))
    assert run.exit_code == 0, run.output[-2000:]
    left = {p.name for p in reports.iterdir() if p.is_file()}
    assert not left & gone, f"an earlier run's {left & gone} left beside this run's reports"
    listed = _reports_line(run.output)
    assert all(Path(path).exists() for path in listed), listed
    assert {Path(p).name for p in listed if Path(p).parent == reports} == left
    if elsewhere is not None:
        assert (tmp_path / elsewhere).exists()
    for name in left:  # every report there is this run's
        assert "an earlier" not in (reports / name).read_text(encoding="utf-8")


def test_the_terminal_names_junit_xml_where_it_is_published(tmp_path: Path) -> None:
    run = run_suite(tmp_path, {}, "-v")  # -q (run_suite's) -v: pytest's default verbosity
    generated = next(line for line in run.output.splitlines() if "generated xml file" in line)
    assert ".pending-" not in generated
    assert str(tmp_path / "reports" / "junit.xml") in generated
