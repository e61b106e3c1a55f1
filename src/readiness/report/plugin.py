"""The sign-off report: pytest-html with the verdict, the checklist and each scenario's steps and
evidence, plus junit.xml, cucumber.json, verdict.json and (on GO) announcement.md.

Scenario data is recorded where the scenario runs (a pytest-xdist worker or the main
process) from pytest-bdd's hooks, and travels to the controller on the test report itself; the
artifacts are written once, by the controller, at the end of the session.
"""

import os
from collections.abc import Callable, Generator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from pytest_bdd.parser import Feature, Scenario, Step
from pytest_html.basereport import BaseReport

from readiness.history.recording import run_entry
from readiness.history.store import RUN, Entry, History, HistoryFileError
from readiness.report.artifacts import announcement, cucumber, verdict_statement, write_json
from readiness.report.crash_line import CrashLine, SentLine
from readiness.report.files import ANNOUNCEMENT, ReportFiles, keep_only_scenarios
from readiness.report.html import (
    STYLE,
    anchor_for,
    api_drift_block,
    banner,
    causes_block,
    checklist,
    drift_block,
    identity_table,
    plans_chart,
    scenarios_block,
)
from readiness.report.identity import run_identity
from readiness.report.inventory import item_key, read_inventory
from readiness.report.over_time import before_after_block, history_strip
from readiness.report.page_fixups import served_whole
from readiness.report.scenario_record import (
    PROPERTY,
    ScenarioRecord,
    finish,
    record_for_item,
    start_scenario,
    step_finished,
    step_started,
)
from readiness.report.selection import missing_reason, narrowing, stop_reason
from readiness.report.terminal import terminal_details, verdict_lines
from readiness.report.verdict import GO, NO_GO, Verdict, decide, with_missing

TARGET_IDENTITY_KEY = pytest.StashKey[dict[str, Any]]()
COLLECTOR_KEY = pytest.StashKey["ReportCollector"]()
REHEARSAL_NOTE = (
    "a rehearsal on the embedded reference engine, not a staging sign-off: "
    "set PLANNING_API_URL and its settings to check a staging"
)
SELECTED_OUTPUT = "readiness_selected"  # a pytest-xdist worker's selected scenario keys


HISTORY_STRIP = 10  # runs shown on the sign-off page


class ReportCollector:
    """Registered as a plugin in the controlling process: it sees every scenario's report."""

    def __init__(
        self,
        config: pytest.Config,
        files: ReportFiles,
        redact: Callable[[str], str],
        history: Path | None = None,
    ) -> None:
        self.config = config
        self.history_file = history  # where the run is appended, if it is kept
        self.files = files
        self.redact = redact
        self.started = datetime.now(UTC)
        self.records: dict[str, ScenarioRecord] = {}
        self.inventory = read_inventory(config.rootpath / "features")
        self.selected: set[str] | None = None  # inventory keys pytest selected to run
        self.missing = "not reached: the run ended before it"
        self.exitstatus = 0  # pytest's, as the session ended
        self.in_flight: set[str] = set()  # node ids of scenarios running now
        self.keys: dict[str, str] = {}  # node id -> inventory key, where this process collected
        self._published = False
        self.page_written = False  # pytest-html wrote the sign-off page (into the pending folder)
        self._verdict: Verdict | None = None
        self._history: list[Entry] | None = None  # this target's last runs, once recorded
        self.history_note = ""  # the history's path, or why it could not be kept

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        value = getattr(report, PROPERTY, None)
        if value is None:
            return
        # A finding that arrives as text (pytest-xdist sends reports so; an error that is no
        # finding is kept as redacted text): under --tb=line, its line alone.
        as_text = isinstance(report.longrepr, str)
        if self.config.option.tbstyle == "line" and report.failed and as_text:
            report.longrepr = cast(Any, CrashLine(SentLine(str(report.longrepr))))
        record = ScenarioRecord.from_json(str(value))
        known = self.records.get(record.nodeid)
        if known is None or report.when == "call" or record.outcome in ("failed", "skipped"):
            self.records[record.nodeid] = record

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if not hasattr(self.config, "workerinput") and session.items:
            self.keys = {item.nodeid: key for item in session.items if (key := item_key(item))}
            self.selected = set(self.keys.values())

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self.in_flight.add(nodeid)

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        self.in_flight.discard(nodeid)

    def _interrupted(self) -> str:
        """What the run was doing when it was interrupted: the scenarios in flight, by their
        titles with the Examples filled in; "" for a run that was not interrupted."""
        if self.exitstatus != pytest.ExitCode.INTERRUPTED:
            return ""
        names = {planned.key: f"{planned.feature}: {planned.name}" for planned in self.inventory}
        running = sorted(names.get(self.keys.get(n, ""), n) for n in self.in_flight)
        if not running:
            return "the run was interrupted between scenarios"
        return "the run was interrupted during " + "; ".join(running)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """Under pytest-xdist the workers collect; each tells what it selected when it ends."""
        keys = getattr(node, "workeroutput", {}).get(SELECTED_OUTPUT)
        if keys is not None:
            self.selected = (self.selected or set()) | set(keys)

    def verdict(self) -> Verdict:
        if self._verdict is None:
            narrowed = narrowing(self.config)
            records = with_missing(
                self.records.values(),
                self.inventory,
                lambda planned: missing_reason(planned, self.selected, narrowed, self.missing),
            )
            in_flight = {self.keys.get(nodeid, nodeid) for nodeid in self.in_flight}
            for record in records:
                if record.outcome == "not run" and (record.key or record.nodeid) in in_flight:
                    record.message = "interrupted while it ran"
            self._verdict = decide(records, self._interrupted())
        return self._verdict

    def exit_code(self) -> int:
        return self.verdict().gate_exit_code(
            bool(self.config.getoption("allow_incomplete")), int(self.exitstatus)
        )

    def identity(self) -> dict[str, Any]:
        # Each record carries the target's identity as it was known then: the engine version
        # once the engine served, the schema profile once a database check ran, the API
        # profile once an API check ran (under xdist, each worker its own). Together, in the
        # order they ran, they are what the run learnt.
        merged: dict[str, Any] = {}
        measured: dict[str, Any] = {}
        for record in self.records.values():
            merged.update(record.target or {})
            # Each process measures what its scenarios read: together they are the run's.
            for section, value in (record.target or {}).get("measured", {}).items():
                if isinstance(value, dict):
                    measured.setdefault(section, {}).update(value)
                else:
                    measured[section] = value
        merged["measured"] = measured
        return run_identity(self.config.rootpath, self.started, merged)

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_row(self, report: pytest.TestReport, cells: list[str]) -> None:
        """The sign-off page is about the deployment: the project's own tests, when a plain
        `pytest` runs them alongside the suite, have no row on it. A scenario's row links to its
        steps and evidence, which the page serves in its own section."""
        if report.nodeid.split("/")[0].split("::")[0] != "features":
            cells.clear()
            return
        cells[3] = (
            f'<td class="col-links"><a href="#{anchor_for(report.nodeid)}">steps and '
            "evidence</a></td>"
        )

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(
        self, prefix: list[str], summary: list[str], postfix: list[str], session: pytest.Session
    ) -> None:
        verdict, identity = self.verdict(), self.identity()
        rehearsal = REHEARSAL_NOTE if identity.get("target_mode") == "embedded" else ""
        last_runs = self._record_history()
        prefix.extend(
            [
                STYLE,
                banner(verdict, self.exit_code(), rehearsal),
                causes_block(verdict),
                identity_table(identity),
                history_strip(last_runs, self.history_note),
                before_after_block(
                    identity.get("measured", {}).get("comparisons", {}),
                    str(identity.get("deployed_at")),
                ),
                drift_block(
                    identity.get("runbook_drift") or [], identity.get("runbook_drift_unknown", "")
                ),
                api_drift_block(identity.get("api_drift") or []),
                checklist(verdict),
                plans_chart(verdict.records),
                scenarios_block(verdict.records, self.redact),
            ]
        )

    # --- the end of the session, one sequence ---------------------------------------------
    # 1. `pytest_sessionfinish_reports`, a wrapper inside pytest's terminal reporter: the
    #    verdict is decided before pytest-html and junitxml write (pytest-html's summary hook
    #    shows it); once they have written, the suite writes its own reports and publishes
    #    them all together.
    # 2. pytest's terminal summary: the scenarios by cause and the reports where they now are
    #    (`pytest_terminal_summary`), then pytest's own counts.
    # 3. `pytest_sessionfinish_verdict_last`, the outermost wrapper: the verdict, last of all.

    @pytest.hookimpl(wrapper=True, trylast=True, specname="pytest_sessionfinish")
    def pytest_sessionfinish_reports(
        self, session: pytest.Session, exitstatus: int
    ) -> Generator[None, None, None]:
        self.missing = stop_reason(session, exitstatus)
        self.exitstatus = exitstatus
        self._verdict = None
        html = self._html_report()
        if not self.records and html is not None:
            # Nothing ran (--collect-only, a marker that selects nothing): pytest-html must not
            # write or announce a page that is not published.
            self.config.pluginmanager.unregister(html)
        result = yield
        if self.records:
            self._write_reports(session)
        self._publish()
        return result

    def _write_reports(self, session: pytest.Session) -> None:
        html = self._html_report()
        if html is not None:
            # pytest-html has written its page, into the pending folder that publishing empties:
            # its own line would name that place. The suite's `reports:` line names the page.
            self.config.pluginmanager.unregister(html)
            self.page_written = True
        self._record_history()
        verdict, identity = self.verdict(), self.identity()
        write_json(
            self.files.staged("verdict.json"),
            verdict_statement(verdict, identity, self.exit_code()),
        )
        write_json(self.files.staged("cucumber.json"), cucumber(list(self.records.values())))
        notice = self.files.staged(ANNOUNCEMENT)
        # The runbook's announcement says Stream 5 is deployed to staging: only a GO on a
        # staging may say so, never a rehearsal on the embedded reference engine.
        if verdict.decision == GO and identity.get("target_mode") == "staging":
            page = self.files.finals["signoff.html"] if self.page_written else None
            notice.write_text(
                self.redact(announcement(verdict, identity, self._shown(page))), encoding="utf-8"
            )
        session.exitstatus = self.exit_code()

    def _record_history(self) -> list[Entry]:
        """Append this run to the history (once) and return the target's last runs."""
        if self._history is not None:
            return self._history
        self._history = []
        path = self.history_file
        if path is None or not self.records:
            return self._history
        entry = run_entry(self.verdict(), self.identity())
        try:
            history = History(path)
            history.append(entry)
            self._history = history.entries(entry.target, RUN, last=HISTORY_STRIP)
            self.history_note = str(path)
        except HistoryFileError as error:
            self.history_note = str(error)
        return self._history

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """The scenarios behind the verdict, grouped under their cause or reason; the verdict
        itself comes last of all (`pytest_sessionfinish_verdict_last`)."""
        if not self.records:
            return
        terminalreporter.write_sep("=", "Stream 5 readiness", bold=True)
        for line in terminal_details(self.verdict(), self._report_paths(), self.identity()):
            terminalreporter.write_line(line)
        if self.history_note:
            terminalreporter.write_line(f"history: {self.history_note}")

    @pytest.hookimpl(wrapper=True, tryfirst=True, specname="pytest_sessionfinish")
    def pytest_sessionfinish_verdict_last(
        self, session: pytest.Session
    ) -> Generator[None, None, None]:
        """After pytest's own summary line: the last lines of the output are the verdict and its
        causes, where a person (or a CI log tail) looks first."""
        result = yield
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is None:
            return result
        if not self.records:
            reporter.write_line(
                f"Stream 5 readiness: no scenario ran; the reports in {self.files.reports_dir} "
                "are left as they were"
            )
            return result
        verdict = self.verdict()
        allow = bool(self.config.getoption("allow_incomplete"))
        lines = verdict_lines(verdict, allow)
        if self.identity().get("target_mode") == "embedded":
            lines.insert(1, f"  {REHEARSAL_NOTE}")
        for index, line in enumerate(lines):
            reporter.write_line(line, bold=index == 0, red=verdict.decision == NO_GO and index == 0)
        return result

    def pytest_unconfigure(self) -> None:
        self.files.discard()  # a run that ended before its session finished publishes nothing

    def _publish(self) -> None:
        """All reports into place together if the run executed scenarios; else none of them."""
        if self._published:
            return
        self._published = True
        if not self.records:
            self.files.discard()
            return
        if self.files.scenarios_only_junit:
            keep_only_scenarios(self.files.pending / "junit.xml")
        page = self.files.pending / "signoff.html"
        if page.exists():
            page.write_text(served_whole(page.read_text(encoding="utf-8")), encoding="utf-8")
        self.files.publish()
        junit = self._junit_report()
        if junit is not None and "junit.xml" in self.files.published:
            junit.logfile = str(self.files.published["junit.xml"])  # printed as written

    def _html_report(self) -> BaseReport | None:
        """pytest-html's report object, if pytest-html is active in this run."""
        plugins = self.config.pluginmanager.get_plugins()
        return next((p for p in plugins if isinstance(p, BaseReport)), None)

    def _junit_report(self) -> Any:
        """pytest's junitxml writer, if the run writes junit.xml."""
        plugins = self.config.pluginmanager.get_plugins()
        return next((p for p in plugins if type(p).__name__ == "LogXML"), None)

    def _report_paths(self) -> list[str]:
        """The reports this run wrote, where they are now."""
        return [str(path) for path in self.files.published.values()]

    def _shown(self, page: Path | None) -> str:
        """The page as the announcement names it: beside the announcement, or where it is."""
        if page is None:
            return "not written in this run (pytest-html was disabled)"
        return page.name if page.parent == self.files.reports_dir else str(page)


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("readiness")
    group.addoption(
        "--reports-dir",
        default=os.environ.get("PLANNING_REPORTS_DIR", "reports"),
        help="where the sign-off report and CI artifacts go (default reports/)",
    )
    group.addoption(
        "--allow-incomplete",
        action="store_true",
        help="exit 0 on INCOMPLETE (some criteria not verifiable here); NO-GO still fails",
    )


def configure_reports(
    config: pytest.Config,
    runs_features: bool,
    redact: Callable[[str], str],
    history: Path | None = None,
) -> None:
    """Point pytest-html and junitxml at reports/ (unless told otherwise) when the suite runs."""
    if not runs_features or hasattr(config, "workerinput"):
        return
    files = ReportFiles(Path(config.getoption("reports_dir")).resolve())
    files.prepare()
    html = getattr(config.option, "htmlpath", None)
    config.option.htmlpath = str(files.staged("signoff.html", Path(html) if html else None))
    config.option.self_contained_html = True
    if not getattr(config.option, "xmlpath", None):  # a --junitxml of the user's is left alone
        config.option.xmlpath = str(files.staged("junit.xml"))
        files.scenarios_only_junit = True
    # pytest-bdd's own --cucumberjson comes out empty under pytest-xdist: the suite's complete
    # writer takes the path over.
    cucumber_path = getattr(config.option, "cucumber_json_path", None)
    config.option.cucumber_json_path = None
    files.staged("cucumber.json", Path(cucumber_path) if cucumber_path else None)
    files.staged("verdict.json")
    files.staged(ANNOUNCEMENT)
    collector = ReportCollector(config, files, redact, history)
    config.stash[COLLECTOR_KEY] = collector
    config.pluginmanager.register(collector, "stream5-signoff")


def is_scenario(item: pytest.Item) -> bool:
    return hasattr(item, "function") and "features" in Path(str(item.fspath)).parts


def attach_record(
    item: pytest.Item,
    report: pytest.TestReport,
    evidence: Any,
    message: str,
    redact: Callable[[str], str],
    cause: str = "",
) -> None:
    """Finish the scenario's record for this phase and ship it (and its HTML) with the report."""
    record = record_for_item(item)
    finish(record, report, evidence, message, cause)
    record.target = item.config.stash.get(TARGET_IDENTITY_KEY, {})
    # On the report object itself: pytest-xdist carries a report's attributes to the controller,
    # and junit.xml (which prints user_properties) stays what CI test views show.
    setattr(report, PROPERTY, redact(record.to_json()))


# --- pytest-bdd hooks: the Gherkin steps as they run ------------------------------------


def pytest_bdd_before_scenario(
    request: pytest.FixtureRequest, feature: Feature, scenario: Scenario
) -> None:
    start_scenario(request.node, feature, scenario)


def pytest_bdd_before_step(
    request: pytest.FixtureRequest,
    feature: Feature,
    scenario: Scenario,
    step: Step,
    step_func: Callable[..., object],
) -> None:
    step_started(request.node, step)


def pytest_bdd_after_step(
    request: pytest.FixtureRequest,
    feature: Feature,
    scenario: Scenario,
    step: Step,
    step_func: Callable[..., object],
    step_func_args: dict[str, object],
) -> None:
    step_finished(request.node, step)


def pytest_bdd_step_error(
    request: pytest.FixtureRequest,
    feature: Feature,
    scenario: Scenario,
    step: Step,
    step_func: Callable[..., object],
    step_func_args: dict[str, object],
    exception: Exception,
) -> None:
    step_finished(request.node, step, exception)


@pytest.hookimpl(optionalhook=True)
def pytest_html_report_title(report: Any) -> None:
    report.title = "Stream 5 staging readiness: sign-off"
