"""A readiness run as the history keeps it: appended once its verdict is known."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from readiness.config import SuiteConfig
from readiness.history.store import FILE_NAME, RUN, Entry, target_key
from readiness.report.verdict import Verdict

# The identity keys worth keeping (the measurements are kept on their own).
IDENTITY_KEPT = (
    "target_mode",
    "target_url",
    "database",
    "engine_version",
    "schema_profile",
    "api_profile",
    "suite_version",
    "git_commit",
    "deployed_at_source",
)


def run_entry(verdict: Verdict, identity: dict[str, Any]) -> Entry:
    return Entry(
        kind=RUN,
        target=key_of(identity),
        started=str(identity.get("started") or datetime.now(UTC).isoformat(timespec="seconds")),
        verdict=verdict.decision,
        deployed_at=identity.get("deployed_at"),
        identity={k: identity.get(k) for k in IDENTITY_KEPT},
        criteria={record.title: record.outcome for record in verdict.records},
        measured=identity.get("measured") or {},
    )


def key_of(identity: dict[str, Any]) -> str:
    """The target as the history knows it: a staging by its API and (masked) database; the
    embedded engine, new at every run, as one target."""
    if identity.get("target_mode", identity.get("mode")) == "embedded":
        return target_key(None, None)
    return target_key(
        identity.get("target_url") or identity.get("api_url"), identity.get("database")
    )


def reports_dir(config: pytest.Config) -> Path:
    return Path(str(config.getoption("reports_dir"))).resolve()


def history_path(reports: Path, suite: SuiteConfig) -> Path | None:
    """--history / PLANNING_HISTORY, else the reports folder's history.sqlite for a staging.
    A rehearsal on the embedded target keeps none unless asked: its target is new every run."""
    if suite.history is not None:
        return suite.history
    return None if suite.embedded else reports / FILE_NAME
