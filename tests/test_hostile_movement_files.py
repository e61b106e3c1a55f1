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

from conftest import audit_actions, table_counts
from planning_engine.resources import FOUNDATIONAL_MOVEMENTS, data_file
from planning_engine.synthetic_movements import synthetic_movements

NOTHING = {"movement_library": 0, "movement_staging": 0, "movement_audit_log": 0}


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
        "movements[0]: 'back-squat' is not of type 'object'",
    ),
    "RPE as a string": (
        ".json",
        _json(_set(0, recommended_rpe="8")),
        "movements[0] (back-squat).recommended_rpe: '8' is not of type 'number'",
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
        "movements[2] (deadlift).category: 'yoga' is not one of",
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
        "movements[3] (pull-up).recommended_rpe: nan is not a number from 1 to 10",
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
    assert [process.wait(timeout=60) for process in seeders] == [0, 0, 0, 0]
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


@pytest.mark.parametrize(
    "case", [c for c, (suffix, text, _) in CASES.items() if suffix == ".json" and _parses(text)]
)
def test_the_fast_validator_agrees_with_the_reference_one(case: str) -> None:
    """Valid records skip jsonschema (~12 us instead of ~230 us); both must judge every record alike."""
    from planning_engine.movement_file import _fast_check, movement_validator

    document = json.loads(CASES[case][1])
    records = document.get("movements", []) if isinstance(document, dict) else document
    for record in records if isinstance(records, list) else []:
        reference_ok = movement_validator().is_valid(record)
        try:
            _fast_check()(record)
            fast_ok = True
        except Exception:
            fast_ok = False
        assert fast_ok == reference_ok, record
