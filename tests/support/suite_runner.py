"""Running the readiness suite as QA does (`pytest features/`), in a subprocess, and reading its verdict."""

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SUITE_VARIABLES = (
    "PLANNING_API_URL",
    "PLANNING_DATABASE_URL",
    "PLANNING_API_TOKEN",
    "STAGING_TOKEN",
    "PLANNING_API_TOKEN_2",
    "PLANNING_ENGINE_LOG_FILE",
    "PLANNING_ENGINE_LOG_COMMAND",
    "FEATURE_V1_PLANNING_SCORING",
    "PLANNING_SCHEMA_PROFILE",
    "PLANNING_API_PROFILE",
    "PLANNING_DEPLOYED_AT",
    "PLANNING_HISTORY",
    "CI",  # a test that means to run under CI says so
)


@dataclass
class Outcome:
    status: str  # passed | failed | skipped
    message: str
    criterion: str = ""  # what the scenario checks (junit.xml's `criterion` property)


@dataclass
class SuiteRun:
    exit_code: int
    output: str
    outcomes: dict[str, Outcome]

    def with_status(self, status: str) -> dict[str, str]:
        return {name: o.message for name, o in self.outcomes.items() if o.status == status}

    def criteria_with_status(self, status: str) -> dict[str, str]:
        """Like `with_status`, by criterion (`phase1.tables[plan_jobs]`) instead of test name."""
        return {o.criterion: o.message for o in self.outcomes.values() if o.status == status}


PYTEST = (sys.executable, "-m", "pytest", "-p", "no:cacheprovider")
PYTEST_FEATURES = (*PYTEST, "features")


def _without_suite_variables() -> dict[str, str]:
    """This process's environment minus the suite's settings, so that only a test's own apply."""
    return {k: v for k, v in os.environ.items() if k not in SUITE_VARIABLES}


def run_suite(
    tmp_path: Path,
    env: dict[str, str],
    *args: str,
    timeout_s: float = 240,
    paths: tuple[str, ...] = ("features",),
) -> SuiteRun:
    """`pytest features/ ARGS` (or `pytest PATHS ARGS`) as QA runs it, in a subprocess."""
    junit = tmp_path / "reports" / "junit.xml"  # where the suite writes it by default
    environment = _without_suite_variables()
    environment.update(env)
    # The inner pytest prunes old numbered temp dirs under its temp root; give it its own, so it
    # never removes this session's (which holds the embedded Postgres).
    environment["PYTEST_DEBUG_TEMPROOT"] = str(tmp_path / "tmp")
    (tmp_path / "tmp").mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [
            *PYTEST,
            *paths,
            "-q",
            "-rs",
            f"--reports-dir={tmp_path / 'reports'}",
            *args,
        ],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    return SuiteRun(
        result.returncode, result.stdout + result.stderr, _outcomes(junit) if junit.exists() else {}
    )


def _outcomes(junit: Path) -> dict[str, Outcome]:
    outcomes = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = case.get("name", "")
        properties = {p.get("name"): p.get("value", "") for p in case.iter("property")}
        criterion = properties.get("criterion", "")
        failure = case.find("failure")
        if failure is None:
            failure = case.find("error")
        skipped = case.find("skipped")
        if failure is not None:
            outcomes[name] = Outcome("failed", failure.get("message", ""), criterion)
        elif skipped is not None:
            outcomes[name] = Outcome("skipped", skipped.get("message", ""), criterion)
        else:
            outcomes[name] = Outcome("passed", "", criterion)
    return outcomes


def collect(marker: str) -> set[str]:
    """The scenario functions a marker selects (`pytest features --collect-only -m MARKER`)."""
    result = subprocess.run(
        [
            *PYTEST_FEATURES,
            "--collect-only",
            "-q",
            "-m",
            marker,
        ],
        cwd=REPO,
        env=_without_suite_variables(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    return {line.split("::", 1)[1] for line in result.stdout.splitlines() if "::" in line}
