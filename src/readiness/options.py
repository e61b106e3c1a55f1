"""The suite's options: declared for pytest here, and read by `readiness.config` from pytest's
config or from a command of its own (`watch`) through the same `Options` protocol."""

from dataclasses import dataclass, field
from typing import Any, Protocol

import pytest

from readiness.schema_profiles import profile_names


class Options(Protocol):
    """Where the options come from: pytest's config, or a command of its own (`watch`)."""

    def getoption(self, name: str, default: Any = ...) -> Any: ...


@dataclass
class OptionValues:
    """Options given by a command other than pytest, by pytest's option names."""

    values: dict[str, Any] = field(default_factory=dict)

    def getoption(self, name: str, default: Any = None) -> Any:
        value = self.values.get(name)
        return default if value is None else value


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("readiness", "Stream 5 readiness suite")
    group.addoption(
        "--allow-destructive",
        action="store_true",
        help="run @destructive rollback drills against a target the suite did not start",
    )
    # Read as text and checked in read_config, like their variables: argparse's own error for
    # "--sla-ms fast" is a usage dump, and a number it accepts may still be 0, negative or nan.
    group.addoption(
        "--sla-ms",
        default=None,
        help="time limit for each runbook query (default PLANNING_SLA_MS or 500)",
    )
    group.addoption(
        "--job-deadline",
        default=None,
        help="seconds a test plan may take to complete (default PLANNING_JOB_DEADLINE_S or 60)",
    )
    group.addoption(
        "--schema-profile",
        default=None,
        help="the deployed schema's shape, one of "
        f"{', '.join(profile_names())} (default PLANNING_SCHEMA_PROFILE, else detected from "
        "the target's columns; the embedded target runs the one given, else runbook)",
    )
    group.addoption(
        "--api-profile",
        default=None,
        help="the deployed API's shape, runbook or athlete-ally (default PLANNING_API_PROFILE, "
        "else detected from the target's answers; the embedded target serves the one given, "
        "else runbook, and athlete-ally on the athlete-ally schema)",
    )
    group.addoption(
        "--rehearsal",
        action="store_true",
        help="under CI (CI set), run on the embedded reference engine when no staging is "
        "configured: a rehearsal, never a sign-off (without it such a run exits 4)",
    )
    group.addoption(
        "--deployed-at",
        default=None,
        help="when the release under test went live, ISO 8601 (default PLANNING_DEPLOYED_AT, "
        "else the engine's start on /metrics, else its log's first flag evaluation)",
    )
    group.addoption(
        "--history",
        default=None,
        help="the history file runs are appended to and compared with (default "
        "PLANNING_HISTORY, else REPORTS_DIR/history.sqlite for a staging)",
    )
    group.addoption(
        "--max-duration",
        default=None,
        help="the run's time budget in seconds: scenarios still waiting after it fail and the "
        "verdict is written (default PLANNING_MAX_DURATION or 300)",
    )
