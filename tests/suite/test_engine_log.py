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


# The athlete-ally service's real log (start-up and three scored flows): four formats mixed.
DEPLOYED_LOG = Path(__file__).resolve().parents[1] / "data" / "athlete-ally-engine.log"


def test_the_deployed_services_four_formats_are_read_as_entries() -> None:
    log = EngineLog(path=DEPLOYED_LOG)
    entries = log.entries()
    pino = next(e for e in entries if e["message"] == "connected to planning_db")
    assert (pino["level"], pino["pid"]) == ("info", 2839)
    flag = log.grep("Feature flag override from environment")
    assert len(flag) == 3 and all(e["module"] == "feature-flags" and "value" not in e for e in flag)
    scored = [
        e for e in entries if e["message"] == "Applied fixed-weight scoring to plan candidate"
    ]
    assert next((e["jobId"], e["scoring"]) for e in scored) == (
        "plan-gen-1796285209444-96xi2czlv",
        0.8906,
    )
    crunch = next(e for e in entries if e["message"].startswith("Applied time-crunch"))
    assert (crunch["targetMinutes"], crunch["meetsTimeConstraint"]) == (45, True)  # a 5-line object
    assert [e["message"][:22] for e in log.errors()] == ["Failed to set cache: R"] * 3
    assert log.sampling() is None  # development mode: every info line is kept


def test_a_production_logger_says_a_missing_info_line_proves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "engine.log"
    line = {"level": "warn", "msg": "x", "env": "production", "sampled": True}
    path.write_text(json.dumps(line) + "\n")
    assert "one info line in ten" in (EngineLog(path=path).sampling() or "")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{",
        "}",
        "{ broken",
        "\x00\x01",
        '{"level": 99999999999, "msg": 3}',
        "[1, 2]",
        "{ a: } b",
    ],
)
def test_a_line_the_suite_cannot_parse_is_text_never_an_error_of_the_suite(
    tmp_path: Path, text: str
) -> None:
    path = tmp_path / "engine.log"
    path.write_text(f"{text}\nafter it\n")
    entries = EngineLog(path=path).entries()
    assert all(isinstance(e["message"], str) for e in entries)
    assert entries[-1]["message"] == "after it"


def test_the_prefixes_a_log_command_adds_are_not_part_of_the_line(tmp_path: Path) -> None:
    """`kubectl logs --timestamps --prefix` and `docker logs -t` put these before each line."""
    plain = EngineLog(path=DEPLOYED_LOG).entries()
    prefixed = tmp_path / "prefixed.log"
    prefixed.write_text(
        "".join(
            f"[pod/planning-engine-7d9/engine] 2026-12-03T08:06:47.828123456Z {line}\n"
            for line in DEPLOYED_LOG.read_text().splitlines()
        )
    )
    shipped = EngineLog(path=prefixed).entries()
    assert [{k: v for k, v in e.items() if k != "shipped_at"} for e in shipped] == plain
    assert {e["shipped_at"] for e in shipped} == {"2026-12-03T08:06:47.828123456Z"}
    docker = tmp_path / "docker.log"
    docker.write_text(
        "2026-12-03T08:06:47+00:00 { jobId: 'j1', scoring: 0.5 } Applied fixed-weight scoring to plan candidate\n"
    )
    (entry,) = EngineLog(path=docker).entries()
    assert (entry["jobId"], entry["scoring"]) == ("j1", 0.5)
