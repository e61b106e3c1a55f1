"""Who ran the suite, against what, with which version: the run's identity for the report."""

import getpass
import os
import socket
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any


def suite_version() -> str:
    try:
        return metadata.version("stream5-readiness")
    except metadata.PackageNotFoundError:
        return "unknown"


def git_commit(root: Path) -> str:
    """The suite's commit: from CI, or from this checkout. An installed suite (no pyproject.toml
    beside its features) is not a checkout: whatever repository encloses site-packages is not
    the suite's, so its commit is the one its wheel recorded when built, else "unknown" rather
    than a wrong one."""
    for variable in ("GITHUB_SHA", "CI_COMMIT_SHA", "GIT_COMMIT"):
        if os.environ.get(variable):
            return os.environ[variable]
    if not (root / "pyproject.toml").is_file():
        # An installed wheel: the commit its build recorded (hatch_build.py), if any.
        recorded = Path(__file__).parents[1] / "BUILD_COMMIT"
        return recorded.read_text(encoding="utf-8").strip() if recorded.is_file() else "unknown"
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return result.stdout.strip() if result.returncode == 0 else "unknown"


def ran_by() -> dict[str, str]:
    env = os.environ
    if env.get("GITHUB_ACTIONS"):
        url = f"{env.get('GITHUB_SERVER_URL', 'https://github.com')}/{env.get('GITHUB_REPOSITORY')}/actions/runs/{env.get('GITHUB_RUN_ID')}"
        return {"by": f"GitHub Actions ({env.get('GITHUB_WORKFLOW', 'workflow')})", "url": url}
    if env.get("GITLAB_CI"):
        return {"by": "GitLab CI", "url": env.get("CI_JOB_URL", "")}
    if env.get("BUILD_URL"):
        return {"by": "Jenkins", "url": env["BUILD_URL"]}
    if env.get("CI"):
        return {"by": "CI", "url": ""}
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown user"
    return {"by": f"{user}@{socket.gethostname()}", "url": ""}


def run_identity(root: Path, started: datetime, target: dict[str, Any]) -> dict[str, Any]:
    finished = datetime.now(UTC)
    return {
        "target_mode": target.get("mode", "not reached"),
        "target_url": target.get("api_url", ""),
        "database": target.get("database", ""),
        "engine_version": target.get("engine_version") or "not reported",
        "schema_profile": target.get("schema_profile") or "not detected (no database check ran)",
        "runbook_drift": target.get("runbook_drift", []),
        "api_profile": target.get("api_profile") or "not detected (no API check ran)",
        "api_drift": target.get("api_drift", []),
        **({"health_warning": target["health_warning"]} if target.get("health_warning") else {}),
        **(
            {"runbook_drift_unknown": target["runbook_drift_unknown"]}
            if target.get("runbook_drift_unknown")
            else {}
        ),
        "deployed_at": target.get("deployed_at") or "not read (no since-the-deploy check ran)",
        "deployed_at_source": target.get("deployed_at_source", ""),
        "measured": target.get("measured", {}),
        "suite_version": suite_version(),
        "git_commit": git_commit(root),
        "started": started.isoformat(timespec="seconds"),
        "duration_s": round((finished - started).total_seconds(), 1),
        **ran_by(),
    }
