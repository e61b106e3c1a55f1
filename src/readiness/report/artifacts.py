"""The machine-readable artifacts CI keeps: cucumber.json, verdict.json (in-toto), announcement.md."""

import hashlib
import json
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from readiness.expectations import EXPECTED_MOVEMENT_COUNT, SCORING_VERSION
from readiness.report.html import scored_plans
from readiness.report.scenario_record import ScenarioRecord
from readiness.report.verdict import GO, INCOMPLETE, Verdict

IN_TOTO_STATEMENT = "https://in-toto.io/Statement/v1"
TEST_RESULT_PREDICATE = "https://in-toto.io/attestation/test-result/v0.1"
_RESULT = {GO: "PASSED", INCOMPLETE: "WARNED"}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _example(record: ScenarioRecord) -> str:
    """The Examples row of an outline scenario, as pytest names it (`[movement_library]`)."""
    return record.nodeid.partition("[")[2].removesuffix("]")


def scenario_titles(records: list[ScenarioRecord]) -> dict[str, str]:
    """`Feature: Scenario` per record; outline rows whose titles repeat get their Examples row."""
    base = {r.nodeid: f"{r.feature}: {r.name}" for r in records}
    seen = Counter(base.values())
    return {
        r.nodeid: f"{base[r.nodeid]} [{_example(r)}]"
        if seen[base[r.nodeid]] > 1
        else base[r.nodeid]
        for r in records
    }


def _digest(document: Any) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def cucumber(records: list[ScenarioRecord]) -> list[dict[str, Any]]:
    """Cucumber JSON built from our own records, so it is complete under pytest-xdist too."""
    features: dict[str, list[ScenarioRecord]] = defaultdict(list)
    # In file and line order, whatever order pytest-xdist's workers finished them in.
    for record in sorted(records, key=lambda r: (r.feature_file or r.feature, r.line, r.nodeid)):
        features[record.feature_file or record.feature].append(record)
    document = []
    for uri, scenarios in features.items():
        first = scenarios[0]
        document.append(
            {
                "keyword": "Feature",
                "uri": uri,
                "name": first.feature,
                "id": _slug(first.feature),
                "line": first.feature_line,
                "description": first.feature_description,
                "tags": [
                    {"name": f"@{t}", "line": first.feature_line}
                    for t in sorted(set.intersection(*(set(s.tags) for s in scenarios)))
                ],
                "elements": [_scenario(s) for s in scenarios],
            }
        )
    return document


def _scenario(record: ScenarioRecord) -> dict[str, Any]:
    steps = [
        {
            "keyword": f"{step.keyword} ",
            "name": step.name,
            "line": step.line,
            "result": {
                "status": step.status,
                "duration": int(step.duration_s * 1e9),
                **({"error_message": step.error} if step.error else {}),
            },
        }
        for step in record.steps
    ]
    return {
        "keyword": "Scenario",
        "type": "scenario",
        "id": f"{_slug(record.feature)};{_slug(record.name)}"
        + (f";;{_slug(_example(record))}" if _example(record) else ""),
        "name": record.name,
        "line": record.line,
        "tags": [{"name": f"@{t}", "line": record.line} for t in record.tags],
        "steps": steps,
        # A scenario skipped before its first step: its steps are all "skipped", and why is
        # the scenario's description, where Cucumber report viewers show it.
        **({"description": record.message} if record.outcome == "skipped" else {}),
    }


def verdict_statement(verdict: Verdict, identity: dict[str, Any], exit_code: int) -> dict[str, Any]:
    """An in-toto Statement v1 carrying a test-result predicate, plus the runbook criteria.

    The subject is the deployment under test: its URL, database and engine version, digested
    (sha256 of their canonical JSON) so that two runs against the same deployment name the same
    subject. The configuration is this suite: its package URL and git commit."""
    names = scenario_titles(verdict.records)
    deployment = {
        "target_url": identity.get("target_url") or "embedded-target",
        "database": identity.get("database"),
        "engine_version": identity.get("engine_version"),
    }
    suite: dict[str, Any] = {
        "name": "stream5-readiness",
        "uri": f"pkg:pypi/stream5-readiness@{identity.get('suite_version')}",
    }
    if identity.get("git_commit") not in (None, "", "unknown"):
        suite["digest"] = {"gitCommit": identity["git_commit"]}
    predicate: dict[str, Any] = {
        "result": _RESULT.get(verdict.decision, "FAILED"),
        "configuration": [suite],
    }
    if identity.get("url"):
        predicate["url"] = identity["url"]

    def tests(*outcomes: str) -> list[str]:
        return sorted(names[r.nodeid] for r in verdict.records if r.outcome in outcomes)

    return {
        "_type": IN_TOTO_STATEMENT,
        "subject": [
            {
                "name": deployment["target_url"],
                "digest": {"sha256": _digest(deployment)},
                "annotations": {**deployment, "mode": identity.get("target_mode")},
            }
        ],
        "predicateType": TEST_RESULT_PREDICATE,
        "predicate": {
            **predicate,
            "passedTests": tests("passed"),
            "failedTests": tests("failed"),
            "warnedTests": tests("skipped", "not run"),
            "verdict": verdict.decision,
            "exitCode": exit_code,
            **({"interrupted": verdict.interrupted} if verdict.interrupted else {}),
            "deployedAt": {
                "at": identity.get("deployed_at"),
                "source": identity.get("deployed_at_source"),
            },
            "causes": [
                {"cause": c.title, "scenarios": c.count, "finding": c.finding, "fix": c.fix}
                for c in verdict.causes
            ],
            "counts": {
                "passed": verdict.passed,
                "failed": verdict.failed,
                "incomplete": verdict.incomplete,
            },
            "criteria": [
                {
                    "section": o.section,
                    "item": o.item.text,
                    "required": o.required,
                    "status": o.status,
                    "scenarios": sorted({r.name for r in o.scenarios}),
                    **({"reasons": o.reasons} if o.reasons else {}),
                }
                for o in verdict.items
            ],
            "target": identity,
        },
    }


def announcement(verdict: Verdict, identity: dict[str, Any], page: str = "signoff.html") -> str:
    """The runbook's Deployment Announcement Template, filled in from this run (GO only)."""
    plans = scored_plans(verdict.records)
    return f"""Subject: Stream 5 (Movement Seeding + Scoring) Deployed to Staging

Team,

Stream 5 features have been successfully deployed to staging ({identity.get("target_url")}):

✅ Movement library seeded ({EXPECTED_MOVEMENT_COUNT} foundational movements)
✅ Plan quality scoring enabled ({SCORING_VERSION})
✅ Contract validation passing ({len(plans)} scored test plans validated)
✅ All verification checks passed ({verdict.passed} scenarios, readiness verdict GO)

Available for testing:
- POST /api/plans/generate (now includes scoring in response)
- Movement library data in the planning database ({identity.get("database")})

Documentation:
- Scoring Contract: docs/SCORING_FIXED_WEIGHT_V1.md
- Readiness runbook: docs/STAGING_DEPLOYMENT_READINESS.md
- Sign-off report: {page} (suite {identity.get("suite_version")}, commit {identity.get("git_commit")})

Next steps:
- QA validation
- Frontend integration (CoachTip, Weekly Review)
- Production rollout planning

Questions? Contact: {identity.get("by")}

Verified on {datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")} by the Stream 5 readiness suite.
"""


def write_json(path: Path, document: Any) -> None:
    path.write_text(json.dumps(document, indent=2, default=str), encoding="utf-8")
