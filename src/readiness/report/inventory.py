"""Every scenario the runbook's feature files define: what a GO must have seen run and pass.

The verdict is decided against this list, read from the feature files themselves, and not
against what pytest happened to collect: a scenario dropped by `-k`, `-m`, `--deselect`, a node
id, `--lf` or a run stopped early is then "not verified" instead of silently missing.
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_bdd.parser import FeatureParser

# Rehearsals, rollback drills, troubleshooting paths and hardening checks (beyond the runbook,
# needing what a target may not give) inform; every other scenario is a readiness criterion. A
# failed informative scenario is still NO-GO: only one that could not run does not block GO.
INFORMATIVE_TAGS = frozenset({"rehearsal", "rollback", "troubleshooting", "hardening"})
# A scenario names the criterion it checks with a tag (`@criterion:phase4.persisted`): the
# checklist, the fault matrix and the reports refer to it by that key, not by its title.
CRITERION_TAG = "criterion:"


def criterion_of(tags: Iterable[str]) -> str:
    """The criterion key among a scenario's tags ("" for a scenario that declares none)."""
    return next((t.removeprefix(CRITERION_TAG) for t in tags if t.startswith(CRITERION_TAG)), "")


@dataclass(frozen=True)
class PlannedScenario:
    """One scenario (one Examples row of an outline) as the feature file defines it."""

    key: str
    feature: str
    feature_file: str
    name: str
    template: str
    line: int
    tags: tuple[str, ...]

    @property
    def required(self) -> bool:
        return not INFORMATIVE_TAGS & set(self.tags)

    @property
    def criterion(self) -> str:
        return criterion_of(self.tags)


def scenario_key(feature_file: str, line: int, example: Mapping[str, Any] | None) -> str:
    """The same key for a feature file's scenario and for the pytest item that runs it."""
    row = f"[{json.dumps(dict(example), sort_keys=True)}]" if example else ""
    return f"{Path(feature_file).name}:{line}{row}"


def read_inventory(features_dir: Path) -> list[PlannedScenario]:
    """Every scenario of every `*.feature` file under `features_dir`, in file and line order."""
    planned = []
    for path in sorted(features_dir.glob("*.feature")):
        feature = FeatureParser(str(features_dir), path.name).parse()
        for template in sorted(feature.scenarios.values(), key=lambda s: s.line_number):
            contexts: list[dict[str, str] | None] = [
                context for examples in template.examples for context in examples.as_contexts()
            ] or [None]
            tags = tuple(sorted(template.tags | feature.tags))
            for context in contexts:
                planned.append(
                    PlannedScenario(
                        key=scenario_key(path.name, template.line_number, context),
                        feature=feature.name or path.stem,
                        feature_file=path.name,
                        name=template.render(context or {}).name,
                        template=template.name,
                        line=template.line_number,
                        tags=tags,
                    )
                )
    return planned


def _template_and_row(item: Any) -> tuple[Any, Any]:
    """The pytest-bdd scenario template a test item runs (None for any other test), and its
    pytest parameters (an outline's Examples row)."""
    from pytest_bdd.scenario import scenario_wrapper_template_registry

    function = getattr(item, "function", None)
    template = scenario_wrapper_template_registry.get(function) if function else None
    return template, getattr(item, "callspec", None)


def item_criterion(item: Any) -> str:
    """The criterion a scenario item checks, with its Examples row for an outline's
    (`phase1.tables[plan_jobs]`, the row as pytest names it); "" for any other test."""
    template, callspec = _template_and_row(item)
    if template is None:
        return ""
    key = criterion_of(template.tags | template.feature.tags)
    return f"{key}[{callspec.id}]" if key and callspec is not None else key


def item_key(item: Any) -> str | None:
    """The inventory key of a pytest-bdd scenario item, or None for any other test."""
    template, callspec = _template_and_row(item)
    if template is None:
        return None
    example = callspec.params.get("_pytest_bdd_example") if callspec is not None else None
    return scenario_key(template.feature.filename, template.line_number, example)
