"""Allure (allure-pytest-bdd, the `allure` extra) works with the suite unchanged, and its results,
which record every step's arguments with repr(), carry no secret."""

from pathlib import Path

from support.known_secrets import JWT_SECRET, STAGING_DB_PASSWORD, STAGING_LD_KEY
from support.suite_runner import run_suite


def test_allure_results_of_a_staging_run_hold_no_secret(
    staging_env: dict[str, str], tmp_path: Path
) -> None:
    results = tmp_path / "allure"
    run = run_suite(tmp_path, staging_env, f"--alluredir={results}")
    assert run.exit_code == 0, run.output[-2000:]
    files = list(results.iterdir())
    assert len([f for f in files if f.name.endswith("-result.json")]) >= 50
    secrets = [
        staging_env["PLANNING_API_TOKEN"],
        staging_env["PLANNING_API_TOKEN_2"],
        STAGING_DB_PASSWORD,
        JWT_SECRET,
        STAGING_LD_KEY,
    ]
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        leaked = [secret for secret in secrets if secret in text]
        assert not leaked, f"{path.name} holds a secret"
