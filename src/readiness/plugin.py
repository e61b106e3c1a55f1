"""The readiness suite's pytest plugin: its configuration, markers, selection and budget.

Registered (with the other modules of `readiness.SUITE_PLUGINS`) by the top-level conftest.py.
Scenarios that would change a target the suite did not start are skipped with the reason unless
`--allow-destructive` is given; scenarios that need to reconfigure the target (restart it,
create scratch databases) run only on the embedded target.
"""

import importlib.util
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engine_sandbox import workspace
from readiness.budget import RunBudget
from readiness.config import (
    ConfigurationProblem,
    SuiteConfig,
    known_secrets,
    read_config,
    refuse_ungated_ci,
)
from readiness.expectations import example_request
from readiness.history.recording import history_path, reports_dir
from readiness.options import add_options
from readiness.redaction import redact
from readiness.report.inventory import CRITERION_TAG, item_criterion, item_key
from readiness.report.plugin import SELECTED_OUTPUT, configure_reports, is_scenario
from readiness.report.plugin import add_options as add_report_options
from readiness.session_keys import (
    BUDGET_KEY,
    CONFIG_KEY,
    DRILL_KEY,
    PROFILES_KEY,
    SECRETS_KEY,
    SHARED_BOOT_KEY,
    WORKER_INPUT,
)
from readiness.target.shared import SharedBoot

EMBEDDED_NEEDS = ("pgserver", "fastapi", "uvicorn", "psycopg_pool")

MARKERS = {
    "prerequisites": "runbook Prerequisites Checklist",
    "phase1": "runbook Phase 1: Database Setup",
    "phase2": "runbook Phase 2: Movement Seeding",
    "phase3": "runbook Phase 3: Enable Scoring",
    "phase4": "runbook Phase 4: Validation",
    "post_deploy": "runbook Post-Deployment Validation",
    "monitoring": "runbook Monitoring & Observability",
    "since_deploy": "runbook Success Criteria over time: the release against the target's own "
    "data before the deploy, and against the last GO",
    "rollback": "runbook Rollback Procedures (drills)",
    "troubleshooting": "runbook Troubleshooting: each path ends in a message naming the fix",
    "security": "API access control",
    "hardening": "beyond the runbook, needs what a target may not give (signing key, header"
    " support): a failure is NO-GO, not running it informs",
    "readonly": "reads the target only",
    "writes": "writes to the target, idempotently or additively (seeding, test plans)",
    "destructive": "destroys target data (rollback drills): embedded target or --allow-destructive only",
    "controlled": "needs a target the suite controls (restarts, scratch databases)",
    "rehearsal": "rehearses a procedure on scratch data; informative, not a success criterion",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)
    add_report_options(parser)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    for name, description in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {description}")
    suite = read_config(config, suite_selected=_runs_features(config))
    if _runs_features(config) and not hasattr(config, "workerinput"):
        # The project's own test run (`pytest`) rehearses the suite as one of its tests.
        rehearsal = config.getoption("rehearsal") or not _runs_only_features(config)
        refuse_ungated_ci(os.environ, suite.embedded, rehearsal)
    if suite.embedded and _runs_features(config):
        _require_embedded_extra()
    config.stash[CONFIG_KEY] = suite
    config.stash[BUDGET_KEY] = RunBudget(suite.max_duration_s)
    config.stash[SECRETS_KEY] = known_secrets(suite)
    _start_shared_target(config, suite)
    history = history_path(reports_dir(config), suite)
    configure_reports(config, _runs_features(config), lambda text: redact(text, config), history)


def _require_embedded_extra() -> None:
    """The embedded target runs the reference engine on pgserver's Postgres: a QA machine that
    installed only the suite learns in one line what to install, or to point at a staging."""
    missing = [name for name in EMBEDDED_NEEDS if importlib.util.find_spec(name) is None]
    if missing:
        raise ConfigurationProblem(
            f"the embedded target needs {', '.join(missing)}: pip install "
            "'stream5-readiness[embedded]', or set PLANNING_API_URL (and its settings) to check "
            "a staging"
        )


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_apply_tag(tag: str, function: Callable[..., Any]) -> bool | None:
    """A criterion tag names what its scenario checks (readiness.report.checklist); it is no
    marker, so that `--strict-markers` needs no entry for each criterion."""
    return True if tag.startswith(CRITERION_TAG) else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    suite = config.stash[CONFIG_KEY]
    if hasattr(config, "workerinput"):
        _schedule_controlled_first(items)
    for item in items:
        if criterion := item_criterion(item):  # junit.xml names what each test case checks
            item.user_properties.append(("criterion", criterion))
        if item.get_closest_marker("controlled") and not suite.embedded:
            item.add_marker(
                pytest.mark.skip(
                    reason="needs a target the suite controls (it restarts the engine or "
                    "creates scratch databases): runs on the embedded target only"
                )
            )
        elif item.get_closest_marker("destructive") and not (
            suite.embedded or suite.allow_destructive
        ):
            item.add_marker(
                pytest.mark.skip(
                    reason="destructive rollback drill: not run against a target the suite "
                    "did not start unless --allow-destructive is given"
                )
            )


def pytest_collection_finish(session: pytest.Session) -> None:
    """A pytest-xdist worker tells the controller which of the feature files' scenarios it
    selected, so that one never reached is reported as such (see readiness.report.selection). A run
    without workers knows which athlete profiles it will request plans for: it requests them
    together (a worker does not know which of them it will be handed)."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output[SELECTED_OUTPUT] = sorted({key for item in session.items if (key := item_key(item))})
        return
    session.config.stash[DRILL_KEY] = any(
        item.get_closest_marker("controlled") and not item.get_closest_marker("rehearsal")
        for item in session.items
    )
    rows = [getattr(item, "callspec", None) for item in session.items]
    examples = [row.params.get("_pytest_bdd_example", {}) for row in rows if row is not None]
    requests = [example_request(example) for example in examples]
    session.config.stash[PROFILES_KEY] = [request for request in requests if request]


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """The scenario's fixtures are torn down: its time is spent, the budget's clock stops."""
    if is_scenario(item):
        item.config.stash[BUDGET_KEY].pause()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Once the run's budget is spent, the scenarios not yet started fail at once: the verdict
    and the reports are written in time, and nothing counts as verified that was not."""
    if is_scenario(item):
        budget = item.config.stash[BUDGET_KEY]
        budget.start()
        budget.check("its turn: the scenario did not start")


def _schedule_controlled_first(items: list[pytest.Item]) -> None:
    """Under pytest-xdist, hand out the longest scenarios first: the drill that restarts its own
    engine (two engine starts), then the rehearsals on scratch databases, then the many short
    scenarios, so that one worker works through the drill while the other takes the rest. Left
    in runbook order, the drill starts last and the whole run waits for it. Every worker sorts
    the same way, so their collections stay identical, as xdist requires."""

    def rank(item: pytest.Item) -> int:
        if item.get_closest_marker("controlled") is None:
            return 2
        return 1 if item.get_closest_marker("rehearsal") else 0

    items.sort(key=rank)


@pytest.fixture(scope="session")
def suite_config(pytestconfig: pytest.Config) -> SuiteConfig:
    """The run's settings (environment and options), read once at start-up."""
    return pytestconfig.stash[CONFIG_KEY]


def _features_and_paths(config: pytest.Config) -> tuple[Path, list[Path]]:
    """features/, and the paths the run was given (the root when none)."""
    features = (config.rootpath / "features").resolve()
    paths = [Path(arg.split("::")[0]).resolve() for arg in config.args] or [config.rootpath]
    return features, paths


def _runs_features(config: pytest.Config) -> bool:
    features, paths = _features_and_paths(config)
    return any(features.is_relative_to(path) or path.is_relative_to(features) for path in paths)


def _runs_only_features(config: pytest.Config) -> bool:
    """The run is the readiness suite alone (`pytest features/`), not the project's tests too."""
    features, paths = _features_and_paths(config)
    return all(path.is_relative_to(features) for path in paths)


def _start_shared_target(config: pytest.Config, suite: SuiteConfig) -> None:
    """Under pytest-xdist the controller boots one embedded target that every worker shares."""
    is_controller = bool(getattr(config.option, "numprocesses", None)) and not hasattr(
        config, "workerinput"
    )
    if suite.embedded and is_controller and _runs_features(config):
        config.stash[SHARED_BOOT_KEY] = SharedBoot(suite, workspace.create("embedded"))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    boot = node.config.stash.get(SHARED_BOOT_KEY, None)
    if boot is not None:
        node.workerinput[WORKER_INPUT] = boot.worker_input()


def pytest_unconfigure(config: pytest.Config) -> None:
    boot = config.stash.get(SHARED_BOOT_KEY, None)
    if boot is not None:
        boot.stop()
