"""Each scenario's pytest report: its evidence as a section, a runbook finding as the message
alone (placed on the failing Gherkin step), secrets redacted, and the scenario's record for the
sign-off (readiness.report.plugin)."""

from collections.abc import Generator
from typing import Any, cast

import pytest

from readiness.checks import ReadinessFailure
from readiness.redaction import redact
from readiness.report.crash_line import CrashLine
from readiness.report.plugin import attach_record, is_scenario
from readiness.report.scenario_record import record_for_item
from readiness.session_keys import EVIDENCE_KEY


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
