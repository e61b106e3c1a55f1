"""The post-deployment athlete profiles reach every branch of fixed-weight-v1 a plan can take.

The score oracle recomputes what the target's scorer stored for the run's test plans; a scorer
wrong only for some shape of plan (a goal above the days available, a plan without a deload
week, 7 days a week, a short plan) passes unless some profile makes a plan of that shape. This
test scores each profile of the feature file's outline, as the reference engine plans it and as
the athlete-ally service stores it, under coverage.py, and fails on any branch of the factor
rules no profile took. Branches only malformed plans reach (no sessions, no target) are marked
in the scorer "unreachable from a generated plan" and left out.
"""

import ast
import inspect
import json
from pathlib import Path
from typing import Any

import coverage
from pytest_bdd.parser import FeatureParser

from planning_engine import scoring
from planning_engine.planner import generate_plan
from planning_engine.profiles.athlete_ally.generator import stored_content
from planning_engine.resources import FOUNDATIONAL_MOVEMENTS, data_file
from readiness.expectations import example_request

FEATURES = Path(__file__).resolve().parents[2] / "features"
FACTOR_RULES = ("_safety", "_compliance", "_performance")
UNREACHABLE = "unreachable from a generated plan"


def _profiles() -> list[dict[str, Any]]:
    feature = FeatureParser(str(FEATURES), "50_post_deployment.feature").parse()
    outline = next(
        s for s in feature.scenarios.values() if "criterion:post_deploy.test_plans" in s.tags
    )
    rows = [row for examples in outline.examples for row in examples.as_contexts()]
    requests = [example_request(row) for row in rows]
    return [request for request in requests if request is not None]


def _library() -> list[dict[str, Any]]:
    movements = json.loads(data_file(FOUNDATIONAL_MOVEMENTS).read_text())["movements"]
    keys = ("movement_id", "name", "category", "recommended_rpe")
    return [{key: movement[key] for key in keys} for movement in movements]


def _rule_lines() -> set[int]:
    """The lines of the factor rules' bodies in scoring.py (their `def` lines ran at import,
    before coverage started)."""
    tree = ast.parse(Path(inspect.getfile(scoring)).read_text())
    return {
        line
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name in FACTOR_RULES
        for line in range(node.body[0].lineno, (node.end_lineno or node.lineno) + 1)
    }


def _score_profiles_under_coverage(tmp_path: Path) -> dict[str, Any]:
    library = _library()
    cov = coverage.Coverage(
        branch=True, include=[inspect.getfile(scoring)], data_file=str(tmp_path / ".coverage")
    )
    cov.exclude(UNREACHABLE)
    cov.start()
    try:
        for request in _profiles():
            plan = generate_plan(request, library)
            scoring.score_plan(plan, request)
            scoring.score_plan(stored_content(plan), request)
    finally:
        cov.stop()
    cov.json_report(outfile=str(tmp_path / "coverage.json"))
    report = json.loads((tmp_path / "coverage.json").read_text())
    return next(iter(report["files"].values()))


def test_every_scorer_branch_is_reached_by_a_profile(tmp_path: Path) -> None:
    measured = _score_profiles_under_coverage(tmp_path)
    rules = _rule_lines()
    missing_lines = sorted(set(measured["missing_lines"]) & rules)
    missing_branches = [b for b in measured["missing_branches"] if b[0] in rules]
    assert not missing_lines and not missing_branches, (
        f"no athlete profile reaches scoring.py lines {missing_lines} or branches "
        f"{missing_branches}: add a row to the outline that does"
    )


def test_the_marked_branches_are_the_only_ones_left_out(tmp_path: Path) -> None:
    """The exclusion cannot hide a rule: only the branches marked for malformed plans are out."""
    source = Path(inspect.getfile(scoring)).read_text().splitlines()
    marked = {n for n, line in enumerate(source, 1) if UNREACHABLE in line}
    assert len(marked) == 7
    assert marked <= _rule_lines()
    measured = _score_profiles_under_coverage(tmp_path)
    assert marked <= set(measured["excluded_lines"])


def test_the_profiles_differ_in_every_shape_the_spec_scores() -> None:
    """Each shape a scorer can get wrong is among the requests, not only in the plans."""
    requests = _profiles()
    goals = [(r["weeklyGoalDays"], r["availabilityDays"]) for r in requests]
    assert any(goal < available for goal, available in goals)
    assert any(goal > available for goal, available in goals)
    assert {min(goal, available) for goal, available in goals} >= {1, 7}
    assert {r["experience"] for r in requests} == {"beginner", "intermediate", "advanced"}
    weeks = {r["durationWeeks"] for r in requests}
    assert min(weeks) < 4 and max(weeks) >= 12 and any(8 <= w < 12 for w in weeks)
    assert any("selectedDaysPerWeek" in r for r in requests)
    assert len(requests) >= 10  # the runbook's "Generate 10+ test plans"
