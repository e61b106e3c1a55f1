"""The readiness suite's pytest plugin: configuration, the target, and the per-scenario context.

Registered by the top-level conftest.py. Scenarios that would change a target the suite did
not start are skipped with the reason unless `--allow-destructive` is given; scenarios that
need to reconfigure the target (restart it, create scratch databases) run only on the
embedded target.
"""

import importlib.util
import os
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pytest

from engine_sandbox import workspace
from planning_engine.dsn import mask_dsn
from readiness.budget import RunBudget
from readiness.checks import ReadinessFailure
from readiness.config import (
    ConfigurationProblem,
    SuiteConfig,
    known_secrets,
    read_config,
    refuse_ungated_ci,
)
from readiness.evidence import Evidence
from readiness.expectations import example_request
from readiness.history.recording import history_path, reports_dir
from readiness.options import add_options
from readiness.report.crash_line import CrashLine
from readiness.report.inventory import CRITERION_TAG, item_criterion, item_key
from readiness.report.plugin import (
    SELECTED_OUTPUT,
    attach_record,
    configure_reports,
    is_scenario,
)
from readiness.report.plugin import add_options as add_report_options
from readiness.report.scenario_record import record_for_item
from readiness.runbook.plan_queue import PlanQueue
from readiness.runbook.plans import Job, PlanBatch, PlanRequests
from readiness.schema_profiles import BASE_PROFILE
from readiness.target.api_client import PlanningApi
from readiness.target.db_probe import DatabaseProbe
from readiness.target.deployment import Target
from readiness.target.engine_cli import CliOutcome
from readiness.target.shared import SharedBoot

CONFIG_KEY = pytest.StashKey[SuiteConfig]()
PROFILES_KEY = pytest.StashKey[list[dict[str, Any]]]()
# Whether the run will rehearse the scoring rollback drill (the one controlled scenario that is
# not a rehearsal on scratch data): its engine then starts while the target boots.
DRILL_KEY = pytest.StashKey[bool]()
EMBEDDED_NEEDS = ("pgserver", "fastapi", "uvicorn", "psycopg_pool")
BUDGET_KEY = pytest.StashKey[RunBudget]()
EVIDENCE_KEY = pytest.StashKey[Evidence]()

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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """The report with the scenario's evidence and finding. A new-style wrapper: a Ctrl-C or
    SIGTERM that lands while it runs unwinds as it would anywhere else."""
    report: pytest.TestReport = yield
    evidence = item.stash.get(EVIDENCE_KEY, None)
    one_line = item.config.option.tbstyle in ("line", "no")  # the evidence is on the page
    if evidence is not None and evidence.items and report.when == "call" and not one_line:
        report.sections.append(("evidence", redact(evidence.as_text(), item.config)))
    if report.failed and call.excinfo is not None:
        if call.excinfo.errisinstance(ReadinessFailure):
            finding = _finding(call.excinfo, item)
            report.longrepr = cast(Any, CrashLine(finding.reprcrash)) if one_line else finding
        else:
            report.longrepr = redact(str(report.longrepr), item.config)
    if is_scenario(item):
        message = call.excinfo.exconly() if report.failed and call.excinfo is not None else ""
        cause = ""
        if call.excinfo is not None and isinstance(call.excinfo.value, ReadinessFailure):
            message, cause = str(call.excinfo.value), call.excinfo.value.cause
        attach_record(
            item,
            report,
            evidence,
            redact(message, item.config),
            lambda text: redact(text, item.config),
            cause,
        )
    return report


def _finding(excinfo: pytest.ExceptionInfo[BaseException], item: pytest.Item) -> Any:
    """A runbook finding shown as `pytest.fail(msg, pytrace=False)` is: the message alone (the
    suite's stack is noise), in every --tb mode and in the short summary's `FAILED id - msg`;
    where a place is shown (`--tb=line`), it is the failing Gherkin step's."""
    shown = excinfo.getrepr(style="value")
    message = redact(str(excinfo.value), item.config)
    record = record_for_item(item)
    step = next((s for s in record.steps if s.status == "failed"), None)
    crashes = [crash for _, crash, _ in getattr(shown, "chain", [])]
    for traceback, _, _ in getattr(shown, "chain", []):
        for entry in traceback.reprentries:
            entry.lines = [redact(line, item.config) for line in getattr(entry, "lines", [])]
    for crash in [*crashes, getattr(shown, "reprcrash", None)]:
        if crash is not None:
            crash.message = message
            if step is not None and record.feature_file:
                crash.path, crash.lineno = record.feature_file, step.line
    return shown


SECRETS_KEY = pytest.StashKey[list[str]]()


def redact(text: str, config: pytest.Config) -> str:
    """Remove every secret the suite knows of (tokens, DSN passwords) from text bound for a report.

    One function masks both the known secrets and any DSN password, so that text which is JSON
    (the scenario records) is masked inside its decoded strings and stays valid JSON, and a
    secret escaped by JSON or percent-encoded in a URL is found as well as the raw one."""
    secrets: list[str] = config.stash.get(SECRETS_KEY, [])
    return mask_dsn(text, secrets)


@pytest.fixture(scope="session")
def suite_config(pytestconfig: pytest.Config) -> SuiteConfig:
    """The run's settings (environment and options), read once at start-up."""
    return pytestconfig.stash[CONFIG_KEY]


SHARED_BOOT_KEY = pytest.StashKey[SharedBoot]()
WORKER_INPUT = "readiness_target"


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


@pytest.fixture
def evidence(request: pytest.FixtureRequest) -> Evidence:
    """What the scenario saw (SQL and rows, HTTP exchanges, findings), for its report."""
    gathered = Evidence()
    request.node.stash[EVIDENCE_KEY] = gathered
    return gathered


@dataclass
class ScenarioState:
    """What a scenario's seeding and drill steps hand to each other (single values travel as
    step fixtures: `job`, `earlier_job`, `metrics`)."""

    schema_profile: str = BASE_PROFILE  # of the scratch databases the rehearsals make
    scratch_dsn: str | None = None
    dump_file: Path | None = None
    commands: list[CliOutcome] = field(default_factory=list)
    rollback: Any = None
    drill: Any = None  # the scoring rollback drill (readiness.runbook.scoring_drill)


@pytest.fixture
def state(suite_config: SuiteConfig) -> Iterator[ScenarioState]:
    """What one scenario's steps hand to each other; a drill left half-way is abandoned."""
    scenario = ScenarioState(schema_profile=suite_config.schema_profile or BASE_PROFILE)
    yield scenario
    if scenario.rollback is not None:
        scenario.rollback.abandon()  # a drill that failed half-way leaves its truncate uncommitted


@pytest.fixture(scope="session")
def shared_plan_cache() -> dict[str, Job]:
    """One test plan per run for the scenarios that only inspect it (Phase 4 API checklist)."""
    return {}


@pytest.fixture
def progress(pytestconfig: pytest.Config) -> Callable[[str, float], None]:
    """With -v, a line once a wait has lasted a second, then one a second, so a slow staging is
    visibly alive; quick waits print nothing."""
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    last = [0.0]

    def report(message: str, elapsed: float) -> None:
        if reporter is None or pytestconfig.get_verbosity() <= 0:
            return
        if elapsed >= 1.0 and time.monotonic() - last[0] >= 1.0:
            last[0] = time.monotonic()
            reporter.write_line(f"    {message} ({elapsed:.1f} s)")

    return report


@pytest.fixture(scope="session")
def plan_queue(database: DatabaseProbe, api: PlanningApi, target: Target) -> PlanQueue:
    """What the run found out about the plan queue: a stuck queue is reported once."""
    return PlanQueue(database, api, target.token)


@pytest.fixture(scope="session")
def plan_batch(pytestconfig: pytest.Config) -> PlanBatch:
    """The run's athlete profiles, requested together at the first request, awaited together."""
    return PlanBatch(pytestconfig.stash.get(PROFILES_KEY, []))


@pytest.fixture
def plans(
    api: PlanningApi,
    target: Target,
    suite_config: SuiteConfig,
    evidence: Evidence,
    progress: Callable[[str, float], None],
    plan_queue: PlanQueue,
    plan_batch: PlanBatch,
) -> PlanRequests:
    """Requesting the scenario's test plans and waiting for them."""
    return PlanRequests(api, target, suite_config, evidence, progress, plan_queue, plan_batch)
