"""Hostile and malformed movement files: a clear error naming record and field, exit 1, nothing written."""

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from engine_sandbox.synthetic_movements import synthetic_movement, synthetic_movements
from planning_engine import movement_file
from planning_engine.movement_file import MovementFile
from planning_engine.profiles.runbook import importer
from planning_engine.resources import (
    FOUNDATIONAL_MOVEMENTS,
    MOVEMENT_SCHEMA,
    data_file,
    load_schema,
)
from support.database import audit_actions, table_counts

NOTHING = {"movement_library": 0, "movement_staging": 0, "movement_audit_log": 0}


# The reference reading of the movement schema, against which the engine's validator is held.
_JSONSCHEMA = Draft202012Validator(load_schema(MOVEMENT_SCHEMA))


def _accepted_by_engine(record: Any) -> bool:
    return movement_file.is_valid(record) and not movement_file.value_problems("", record)


def _accepted_by_jsonschema(record: Any) -> bool:
    """jsonschema lets NaN and a slug ending in a newline (Python's `$`) through the schema; the
    engine's value checks refuse them either way."""
    return _JSONSCHEMA.is_valid(record) and not movement_file.value_problems("", record)


def _movements() -> list[dict[str, Any]]:
    return json.loads(data_file(FOUNDATIONAL_MOVEMENTS).read_text())["movements"]


def _json(change: Callable[[list[dict[str, Any]]], Any]) -> str:
    movements = _movements()
    result = change(movements)
    return json.dumps(movements if result is None else result)


def _set(index: int, **fields: Any) -> Callable[[list[dict[str, Any]]], None]:
    return lambda m: m[index].update(fields)


CSV_HEADER = "movement_id,name,category,modalities,recommended_rpe\n"

CASES: dict[str, tuple[str, str, str]] = {
    # name: (file suffix, content, expected text in the error)
    "truncated JSON": (".json", json.dumps({"movements": _movements()})[:500], "is not valid JSON"),
    "empty file": (".json", "", "is empty"),
    "whitespace only": (".json", "   \n  ", "is not valid JSON: Expecting value at line 2"),
    "a number at the top": (".json", "42", "neither a list of movements"),
    "a record that is not an object": (
        ".json",
        json.dumps(["back-squat"]),
        'movements[0]: "back-squat" is not of type "object"',
    ),
    "RPE as a string": (
        ".json",
        _json(_set(0, recommended_rpe="8")),
        'movements[0] (back-squat).recommended_rpe: "8" is not of type "number"',
    ),
    "RPE zero": (
        ".json",
        _json(_set(1, recommended_rpe=0)),
        "movements[1] (bench-press).recommended_rpe",
    ),
    "RPE above 10": (
        ".json",
        _json(_set(2, recommended_rpe=10.5)),
        "movements[2] (deadlift).recommended_rpe",
    ),
    "no modalities": (".json", _json(_set(3, modalities=[])), "movements[3] (pull-up).modalities"),
    "modalities not a list": (
        ".json",
        _json(_set(3, modalities="barbell")),
        "movements[3] (pull-up).modalities",
    ),
    "name too long": (
        ".json",
        _json(_set(4, name="X" * 121)),
        "movements[4] (overhead-press).name",
    ),
    "empty name": (".json", _json(_set(4, name="")), "movements[4] (overhead-press).name"),
    "cue too long": (
        ".json",
        _json(lambda m: m[0]["instructions"]["cues"].append("c" * 201)),
        "movements[0] (back-squat).instructions.cues[3]",
    ),
    "unknown field": (
        ".json",
        _json(_set(5, colour="red")),
        "movements[5] (box-jump): unknown field(s): 'colour'",
    ),
    "unknown nested field": (
        ".json",
        _json(lambda m: m[5]["metadata"].update(tempo="fast")),
        "movements[5] (box-jump).metadata: unknown field(s): 'tempo'",
    ),
    "duplicate id": (
        ".json",
        _json(_set(6, movement_id="back-squat")),
        "movements[6] (back-squat).movement_id: duplicate of movements[0]",
    ),
    "duplicate name, other case": (
        ".json",
        _json(_set(7, name="back squat")),
        "movements[7] (assault-bike).name: 'back squat' duplicates movements[0]",
    ),
    "SQL-looking movement id": (
        ".json",
        _json(_set(0, movement_id="x'); DROP TABLE movement_library;--")),
        "movements[0] (x'); DROP TABLE movement_library;--).movement_id",
    ),
    "unicode movement id": (
        ".json",
        _json(_set(0, movement_id="bäck-squat")),
        "movements[0] (bäck-squat).movement_id",
    ),
    "unicode-heavy name too long": (
        ".json",
        _json(_set(1, name="🏋️" * 61)),
        "movements[1] (bench-press).name",
    ),
    "unknown category": (
        ".json",
        _json(_set(2, category="yoga")),
        'movements[2] (deadlift).category: "yoga" is not one of',
    ),
    "invalid difficulty": (
        ".json",
        _json(lambda m: m[2]["metadata"].update(difficulty="elite")),
        "movements[2] (deadlift).metadata.difficulty",
    ),
    "CSV broken quoting": (
        ".csv",
        CSV_HEADER + 'back-squat,"Back Squat,strength,barbell,8\n',
        "not valid CSV",
    ),
    "CSV extra cells": (
        ".csv",
        CSV_HEADER + "back-squat,Back Squat,strength,barbell,8,surplus\n",
        "movements[0]: more cells than header columns",
    ),
    "CSV RPE not a number": (
        ".csv",
        CSV_HEADER + "back-squat,Back Squat,strength,barbell,hard\n",
        "movements[0].recommended_rpe: 'hard' is not a number",
    ),
    "RPE NaN": (
        ".json",
        _json(_set(3, recommended_rpe=float("nan"))),
        "movements[3] (pull-up).recommended_rpe: nan is not a number",
    ),
    "CSV RPE NaN": (
        ".csv",
        CSV_HEADER + "back-squat,Back Squat,strength,barbell,nan\n",
        "movements[0] (back-squat).recommended_rpe: nan is not a number",
    ),
    "RPE finer than the library keeps": (
        ".json",
        _json(_set(0, recommended_rpe=7.25)),
        "movements[0] (back-squat).recommended_rpe: 7.25 has more than one decimal",
    ),
    "blank name": (
        ".json",
        _json(_set(4, name="   ")),
        "movements[4] (overhead-press).name: is blank",
    ),
    "not UTF-8": (".json", "", "is not UTF-8"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_malformed_file_is_refused_and_writes_nothing(
    case: str, engine_cli, dsn: str, db: psycopg.Connection, tmp_path: Path
) -> None:
    suffix, content, expected = CASES[case]
    path = tmp_path / f"movements{suffix}"
    if case == "not UTF-8":
        path.write_bytes(b'{"movements": [{"name": "\xff\xfe"}]}')
    else:
        path.write_text(content, encoding="utf-8")
    result = engine_cli("import-movements", "--file", str(path), "--dsn", dsn)
    assert result.code == 1
    assert expected in result.err, result.err
    assert "Traceback" not in result.err
    assert table_counts(db) == NOTHING


def test_a_sql_looking_name_is_stored_as_text(
    engine_cli, dsn: str, db: psycopg.Connection, tmp_path: Path
) -> None:
    name = "Robert'); DROP TABLE movement_library;--"
    path = tmp_path / "movements.json"
    path.write_text(_json(_set(0, name=name)))
    assert engine_cli("import-movements", "--file", str(path), "--dsn", dsn).code == 0
    assert db.execute(
        "SELECT name FROM movement_library WHERE movement_id = 'back-squat'"
    ).fetchone() == (name,)


# Each seeder imports the engine, says it is ready, then waits for the go file: the four
# imports start within a millisecond of each other, not a process start-up apart.
_SEED_AT_GO = """
import sys, time
from pathlib import Path
from planning_engine.cli import main
ready, go, dsn = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
ready.touch()
while not go.exists():
    time.sleep(0.001)
sys.exit(main(["seed", "--dsn", dsn]))
"""


def test_four_seeders_at_once_on_an_empty_database(
    dsn: str, db: psycopg.Connection, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{n}" for n in range(4)]
    seeders = [
        subprocess.Popen(
            [sys.executable, "-c", _SEED_AT_GO, str(flag), str(go), dsn],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for flag in ready
    ]
    deadline = time.monotonic() + 30
    while not all(flag.exists() for flag in ready):
        assert time.monotonic() < deadline, "the seeders never got ready"
        time.sleep(0.005)
    go.touch()
    for process in seeders:
        process.communicate(timeout=60)  # drains and closes its pipes
    assert [process.returncode for process in seeders] == [0, 0, 0, 0]
    assert table_counts(db)["movement_library"] == 8
    assert audit_actions(db) == {"imported": 8, "published": 8}


def test_a_seed_killed_mid_import_leaves_the_old_state(
    engine_cli, dsn: str, db: psycopg.Connection, tmp_path: Path
) -> None:
    engine_cli("seed", "--dsn", dsn)
    big = tmp_path / "big.json"
    big.write_text(json.dumps(synthetic_movements(60_000)))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "planning_engine.cli",
            "import-movements",
            "--file",
            str(big),
            "--dsn",
            dsn,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    # Wait until its uncommitted rows take space on disk: it is inside its transaction, writing.
    staged_bytes = "SELECT pg_relation_size('movement_staging')"
    before = db.execute(staged_bytes).fetchone()[0]  # type: ignore[index]
    while db.execute(staged_bytes).fetchone()[0] < before + 1_000_000:  # type: ignore[index]
        assert process.poll() is None and time.monotonic() < deadline, (
            "the import ended before it could be killed"
        )
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    db.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'planning-engine'"
    )
    deadline = time.monotonic() + 10
    while db.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").fetchone()[0]:  # type: ignore[index]
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert table_counts(db)["movement_library"] == 8
    assert audit_actions(db) == {"imported": 8, "published": 8}


def _parses(content: str) -> bool:
    try:
        json.loads(content)
    except json.JSONDecodeError:
        return False
    return True


def _records(text: str) -> list[object]:
    """The records of a JSON movement file's text: none for one that holds no list of them."""
    document = json.loads(text)
    records = document.get("movements", []) if isinstance(document, dict) else document
    return records if isinstance(records, list) else []


@pytest.mark.parametrize(
    "case",
    [
        c
        for c, (suffix, text, _) in CASES.items()
        if suffix == ".json" and _parses(text) and _records(text)
    ],
)
def test_the_validator_agrees_with_jsonschema(case: str) -> None:
    """jsonschema-rs judges every record of a hostile file as jsonschema, the reference
    implementation the scoring contract uses, does. Only the cases that hold records are here:
    a case with none would check nothing."""
    records = _records(CASES[case][1])
    assert records
    for record in records:
        assert _accepted_by_engine(record) == _accepted_by_jsonschema(record), record


# --- hostile content: one clear error, a ledger row and a log line, never a traceback ----------


def _with_text(old: str, new: str) -> str:
    """The foundational file with one piece of its JSON text replaced (escapes included)."""
    text = json.dumps(_movements())
    assert old in text
    return text.replace(old, new, 1)


_CSV_WITH_INSTRUCTIONS = "movement_id,name,category,modalities,recommended_rpe,instructions\n"
HOSTILE: dict[str, tuple[str, str, str]] = {
    # name: (file suffix, content, expected text in the error)
    "JSON nested 2,000 levels": (
        ".json",
        "[" * 2000 + "]" * 2000,
        "the value at line 1, column 2 nests arrays or objects more than 32 levels deep",
    ),
    "a field nested 3,000 levels": (
        ".json",
        _with_text(
            '"tags": ["lower-body"', '"tags": [' + "[" * 3000 + "]" * 3000 + ', "lower-body"'
        ),
        "nests arrays or objects more than 32 levels deep",
    ),
    "a field nested 100 levels": (
        ".json",
        _with_text('"tags": ["lower-body"', '"tags": [' + "[" * 100 + "]" * 100 + ', "lower-body"'),
        "movements[0] (back-squat).tags[0][0][0]",
    ),
    "a CSV instructions cell nested 2,000 levels": (
        ".csv",
        _CSV_WITH_INSTRUCTIONS + 'a-b,A B,strength,barbell,8,"' + "[" * 2000 + "]" * 2000 + '"\n',
        "movements[0].instructions: nested more than 32 levels",
    ),
    "a lone surrogate in a name": (
        ".json",
        _with_text('"Back Squat"', '"Back \\ud800 Squat"'),
        "movements[0] (back-squat).name: holds a lone surrogate \\ud800",
    ),
    "a lone surrogate in a movement id": (
        ".json",
        _with_text('"back-squat"', '"back-\\udfff"'),
        "movements[0] (back-\\udfff).movement_id: holds a lone surrogate \\udfff",
    ),
    "a lone surrogate in a field name": (
        ".json",
        _with_text('"category"', '"\\ud83d": 1, "category"'),
        "movements[0] (back-squat): a field name holds a lone surrogate \\ud83d",
    ),
    "a NUL character in a name": (
        ".json",
        _with_text('"Back Squat"', '"Back \\u0000 Squat"'),
        "movements[0] (back-squat).name: holds a NUL character",
    ),
    "a 5,000-digit number": (
        ".json",
        _with_text('"recommended_rpe": 8', '"recommended_rpe": ' + "9" * 5000),
        "has 5000 digits (at most 4300 are accepted)",
    ),
    "a 5,000-digit number in a CSV cell": (
        ".csv",
        _CSV_WITH_INSTRUCTIONS + 'a-b,A B,strength,barbell,8,"{""setup"": ' + "9" * 5000 + '}"\n',
        "movements[0].instructions: holds a number of 5000 digits",
    ),
    "a movement id ending in a newline": (
        ".json",
        _with_text('"back-squat"', '"back-squat\\n"'),
        'movements[0] (back-squat\\n).movement_id: "back-squat\\n" does not match',
    ),
    "two movements lists": (
        ".json",
        '{"movements": [], "movements": []}',
        "has more than one 'movements' list",
    ),
    "garbage after the document": (
        ".json",
        json.dumps(_movements()) + " ]",
        "is not valid JSON: Extra data at line 1",
    ),
    "a missing comma between records": (
        ".json",
        "[" + json.dumps(_movements()[0]) + json.dumps(_movements()[1]) + "]",
        "is not valid JSON: Expecting ',' delimiter at line 1",
    ),
}


def _log_entries(log_file: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log_file.read_text().splitlines()]


def _runs(conn: psycopg.Connection) -> list[tuple[bool, str | None]]:
    return conn.execute(
        "SELECT succeeded, error FROM movement_import_runs ORDER BY run_id"
    ).fetchall()


@pytest.mark.parametrize("case", HOSTILE)
def test_a_hostile_file_is_one_clear_error_a_ledger_row_and_a_log_line(
    case: str, engine_cli, dsn: str, db: psycopg.Connection, tmp_path: Path, monkeypatch
) -> None:
    suffix, content, expected = HOSTILE[case]
    log_file = tmp_path / "engine.log"
    monkeypatch.setenv("PLANNING_ENGINE_LOG_FILE", str(log_file))
    path = tmp_path / f"movements{suffix}"
    path.write_text(content, encoding="utf-8")
    result = engine_cli("import-movements", "--file", str(path), "--dsn", dsn)
    assert result.code == 1
    assert expected in result.err, result.err
    assert "Traceback" not in result.err and len(result.err.splitlines()) < 10
    assert table_counts(db) == NOTHING
    ((succeeded, error),) = _runs(db)
    assert succeeded is False and error
    (entry,) = [e for e in _log_entries(log_file) if e["message"] == "Movement import"]
    assert entry["level"] == "error" and entry["errors"] >= 1 and entry["source"] == path.name


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[" * 3000 + "]" * 3000, "nests arrays or objects more than 32 levels deep"),
        ('{"jobId": "\\ud800", "resultData": {}}', "$.jobId: holds a lone surrogate \\ud800"),
        ('{"total": ' + "1" * 5000 + "}", "holds a number of 5000 digits at line 1, column 11"),
        ('{"a": ' * 100 + "1" + "}" * 100, "nested more than 32 levels deep"),
    ],
    ids=["nested-3000", "lone-surrogate", "5000-digits", "nested-100"],
)
def test_validate_scoring_refuses_hostile_json_clearly(
    engine_cli, tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "payloads.json"
    path.write_text(content)
    result = engine_cli("validate-scoring", "--file", str(path))
    assert result.code == 1
    assert expected in result.err, result.err
    assert "Traceback" not in result.err


def test_validate_scoring_refuses_a_file_above_the_size_limit(
    engine_cli, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("PLANNING_IMPORT_MAX_BYTES", "100")
    path = tmp_path / "payloads.json"
    path.write_text("[" + "{}," * 100 + "{}]")
    result = engine_cli("validate-scoring", "--file", str(path))
    assert result.code == 1 and "above the import limit of 100 bytes" in result.err


def test_errors_are_listed_up_to_fifty_and_counted_in_full(
    engine_cli, dsn: str, db: psycopg.Connection, tmp_path: Path, monkeypatch
) -> None:
    """The issue's 5 MB of [{},{},...] wrote 8.7 million lines; 200,000 records here."""
    log_file = tmp_path / "engine.log"
    monkeypatch.setenv("PLANNING_ENGINE_LOG_FILE", str(log_file))
    path = tmp_path / "empties.json"
    path.write_text("[" + ",".join(["{}"] * 200_000) + "]")
    result = engine_cli("import-movements", "--file", str(path), "--dsn", dsn)
    assert result.code == 1
    lines = [line for line in result.err.splitlines() if not line.startswith("{")]  # log lines
    assert (
        lines[0] == "error: empties.json: 200000 of 200000 record(s) invalid, nothing was imported"
    )
    listed = [line for line in lines if line.startswith("  - movements[")]
    assert len(listed) == 50 and 'movements[0]: "movement_id" is a required property' in lines[1]
    assert "only the first 50 problems are listed (200000 of 200000 records are invalid)" in (
        result.err
    )
    assert len(lines) <= 53
    (entry,) = [e for e in _log_entries(log_file) if e["message"] == "Movement import"]
    assert entry["errors"] == 200_000
    assert _runs(db) == [
        (
            False,
            "empties.json: 200000 of 200000 record(s) invalid, nothing was "
            "imported: correct the listed records; nothing was written",
        )
    ]


# A small process runs the command and reports its peak RSS: measured from pytest's (large)
# process, wait4's ru_maxrss would include what pytest held when it forked.
_MEASURE = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:]).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
sys.exit(code)
"""


def _cli_process(*args: str) -> tuple[int, str, float, float]:
    """`planning-engine ARGS` as its own process: (exit code, stderr, seconds, peak RSS MB)."""
    import os

    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, sys.executable, "-m", "planning_engine.cli", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PLANNING_ENGINE_LOG_FILE": os.devnull},
        check=False,
    )
    lines = done.stderr.decode().splitlines()
    rss_mb = int(lines.pop()) / 1024
    return done.returncode, "\n".join(lines), time.monotonic() - start, rss_mb


def test_five_megabytes_of_empty_records_cost_little_time_and_memory(
    dsn: str, tmp_path: Path
) -> None:
    path = tmp_path / "empties.json"
    path.write_text("[" + ",".join(["{}"] * 1_666_666) + "]")
    code, err, seconds, rss_mb = _cli_process("import-movements", "--file", str(path), "--dsn", dsn)
    assert code == 1 and "1666666 of 1666666 record(s) invalid" in err
    assert len(err.splitlines()) < 60
    assert seconds < 30 and rss_mb < 200, (seconds, rss_mb)


def test_a_large_valid_csv_imports_and_reimports_in_bounded_memory(
    dsn: str, db: psycopg.Connection, tmp_path: Path
) -> None:
    """100,000 minimal rows: ten chunks through the publisher; the issue's 1M-row CSV ended in
    a statement timeout after 90 s and 1.84 GB (benchmarks/large_imports.py runs that one)."""
    path = tmp_path / "movements.csv"
    rows = (f"m{i:06d},Movement {i:06d},strength,barbell,{1 + i % 10}\n" for i in range(100_000))
    path.write_text("movement_id,name,category,modalities,recommended_rpe\n" + "".join(rows))
    code, err, seconds, rss_mb = _cli_process("import-movements", "--file", str(path), "--dsn", dsn)
    assert code == 0, err
    assert seconds < 60 and rss_mb < 300, (seconds, rss_mb)
    assert table_counts(db)["movement_library"] == 100_000
    assert audit_actions(db) == {"imported": 100_000, "published": 100_000}
    code, err, _, _ = _cli_process("import-movements", "--file", str(path), "--dsn", dsn)
    assert code == 0, err
    assert audit_actions(db) == {"imported": 100_000, "published": 100_000}
    assert db.execute("SELECT max(version) FROM movement_library").fetchone() == (1,)


# --- chunk boundaries: all or nothing across the publisher's chunks ---------------------------


@pytest.fixture
def small_chunks(monkeypatch) -> None:
    """Three records a chunk, so that the eight foundational movements span three chunks."""
    monkeypatch.setattr("planning_engine.profiles.runbook.importer.CHUNK_RECORDS", 3)


def test_chunked_import_counts_like_one(
    small_chunks, engine_cli, dsn: str, db: psycopg.Connection, tmp_path: Path
) -> None:
    dry = engine_cli(
        "import-movements", "--file", str(_write_movements(tmp_path)), "--dry-run", "--dsn", dsn
    )
    assert "total 8, created 8, updated 0, unchanged 0" in dry.out
    assert table_counts(db) == NOTHING
    first = engine_cli("import-movements", "--file", str(_write_movements(tmp_path)), "--dsn", dsn)
    assert "total 8, created 8" in first.out
    assert audit_actions(db) == {"imported": 8, "published": 8}
    assert [
        r[0]
        for r in db.execute(
            "SELECT movement_id FROM movement_audit_log WHERE action = 'imported' ORDER BY audit_id"
        ).fetchall()
    ] == [m["movement_id"] for m in _movements()]
    changed = _movements()
    changed[7]["recommended_rpe"] = 5
    again = engine_cli(
        "import-movements", "--file", str(_write_movements(tmp_path, changed)), "--dsn", dsn
    )
    assert "created 0, updated 1, unchanged 7" in again.out
    assert audit_actions(db) == {"imported": 8, "published": 8, "updated": 1}


def test_first_chunks_are_small_so_postgres_starts_early(tmp_path: Path) -> None:
    """Postgres gets the first thousand records as soon as they are parsed, then chunks that
    double up to the full size: it never sits idle while a full first chunk is parsed."""
    path = _write_movements(tmp_path, synthetic_movements(40_000))
    publisher = importer._Publisher(conn=None, params={"batch": "b"}, dry_run=True)  # type: ignore[arg-type]
    handed: list[importer._Chunk] = []
    publisher._hand_over = handed.append  # type: ignore[method-assign]
    assert publisher.feed(MovementFile(path)) == 40_000
    sizes = [chunk.staging.count("\n") for chunk in handed]
    assert sizes == [1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 5_000]
    assert [(c.first, c.last) for c in handed][:2] == [(0, 999), (1_000, 2_999)]
    assert handed[-1].first == 35_000


def _write_movements(tmp_path: Path, movements: list[dict[str, Any]] | None = None) -> Path:
    path = tmp_path / "movements.json"
    path.write_text(json.dumps(movements if movements is not None else _movements()))
    return path


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            _set(7, movement_id="back-squat"),
            "movements[7] (back-squat).movement_id: duplicate of movements[0]",
        ),
        (
            _set(1, movement_id="back-squat"),
            "movements[1] (back-squat).movement_id: duplicate of movements[0]",
        ),
        (
            _set(6, name="BACK SQUAT"),
            "movements[6] (rowing-ergometer).name: 'BACK SQUAT' duplicates movements[0]",
        ),
        (
            _set(2, name="Back Squat"),
            "movements[2] (deadlift).name: 'Back Squat' duplicates movements[0]",
        ),
    ],
    ids=["id-across-chunks", "id-within-a-chunk", "name-across-chunks", "name-within-a-chunk"],
)
def test_duplicates_across_and_within_chunks_write_nothing(
    small_chunks, engine_cli, dsn: str, db: psycopg.Connection, tmp_path: Path, change, expected
) -> None:
    movements = _movements()
    change(movements)
    result = engine_cli(
        "import-movements", "--file", str(_write_movements(tmp_path, movements)), "--dsn", dsn
    )
    assert result.code == 1
    assert expected in result.err, result.err
    assert table_counts(db) == NOTHING


def test_a_name_taken_in_a_later_chunk_writes_nothing(
    small_chunks, engine_cli, dsn: str, db: psycopg.Connection, tmp_path: Path
) -> None:
    engine_cli(
        "import-movements",
        "--file",
        str(_write_movements(tmp_path, _movements()[:1])),
        "--dsn",
        dsn,
    )
    before = table_counts(db)
    movements = [
        {**m, "movement_id": f"new-{i}", "name": f"New {i}"} for i, m in enumerate(_movements())
    ]
    movements[7]["name"] = "Back Squat"
    result = engine_cli(
        "import-movements", "--file", str(_write_movements(tmp_path, movements)), "--dsn", dsn
    )
    assert result.code == 1
    assert (
        "movements[7] (new-7).name: 'Back Squat' is already used by library movement "
        "'back-squat'" in result.err
    )
    assert table_counts(db) == before


def test_a_statement_timeout_is_named_as_one(
    engine_cli, dsn: str, db: psycopg.Connection, tmp_path: Path, monkeypatch
) -> None:
    """The issue's 1M-row CSV was reported as `did not answer within 5s: check the host, port
    and firewall`; the cause was the 30 s statement_timeout. Here an import waits for the
    import lock another session holds, past a 0.3 s statement timeout."""
    from planning_engine.import_runs import IMPORT_LOCK_KEY

    monkeypatch.setattr("planning_engine.database.STATEMENT_TIMEOUT_MS", 300)
    with psycopg.connect(dsn) as holder, holder.transaction():
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (IMPORT_LOCK_KEY,))
        result = engine_cli(
            "import-movements", "--file", str(_write_movements(tmp_path)), "--dsn", dsn
        )
    assert result.code == 1
    assert "Postgres cancelled a statement after the 0.3 s statement_timeout" in result.err
    assert "did not answer" not in result.err and "firewall" not in result.err
    assert table_counts(db) == NOTHING
    ((succeeded, error),) = _runs(db)
    assert succeeded is False and "statement_timeout" in error


def test_an_unexpected_failure_is_still_a_clear_error_a_ledger_row_and_a_log_line(
    engine_cli, dsn: str, db: psycopg.Connection, tmp_path: Path, monkeypatch
) -> None:
    log_file = tmp_path / "engine.log"
    monkeypatch.setenv("PLANNING_ENGINE_LOG_FILE", str(log_file))

    def broken(*args: object) -> None:
        raise MemoryError("simulated")

    monkeypatch.setattr("planning_engine.movement_file._normalise", broken)
    result = engine_cli("import-movements", "--file", str(_write_movements(tmp_path)), "--dsn", dsn)
    assert result.code == 1
    assert "error: the import failed: MemoryError: simulated" in result.err
    assert "Traceback" not in result.err
    assert table_counts(db) == NOTHING
    assert [succeeded for succeeded, _ in _runs(db)] == [False]
    assert [e["level"] for e in _log_entries(log_file) if e["message"] == "Movement import"] == [
        "error"
    ]


# --- the quick validator ------------------------------------------------------------------------

_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 12)
    | st.floats(allow_nan=False)
    | st.text(max_size=4)
    | st.sampled_from(["strength", "barbell", "beginner", "a-b", ""]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)
_fields = st.sampled_from(
    [
        "movement_id",
        "name",
        "category",
        "modalities",
        "equipment",
        "primary_muscles",
        "secondary_muscles",
        "recommended_rpe",
        "tags",
        "instructions",
        "metadata",
        "colour",
    ]
)


@settings(max_examples=600, deadline=None)
@given(
    base=st.integers(0, 7),
    changes=st.dictionaries(_fields, _json_values, max_size=3),
    drop=st.lists(_fields, max_size=2),
)
def test_the_validator_agrees_with_jsonschema_on_mutated_records(
    base: int, changes: dict[str, Any], drop: list[str]
) -> None:
    """Mutated foundational records: the engine's validator must judge them as jsonschema does."""
    record = {**_movements()[base], **changes}
    for field in drop:
        record.pop(field, None)
    assert _accepted_by_engine(record) == _accepted_by_jsonschema(record), record


@pytest.mark.parametrize("index", range(8))
def test_the_validator_accepts_every_foundational_movement(index: int) -> None:
    assert movement_file.is_valid(_movements()[index])


# --- one value too large to build; syntax errors exact wherever the windowed reader stops ------


@pytest.mark.parametrize(
    ("suffix", "content", "expected"),
    [
        (
            ".json",
            "[[" + "[]," * 20_000 + "[]]]",
            "the value at line 1, column 2 is not complete within 9 KB",
        ),
        (
            ".json",
            '{"x": [' + "[]," * 20_000 + '[]], "movements": []}',
            "the value at line 1, column 7 is not complete",
        ),
        (".csv", "movement_id,name\n" + "x," * 20_000 + "x\n", "line 2 is longer than 9 KB"),
    ],
    ids=["one-record-of-60-KB", "another-member-of-60-KB", "a-CSV-line-of-40-KB"],
)
def test_a_value_or_line_beyond_the_limit_is_refused_before_it_is_built(
    engine_cli,
    dsn: str,
    db: psycopg.Connection,
    tmp_path: Path,
    monkeypatch,
    suffix: str,
    content: str,
    expected: str,
) -> None:
    """At the real limits (1 MB) a 50 MB record would be refused the same way; json would build
    it at ~25 bytes a byte of text (1.4 GB measured for `[[[],[],...]]`)."""
    monkeypatch.setattr("planning_engine.movement_json.MAX_VALUE_CHARS", 9 * 1024)
    monkeypatch.setattr("planning_engine.movement_csv.MAX_LINE_CHARS", 9 * 1024)
    path = tmp_path / f"movements{suffix}"
    path.write_text(content)
    result = engine_cli("import-movements", "--file", str(path), "--dsn", dsn)
    assert result.code == 1
    assert expected in result.err, result.err
    assert table_counts(db) == NOTHING


def _long_record(index: int) -> dict[str, Any]:
    """~6 KB: longer than the reader's first 4 KB window, so the window cuts inside it."""
    record = synthetic_movement(index)
    record["instructions"]["setup"] = "s" * 1990
    record["instructions"]["execution"] = 'e\\"' * 600 + "é" * 100
    return record


_BIG_TEXT = json.dumps({"movements": [_long_record(i) for i in range(4)]}, indent=1)


@settings(max_examples=500, deadline=None)
@given(
    where=st.integers(0, len(_BIG_TEXT) - 1),
    insert=st.sampled_from(["", '"', ",", "]", "}", "[", "{", ":", "\\", "x", " ", "1", "\\u12"]),
)
def test_syntax_errors_are_reported_as_json_loads_reports_them(where: int, insert: str) -> None:
    """The file is read a value at a time, from windows of the text: whatever breaks it, the
    message and position must be json.loads's own (records of ~6 KB: the 4 KB window cuts them)."""
    from planning_engine.errors import InvalidInput
    from planning_engine.movement_json import json_records as _json_records

    broken = _BIG_TEXT[:where] + insert + _BIG_TEXT[where + (0 if insert else 1) :]
    try:
        json.loads(broken)
        expected = None
    except json.JSONDecodeError as error:
        expected = f"is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
    try:
        for _ in _json_records(broken, "movements.json"):
            pass
        found = None
    except InvalidInput as error:
        found = error.cause
    if expected is None:
        assert found is None or "not valid JSON" not in found, found
    else:
        assert found is not None and expected in found, (found, expected)


def test_a_syntax_error_after_published_chunks_rolls_them_back(
    small_chunks, engine_cli, dsn: str, db: psycopg.Connection, tmp_path: Path
) -> None:
    """Chunks are published while the file is still being read: a fault found later (here a
    missing comma before the last record) must take the earlier chunks back with it."""
    text = json.dumps(_movements())
    last = text.rindex(', {"movement_id"')
    path = tmp_path / "movements.json"
    path.write_text(text[:last] + text[last + 1 :])
    result = engine_cli("import-movements", "--file", str(path), "--dsn", dsn)
    assert result.code == 1
    assert "is not valid JSON: Expecting ',' delimiter" in result.err
    assert table_counts(db) == NOTHING
