"""What the report says about who ran the suite and from which commit."""

import subprocess
from pathlib import Path

import pytest

from readiness.report.identity import git_commit, ran_by

REPO = Path(__file__).resolve().parents[2]
CI_VARIABLES = (
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "BUILD_URL",
    "CI",
    "GITHUB_SHA",
    "CI_COMMIT_SHA",
    "GIT_COMMIT",
)


@pytest.fixture(autouse=True)
def no_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in CI_VARIABLES:
        monkeypatch.delenv(variable, raising=False)


def test_a_github_actions_run_links_to_its_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "team/stream5")
    monkeypatch.setenv("GITHUB_RUN_ID", "4242")
    monkeypatch.setenv("GITHUB_WORKFLOW", "Stream 5 staging readiness")
    assert ran_by() == {
        "by": "GitHub Actions (Stream 5 staging readiness)",
        "url": "https://github.com/team/stream5/actions/runs/4242",
    }


def test_a_gitlab_job_links_to_its_job(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITLAB_CI", "true")
    monkeypatch.setenv("CI_JOB_URL", "https://gitlab.example/team/stream5/-/jobs/7")
    assert ran_by() == {"by": "GitLab CI", "url": "https://gitlab.example/team/stream5/-/jobs/7"}


def test_a_person_is_named_by_user_and_host() -> None:
    assert "@" in ran_by()["by"] and ran_by()["url"] == ""


def test_the_checkout_reports_its_own_commit() -> None:
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert git_commit(REPO) == head


def test_an_installed_suite_inside_another_repository_does_not_claim_its_commit(
    tmp_path: Path,
) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    installed = tmp_path / "venv" / "site-packages" / "readiness" / "suite"
    installed.mkdir(parents=True)
    assert git_commit(installed) == "unknown"
