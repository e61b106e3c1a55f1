"""`stream5-readiness alert-rules`: the rules load in Prometheus's own checker, and each fires
on the series the runbook means and stays quiet on a healthy one (`promtool test rules`)."""

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from readiness.alert_rules import main, render, rules
from readiness.api_profiles import API_PROFILES, ATHLETE_ALLY, RUNBOOK, VARIABLE

PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool is not installed (Debian: apt-get install prometheus)"
)
RUNBOOK_ONLY_METRICS = (
    "planning_movement_library_movements",
    "planning_scoring_errors_total",
    "planning_job_failures_total",
    "planning_jobs",
)
GENERATION_ERRORS = (
    'planning_engine_concurrency_operations_completed_total{operation="plan_generation",'
    'status="error",instance="engine-1:8080",job="planning-engine"}'
)
GENERATION_SUCCESSES = GENERATION_ERRORS.replace('status="error"', 'status="success"')


def promtool(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run(
        [PROMTOOL, *arguments], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def write_rules(tmp_path: Path, profile: str) -> Path:
    path = tmp_path / f"stream5-alerts-{profile}.yml"
    path.write_text(render(profile), encoding="utf-8")
    return path


def series(metric: str, labels: str, values: str, instance: str = "engine-1:8080") -> Any:
    """One input series of a process scraped as job "planning-engine"."""
    scrape = f'instance="{instance}",job="planning-engine"'
    return {"series": f"{metric}{{{labels + ',' if labels else ''}{scrape}}}", "values": values}


@dataclass(frozen=True)
class Case:
    profile: str
    alert: str
    input_series: list[Any]
    eval_time: str
    # The labels of the one alert expected to fire (besides alertname and severity); None: none.
    fires_with: dict[str, str] | None
    value: str = ""  # what {{ $value }} renders to in the annotations


MOVEMENTS = "planning_movement_library_movements"
CASES = {
    # Two processes report the same database count: one alert, not one per process.
    "movements 8 -> 7 (two processes)": Case(
        RUNBOOK,
        "Stream5MovementCountBelow8",
        [
            series(MOVEMENTS, 'status="published"', "8 8 7x10", "engine-1:8080"),
            series(MOVEMENTS, 'status="published"', "8 8 7x10", "engine-2:8080"),
        ],
        "10m",
        {"job": "planning-engine", "status": "published"},
        value="7",
    ),
    "movements 7 for under 5m: pending only": Case(
        RUNBOOK,
        "Stream5MovementCountBelow8",
        [series(MOVEMENTS, 'status="published"', "8 8 7x10")],
        "5m",
        None,
    ),
    "movements 8 published, 0 drafts: healthy": Case(
        RUNBOOK,
        "Stream5MovementCountBelow8",
        [
            series(MOVEMENTS, 'status="published"', "8x20"),
            series(MOVEMENTS, 'status="draft"', "0x20"),
        ],
        "10m",
        None,
    ),
    "scoring errors 0 -> 1": Case(
        RUNBOOK,
        "Stream5ScoringCalculationErrors",
        [series("planning_scoring_errors_total", "", "0 0 1x10")],
        "5m",
        {"job": "planning-engine"},
    ),
    "scoring errors 0: healthy": Case(
        RUNBOOK,
        "Stream5ScoringCalculationErrors",
        [series("planning_scoring_errors_total", "", "0x20")],
        "10m",
        None,
    ),
    "scoring error 30m ago: resolved": Case(
        RUNBOOK,
        "Stream5ScoringCalculationErrors",
        [series("planning_scoring_errors_total", "", "0 1x40")],
        "30m",
        None,
    ),
    "failed jobs 0 -> 1 -> 2": Case(
        RUNBOOK,
        "Stream5PlanGenerationErrorsIncrease",
        [
            series("planning_jobs", 'status="failed"', "0 1 2 2 2"),
            series("planning_jobs", 'status="completed"', "0+1x4"),
        ],
        "4m",
        {"job": "planning-engine", "status": "failed"},
    ),
    "failed jobs steady, completed rising: healthy": Case(
        RUNBOOK,
        "Stream5PlanGenerationErrorsIncrease",
        [
            series("planning_jobs", 'status="failed"', "3x20"),
            series("planning_jobs", 'status="completed"', "0+1x20"),
        ],
        "10m",
        None,
    ),
    # A gauge that goes down is not a counter reset: increase() would fire here, delta() not.
    "failed jobs deleted 3 -> 1: healthy": Case(
        RUNBOOK,
        "Stream5PlanGenerationErrorsIncrease",
        [series("planning_jobs", 'status="failed"', "3 3 1x10")],
        "5m",
        None,
    ),
    "athlete-ally: one failed job, 4 errors": Case(
        ATHLETE_ALLY,
        "Stream5PlanGenerationErrorsIncrease",
        [{"series": GENERATION_ERRORS, "values": "0 0 4x10"}],
        "5m",
        {"job": "planning-engine", "operation": "plan_generation", "status": "error"},
    ),
    "athlete-ally: successes only: healthy": Case(
        ATHLETE_ALLY,
        "Stream5PlanGenerationErrorsIncrease",
        [
            {"series": GENERATION_ERRORS, "values": "0x20"},
            {"series": GENERATION_SUCCESSES, "values": "0+1x20"},
        ],
        "10m",
        None,
    ),
}


def expected_alert(case: Case, labels: dict[str, str]) -> dict[str, Any]:
    (rule,) = [rule for rule in rules(case.profile)[0] if rule.alert == case.alert]
    annotations = {
        key: text.replace("{{ $value }}", case.value) for key, text in rule.annotations().items()
    }
    return {
        "exp_labels": {**labels, "severity": rule.severity},
        "exp_annotations": annotations,
    }


def run_unit_test(
    tmp_path: Path, case: Case, exp_alerts: list[Any]
) -> subprocess.CompletedProcess[str]:
    rules_file = write_rules(tmp_path, case.profile)
    unit_test = {
        "rule_files": [rules_file.name],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": case.input_series,
                "alert_rule_test": [
                    {"eval_time": case.eval_time, "alertname": case.alert, "exp_alerts": exp_alerts}
                ],
            }
        ],
    }
    test_file = tmp_path / "stream5-alerts.test.yml"
    test_file.write_text(json.dumps(unit_test, indent=2), encoding="utf-8")  # JSON is YAML
    return promtool("test", "rules", test_file.name, cwd=tmp_path)


@needs_promtool
@pytest.mark.parametrize("profile", API_PROFILES)
def test_promtool_accepts_the_rules(tmp_path: Path, profile: str) -> None:
    path = write_rules(tmp_path, profile)
    checked = promtool("check", "rules", path.name, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(rules(profile)[0])} rules found" in checked.stdout


@needs_promtool
@pytest.mark.parametrize("name", CASES)
def test_alert_fires_only_when_it_should(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    exp_alerts = [] if case.fires_with is None else [expected_alert(case, case.fires_with)]
    tested = run_unit_test(tmp_path, case, exp_alerts)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


@needs_promtool
def test_the_harness_sees_an_alert_that_does_not_fire(tmp_path: Path) -> None:
    """Expecting an alert on a healthy series fails: the cases above can fail."""
    case = CASES["movements 8 published, 0 drafts: healthy"]
    exp_alerts = [expected_alert(case, {"job": "planning-engine", "status": "published"})]
    tested = run_unit_test(tmp_path, case, exp_alerts)
    assert tested.returncode != 0
    assert "FAILED" in tested.stdout + tested.stderr


def test_athlete_ally_says_which_alerts_it_cannot_have() -> None:
    text = render(ATHLETE_ALLY)
    comments = [line.strip() for line in text.splitlines() if line.strip().startswith("#")]
    said = "\n".join(comments)
    assert "no metric for the movement count" in said
    assert "`stream5-readiness watch` checks it from the database" in said
    assert "no metric for scoring errors" in said
    assert "fails its job silently" in said
    assert "plan generation" in said
    for metric in RUNBOOK_ONLY_METRICS:
        assert metric not in text
    assert [rule.alert for rule in rules(ATHLETE_ALLY)[0]] == [
        "Stream5PlanGenerationErrorsIncrease"
    ]


def test_runbook_profile_has_the_three_alerts() -> None:
    text = render(RUNBOOK)
    for name in (
        "Stream5MovementCountBelow8",
        "Stream5ScoringCalculationErrors",
        "Stream5PlanGenerationErrorsIncrease",
    ):
        assert f"- alert: {name}\n" in text
    assert "planning_engine_" not in text


def test_an_unknown_profile_is_one_line_and_exit_4(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--api-profile", "nope"]) == 4
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert "'nope'" in err and RUNBOOK in err and ATHLETE_ALLY in err


def test_the_profile_comes_from_the_option_then_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(VARIABLE, raising=False)
    assert main([]) == 0
    assert capsys.readouterr().out == render(RUNBOOK)
    monkeypatch.setenv(VARIABLE, ATHLETE_ALLY)
    assert main([]) == 0
    assert capsys.readouterr().out == render(ATHLETE_ALLY)
    assert main(["--api-profile", RUNBOOK]) == 0
    assert capsys.readouterr().out == render(RUNBOOK)
    monkeypatch.setenv(VARIABLE, "nope")
    assert main([]) == 4
    assert capsys.readouterr().err.count("\n") == 1


def test_help_says_how_to_use_the_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-h"]) == 0
    out = capsys.readouterr().out
    assert "stream5-readiness alert-rules > stream5-alerts.yml" in out
    assert "promtool check rules stream5-alerts.yml" in out
    assert "rule_files:" in out
