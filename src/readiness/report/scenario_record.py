"""What the sign-off report knows of one scenario: Gherkin steps with status and timing, evidence.

Recorded in the process that runs the scenario and shipped as JSON in an attribute of the test
report, which pytest-xdist carries from its workers to the controller.
"""

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import pytest
from pytest_bdd.parser import Feature, Scenario, Step

from readiness.evidence import Evidence
from readiness.report.inventory import INFORMATIVE_TAGS, criterion_of, item_key

PROPERTY = "stream5_scenario"
RECORD_KEY = pytest.StashKey["ScenarioRecord"]()


@dataclass
class StepRecord:
    keyword: str
    name: str
    line: int
    status: str = "skipped"  # passed | failed | skipped (not reached)
    duration_s: float = 0.0
    error: str = ""
    _started: float = 0.0


@dataclass
class ScenarioRecord:
    nodeid: str
    feature: str
    feature_file: str
    feature_line: int
    feature_description: str
    name: str
    template: str
    line: int
    tags: list[str]
    steps: list[StepRecord] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    outcome: str = "not run"  # passed | failed | skipped
    message: str = ""
    duration_s: float = 0.0
    target: dict[str, Any] = field(default_factory=dict)
    key: str = ""  # the scenario's place in the feature files (readiness.report.inventory)
    cause: str = ""  # for a failure: the runbook fix it names (readiness.report.causes)

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=str)

    @classmethod
    def from_json(cls, text: str) -> "ScenarioRecord":
        data = json.loads(text)
        data["steps"] = [StepRecord(**s) for s in data["steps"]]
        return cls(**data)

    @property
    def title(self) -> str:
        """The name, with the Examples row when the name alone does not tell the rows apart
        ("The runbook's tables exist [plan_jobs]")."""
        row = self.nodeid.partition("[")[2].removesuffix("]")
        if row.startswith("{"):  # a scenario that did not run is known by its inventory key
            row = "-".join(str(v) for v in json.loads(row).values())
        parts = [part for part in row.split("-") if part]
        if not row or all(part in self.name for part in parts):
            return self.name
        return f"{self.name} [{row}]"

    @property
    def required(self) -> bool:
        """Rehearsals and rollback drills inform; every other scenario is a readiness criterion."""
        return not (INFORMATIVE_TAGS & set(self.tags))

    @property
    def criterion(self) -> str:
        """The key of the criterion it checks, from its `@criterion:` tag."""
        return criterion_of(self.tags)


def record_for_item(item: pytest.Item) -> ScenarioRecord:
    """The scenario's record, made from its feature file (through pytest-bdd's templates) even
    when it is skipped before any step runs: its feature, line and Gherkin steps (not run)."""
    existing = item.stash.get(RECORD_KEY, None)
    if existing is not None:
        return existing
    tags = sorted(
        {m.name for m in item.iter_markers()} - {"parametrize", "usefixtures", "skip", "skipif"}
    )
    record = ScenarioRecord(item.nodeid, "", "", 0, "", item.name, item.name, 0, tags)
    record.key = item_key(item) or ""
    item.stash[RECORD_KEY] = record
    template = _template(item)
    if template is not None:
        callspec = getattr(item, "callspec", None)
        example = callspec.params.get("_pytest_bdd_example") if callspec is not None else None
        _describe(record, template.feature, template.render(example or {}))
        record.template = template.name
    return record


def _template(item: pytest.Item) -> Any:
    from pytest_bdd.scenario import scenario_wrapper_template_registry

    function = getattr(item, "function", None)
    return scenario_wrapper_template_registry.get(function) if function else None


def _describe(record: ScenarioRecord, feature: Feature, scenario: Scenario) -> None:
    """The record's feature, scenario and steps (not run yet), as the feature file has them."""
    record.feature, record.feature_file = feature.name, feature.rel_filename
    record.feature_line, record.feature_description = (
        feature.line_number,
        (feature.description or "").strip(),
    )
    record.name, record.line = scenario.name, scenario.line_number
    record.tags = sorted(set(record.tags) | set(scenario.tags) | set(feature.tags))
    record.steps = [
        StepRecord(step.keyword, step.name, step.line_number) for step in scenario.steps
    ]


def start_scenario(item: pytest.Item, feature: Feature, scenario: Scenario) -> None:
    _describe(record_for_item(item), feature, scenario)


def _step(item: pytest.Item, step: Step) -> StepRecord | None:
    record = item.stash.get(RECORD_KEY, None)
    if record is None:
        return None
    return next(
        (s for s in record.steps if s.line == step.line_number and s.name == step.name), None
    )


def step_started(item: pytest.Item, step: Step) -> None:
    found = _step(item, step)
    if found is not None:
        found._started = time.perf_counter()


def step_finished(item: pytest.Item, step: Step, error: BaseException | None = None) -> None:
    found = _step(item, step)
    if found is not None:
        found.duration_s = time.perf_counter() - found._started
        found.status = "failed" if error is not None else "passed"
        found.error = str(error) if error is not None else ""


def finish(
    record: ScenarioRecord,
    report: pytest.TestReport,
    evidence: Evidence | None,
    message: str,
    cause: str = "",
) -> None:
    if evidence is not None:
        record.evidence = [asdict(item) for item in evidence.items]
    if hasattr(report, "wasxfail"):
        # An expected failure verifies nothing, whether it failed or passed.
        record.outcome = "skipped"
        record.message = f"marked xfail ({report.wasxfail or 'no reason'}): not verified"
    elif report.failed:
        record.outcome, record.message, record.cause = "failed", message, cause
    elif report.skipped:
        record.outcome = "skipped"
        record.message = (
            report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        )
        record.message = record.message.removeprefix("Skipped: ")
    elif report.when == "call":
        record.outcome = "passed"
    record.duration_s += report.duration
