"""The GitHub Actions gate, run as a runner would: its shell step with its environment (secrets
and repository variables filled in), against a staging the suite did not start (an engine and a
database of this test)."""

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from support.suite_runner import REPO, SUITE_VARIABLES

WORKFLOW = REPO / ".github" / "workflows" / "readiness.yml"


def _steps() -> dict[str, dict[str, Any]]:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return {step["name"]: step for step in workflow["jobs"]["readiness"]["steps"] if "name" in step}


def _expand(value: str, context: dict[str, str]) -> str:
    """`${{ secrets.X }}`, `${{ vars.X == 'true' }}` and the like, as Actions would see them."""

    def evaluate(match: re.Match[str]) -> str:
        expression = match.group(1).strip()
        if expression in context:
            return context[expression]
        if expression == "inputs.allow_incomplete || vars.READINESS_ALLOW_INCOMPLETE == 'true'":
            allowed = context.get("vars.READINESS_ALLOW_INCOMPLETE") == "true"
            return "true" if allowed else "false"
        return ""  # an unset secret or variable is empty

    return re.sub(r"\$\{\{(.*?)\}\}", evaluate, value)


def _run_step(step: dict[str, Any], context: dict[str, str], env: dict[str, str]) -> int:
    environment = {k: v for k, v in os.environ.items() if k not in SUITE_VARIABLES}
    environment.update(env)
    environment.update({k: _expand(str(v), context) for k, v in step.get("env", {}).items()})
    return subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=REPO, env=environment, timeout=240
    ).returncode


def _gate(
    tmp_path: Path, staging_env: dict[str, str], variables: dict[str, str]
) -> tuple[int, str]:
    """The workflow's gate step; returns its exit code and the verdict."""
    context = {
        "secrets.PLANNING_API_URL": staging_env["PLANNING_API_URL"],
        "secrets.PLANNING_DATABASE_URL": staging_env["PLANNING_DATABASE_URL"],
        "secrets.STAGING_TOKEN": staging_env["PLANNING_API_TOKEN"],
        "secrets.PLANNING_API_TOKEN_2": staging_env["PLANNING_API_TOKEN_2"],
        **{f"vars.{name}": value for name, value in variables.items()},
    }
    runner = {
        "PLANNING_REPORTS_DIR": str(tmp_path / "reports"),
        "PYTEST_DEBUG_TEMPROOT": str(tmp_path),
    }
    code = _run_step(_steps()["Run the readiness suite against staging"], context, runner)
    verdict = json.loads((tmp_path / "reports" / "verdict.json").read_text())["predicate"]
    return code, verdict["verdict"]


@pytest.mark.slow
def test_the_gate_passes_a_healthy_staging_when_it_can_read_the_log(
    tmp_path: Path, staging_env: dict[str, str]
) -> None:
    log = staging_env["PLANNING_ENGINE_LOG_FILE"]  # the engine's; the suite only gets a command
    variables = {"PLANNING_ENGINE_LOG_COMMAND": f"cat '{log}'"}
    assert _gate(tmp_path, staging_env, variables) == (0, "GO")


@pytest.mark.slow
def test_without_the_log_the_gate_is_incomplete_and_passes_only_when_allowed(
    tmp_path: Path, staging_env: dict[str, str]
) -> None:
    allowed = {"READINESS_ALLOW_INCOMPLETE": "true"}
    assert _gate(tmp_path, staging_env, allowed) == (0, "INCOMPLETE")


def test_the_history_is_carried_from_run_to_run_whatever_the_verdict() -> None:
    """Restored before the gate from the newest earlier run, saved after it even on NO-GO, at
    the path the suite appends to by default (REPORTS_DIR/history.sqlite)."""
    from readiness.history.store import FILE_NAME

    steps = list(_steps())
    restore, save = (
        _steps()["Restore the readiness history"],
        _steps()["Save the readiness history"],
    )
    gate = steps.index("Run the readiness suite against staging")
    assert (
        steps.index("Restore the readiness history")
        < gate
        < steps.index("Save the readiness history")
    )
    assert restore["uses"].startswith("actions/cache/restore@")
    assert save["uses"].startswith("actions/cache/save@") and save["if"] == "always()"
    assert restore["with"]["path"] == save["with"]["path"] == f"reports/{FILE_NAME}"
    assert restore["with"]["key"] == save["with"]["key"]
    assert save["with"]["key"].startswith(restore["with"]["restore-keys"])
