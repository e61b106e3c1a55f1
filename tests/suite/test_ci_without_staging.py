"""Under CI, a readiness run with no staging configured is no gate pass: the embedded engine
is checked only when asked for (--rehearsal). Staging variables set but empty, as a CI secret
that does not exist expands, count as missing, and the one line says so."""

from pathlib import Path

import pytest

from readiness.config import ConfigurationProblem, refuse_ungated_ci
from support.suite_runner import run_suite

EMPTY_SECRETS = {"PLANNING_API_URL": "", "PLANNING_DATABASE_URL": "", "STAGING_TOKEN": ""}


def test_ci_with_empty_staging_secrets_exits_4_with_one_line(tmp_path: Path) -> None:
    run = run_suite(tmp_path, {"CI": "true", **EMPTY_SECRETS}, timeout_s=60)
    assert run.exit_code == 4, run.output[-2000:]
    lines = [line for line in run.output.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("ERROR: CI is set but no staging is configured")
    assert "PLANNING_API_URL, PLANNING_DATABASE_URL, STAGING_TOKEN are set but empty" in lines[0]
    assert "--rehearsal" in lines[0]
    assert not (tmp_path / "reports" / "verdict.json").exists()


def test_ci_with_rehearsal_runs_the_embedded_engine_and_says_so(tmp_path: Path) -> None:
    run = run_suite(tmp_path, {"CI": "true", **EMPTY_SECRETS}, "--rehearsal")
    assert run.exit_code == 0, run.output[-3000:]
    assert "Readiness verdict: GO" in run.output
    assert "a rehearsal on the embedded reference engine, not a staging sign-off" in run.output


@pytest.mark.parametrize(
    ("env", "refused"),
    [
        ({"CI": "true"}, True),
        ({"CI": "1", "PLANNING_API_URL": " "}, True),
        ({"CI": "false"}, False),
        ({"CI": ""}, False),
        ({}, False),
    ],
)
def test_only_a_ci_run_without_a_staging_is_refused(env: dict[str, str], refused: bool) -> None:
    if refused:
        with pytest.raises(ConfigurationProblem, match="no staging is configured"):
            refuse_ungated_ci(env, embedded=True, rehearsal=False)
    else:
        refuse_ungated_ci(env, embedded=True, rehearsal=False)
    refuse_ungated_ci(env, embedded=True, rehearsal=True)  # asked for: never refused
    refuse_ungated_ci(env, embedded=False, rehearsal=False)  # a staging: the gate it is


def test_the_projects_own_test_run_under_ci_rehearses_the_suite(tmp_path: Path) -> None:
    """`pytest` (the project's tests with the suite among them) is no deploy gate: .ci/run's."""
    run = run_suite(tmp_path, {"CI": "true"}, paths=("features", "tests/suite/test_checklist.py"))
    assert run.exit_code == 0, run.output[-3000:]
    assert "Readiness verdict: GO" in run.output
