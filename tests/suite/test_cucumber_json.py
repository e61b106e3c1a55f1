"""cucumber.json is what Cucumber report tools read: one feature per feature file, by its
relative path, and every scenario with its real Gherkin steps, those of a skipped scenario
marked skipped. Checked against the format's schema on the embedded target, on a staging (where
the controlled and destructive scenarios are skipped) and under pytest-xdist."""

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from support.suite_runner import REPO, run_suite

SCHEMA = json.loads((REPO / "tests" / "data" / "cucumber-json.schema.json").read_text())
FEATURE_FILES = sorted(f"features/{p.name}" for p in (REPO / "features").glob("*.feature"))


def _checked(tmp_path: Path, env: dict[str, str], *args: str) -> list[dict[str, Any]]:
    run = run_suite(tmp_path, env, *args)
    assert run.exit_code == 0, run.output[-3000:]
    document = json.loads((tmp_path / "reports" / "cucumber.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, SCHEMA)
    assert sorted(feature["uri"] for feature in document) == FEATURE_FILES
    return document


def _scenarios(document: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [scenario for feature in document for scenario in feature["elements"]]


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["one process", "xdist"])
def test_cucumber_json_on_the_embedded_target(tmp_path: Path, workers: tuple[str, ...]) -> None:
    document = _checked(tmp_path, {}, *workers)
    statuses = {s["result"]["status"] for sc in _scenarios(document) for s in sc["steps"]}
    assert statuses == {"passed"}


def test_skipped_scenarios_keep_their_feature_and_steps_on_a_staging(
    tmp_path: Path, staging_env: dict[str, str]
) -> None:
    document = _checked(tmp_path, staging_env, "--allow-incomplete")
    skipped = [
        scenario
        for scenario in _scenarios(document)
        if all(step["result"]["status"] == "skipped" for step in scenario["steps"])
    ]
    assert skipped, "the staging run skipped nothing: the controlled scenarios should be"
    for scenario in skipped:
        assert scenario["description"], scenario["name"]  # why it was skipped
        assert all(not step["keyword"].startswith("*") for step in scenario["steps"])
    drill = next(s for s in skipped if s["name"].startswith("Turning the scoring flag off"))
    assert [step["keyword"].strip() for step in drill["steps"]][:2] == ["Given", "Given"]
