"""Reading the engine log from a file or from a command that prints it."""

import json
from pathlib import Path

import pytest

from readiness.checks import ReadinessFailure
from readiness.target.engine_log import EngineLog

LINES = [
    {"level": "info", "message": "Applied fixed-weight scoring", "job_id": "j1", "total": 0.9},
    {"level": "error", "message": "Plan generation failed", "job_id": "j2"},
]


@pytest.fixture
def log_file(tmp_path: Path) -> Path:
    path = tmp_path / "engine.log"
    path.write_text("".join(json.dumps(line) + "\n" for line in LINES) + "not json, an error\n")
    return path


def test_a_command_reads_the_same_log_as_the_file(log_file: Path) -> None:
    from_file, from_command = EngineLog(path=log_file), EngineLog(command=f"cat '{log_file}'")
    assert from_command.entries() == from_file.entries()
    assert [e["message"] for e in from_command.errors()] == [
        "Plan generation failed",
        "not json, an error",
    ]


def test_a_failing_command_says_so_and_how_to_fix_it() -> None:
    with pytest.raises(ReadinessFailure, match="PLANNING_ENGINE_LOG_COMMAND exited 3: no access"):
        EngineLog(command="echo no access >&2; exit 3").entries()


def test_awaiting_lines_that_never_come_ends_at_the_deadline(log_file: Path) -> None:
    found = EngineLog(path=log_file).await_entries(lambda e: e.get("job_id") == "j9", within_s=0.3)
    assert found == []


def test_awaiting_lines_that_are_there_returns_them_at_once(log_file: Path) -> None:
    found = EngineLog(path=log_file).await_entries(lambda e: e.get("job_id") == "j1", within_s=60)
    assert [e["total"] for e in found] == [0.9]
