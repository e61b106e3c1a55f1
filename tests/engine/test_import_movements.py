"""`import-movements` and `seed`: counts, idempotency, all-or-nothing, concurrency."""

import csv
import json
import threading
from pathlib import Path
from typing import Any

import psycopg
import pytest

from engine_sandbox.synthetic_movements import synthetic_movements
from planning_engine.resources import FOUNDATIONAL_MOVEMENTS, data_file
from support.database import audit_actions, run_at_once, table_counts

FOUNDATIONAL = data_file(FOUNDATIONAL_MOVEMENTS)


def _write(tmp_path: Path, records: Any, name: str = "movements.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(records), encoding="utf-8")
    return path


def _foundational() -> list[dict[str, Any]]:
    return json.loads(FOUNDATIONAL.read_text())["movements"]


def test_first_seed_publishes_eight_with_sixteen_audit_rows(
    engine_cli, dsn: str, db: psycopg.Connection
) -> None:
    result = engine_cli("seed", "--dsn", dsn)
    assert result.code == 0, result.err
    assert "total 8, created 8, updated 0, unchanged 0, published 8, errors 0" in result.out
    logged = json.loads(
        next(line for line in result.err.splitlines() if '"Movement import"' in line)
    )
    assert (logged["created"], logged["published"]) == (8, 8)
    assert dict(
        db.execute("SELECT status, count(*) FROM movement_library GROUP BY 1").fetchall()
    ) == {"published": 8}
    assert audit_actions(db) == {"imported": 8, "published": 8}


def test_summary_is_logged_as_movement_import(
    engine_cli, dsn: str, tmp_path: Path, monkeypatch
) -> None:
    log_file = tmp_path / "engine.log"
    monkeypatch.setenv("PLANNING_ENGINE_LOG_FILE", str(log_file))
    engine_cli("import-movements", "--file", str(FOUNDATIONAL), "--dsn", dsn)
    entries = [json.loads(line) for line in log_file.read_text().splitlines()]
    (entry,) = [e for e in entries if e["message"] == "Movement import"]
    assert (
        entry["total"],
        entry["created"],
        entry["updated"],
        entry["unchanged"],
        entry["errors"],
    ) == (8, 8, 0, 0, 0)


def test_a_refused_file_is_logged_as_movement_import_with_its_errors(
    engine_cli, dsn: str, tmp_path: Path, monkeypatch
) -> None:
    log_file = tmp_path / "engine.log"
    monkeypatch.setenv("PLANNING_ENGINE_LOG_FILE", str(log_file))
    movements = _foundational()
    movements[0]["recommended_rpe"] = 11
    movements[1]["category"] = "yoga"
    assert (
        engine_cli(
            "import-movements", "--file", str(_write(tmp_path, movements)), "--dsn", dsn
        ).code
        == 1
    )
    entries = [json.loads(line) for line in log_file.read_text().splitlines()]
    (entry,) = [e for e in entries if e["message"] == "Movement import"]
    assert (entry["level"], entry["errors"], entry["created"]) == ("error", 2, 0)
    assert "nothing was imported" in entry["error"]


def test_reimport_changes_nothing_and_writes_no_audit(
    engine_cli, dsn: str, db: psycopg.Connection
) -> None:
    engine_cli("seed", "--dsn", dsn)
    before = db.execute(
        "SELECT movement_id, version, updated_at FROM movement_library ORDER BY 1"
    ).fetchall()
    again = engine_cli("import-movements", "--file", str(FOUNDATIONAL), "--dsn", dsn)
    assert "unchanged 8" in again.out
    assert (
        db.execute(
            "SELECT movement_id, version, updated_at FROM movement_library ORDER BY 1"
        ).fetchall()
        == before
    )
    assert audit_actions(db) == {"imported": 8, "published": 8}


def test_changed_record_is_updated_once(
    engine_cli, dsn: str, db: psycopg.Connection, tmp_path: Path
) -> None:
    engine_cli("seed", "--dsn", dsn)
    movements = _foundational()
    movements[0]["recommended_rpe"] = 7
    result = engine_cli(
        "import-movements", "--file", str(_write(tmp_path, movements)), "--dsn", dsn
    )
    assert "created 0, updated 1, unchanged 7" in result.out
    assert db.execute(
        "SELECT version, recommended_rpe FROM movement_library WHERE movement_id = 'back-squat'"
    ).fetchone() == (2, 7)
    assert audit_actions(db) == {"imported": 8, "published": 8, "updated": 1}


def test_dry_run_reports_and_writes_nothing(engine_cli, dsn: str, db: psycopg.Connection) -> None:
    result = engine_cli("import-movements", "--file", str(FOUNDATIONAL), "--dry-run", "--dsn", dsn)
    assert result.code == 0
    assert "dry run" in result.out and "created 8" in result.out
    assert table_counts(db) == {
        "movement_library": 0,
        "movement_staging": 0,
        "movement_audit_log": 0,
    }


def test_no_publish_leaves_drafts_and_a_later_import_publishes(
    engine_cli, dsn: str, db: psycopg.Connection
) -> None:
    engine_cli(
        "import-movements",
        "--file",
        str(FOUNDATIONAL),
        "--no-publish",
        "--actor",
        "curator",
        "--dsn",
        dsn,
    )
    assert dict(
        db.execute("SELECT status, count(*) FROM movement_library GROUP BY 1").fetchall()
    ) == {"draft": 8}
    assert audit_actions(db) == {"imported": 8}
    engine_cli("import-movements", "--file", str(FOUNDATIONAL), "--dsn", dsn)
    assert dict(
        db.execute("SELECT status, count(*) FROM movement_library GROUP BY 1").fetchall()
    ) == {"published": 8}
    assert audit_actions(db) == {"imported": 8, "published": 8}
    assert db.execute(
        "SELECT DISTINCT actor FROM movement_audit_log WHERE action = 'imported'"
    ).fetchall() == [("curator",)]


def test_staging_keeps_each_batch_as_received(engine_cli, dsn: str, db: psycopg.Connection) -> None:
    engine_cli("seed", "--dsn", dsn)
    rows = db.execute(
        "SELECT validation_status, count(*), count(DISTINCT batch_id) FROM movement_staging GROUP BY 1"
    ).fetchall()
    assert rows == [("valid", 8, 1)]


def test_csv_and_json_of_the_same_movements_are_the_same_content(
    engine_cli, dsn: str, db: psycopg.Connection, tmp_path: Path
) -> None:
    movements = _foundational()
    path = tmp_path / "movements.csv"
    fields = list(movements[0])
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for movement in movements:
            writer.writerow(
                {
                    k: "|".join(v)
                    if isinstance(v, list)
                    else json.dumps(v)
                    if isinstance(v, dict)
                    else v
                    for k, v in movement.items()
                }
            )
    assert engine_cli("import-movements", "--file", str(path), "--dsn", dsn).code == 0
    again = engine_cli("import-movements", "--file", str(FOUNDATIONAL), "--dsn", dsn)
    assert "unchanged 8" in again.out


@pytest.mark.parametrize(
    ("corrupt", "expected"),
    [
        (lambda m: m[2].update(recommended_rpe=11), "movements[2] (deadlift).recommended_rpe"),
        (lambda m: m[3].update(colour="red"), "movements[3] (pull-up): unknown field(s): 'colour'"),
        (
            lambda m: m[4].update(name=m[0]["name"]),
            "movements[4] (overhead-press).name: 'Back Squat' duplicates movements[0]",
        ),
        (
            lambda m: m[5].update(movement_id="back-squat"),
            "movements[5] (back-squat).movement_id: duplicate of movements[0]",
        ),
        (
            lambda m: m[6].pop("category"),
            'movements[6] (rowing-ergometer): "category" is a required property',
        ),
        (
            lambda m: m[7].update(modalities="bike"),
            'movements[7] (assault-bike).modalities: "bike" is not of type "array"',
        ),
    ],
    ids=[
        "rpe-out-of-range",
        "unknown-field",
        "duplicate-name",
        "duplicate-id",
        "missing-field",
        "wrong-type",
    ],
)
def test_one_bad_record_writes_nothing_and_names_record_and_field(
    engine_cli, dsn: str, db: psycopg.Connection, tmp_path: Path, corrupt, expected: str
) -> None:
    movements = _foundational()
    corrupt(movements)
    result = engine_cli(
        "import-movements", "--file", str(_write(tmp_path, movements)), "--dsn", dsn
    )
    assert result.code == 1
    assert expected in result.err
    assert "nothing was" in result.err
    assert table_counts(db) == {
        "movement_library": 0,
        "movement_staging": 0,
        "movement_audit_log": 0,
    }


def test_every_error_of_a_file_is_listed(engine_cli, dsn: str, tmp_path: Path) -> None:
    movements = _foundational()
    movements[0]["recommended_rpe"] = 0
    movements[7]["category"] = "yoga"
    result = engine_cli(
        "import-movements", "--file", str(_write(tmp_path, movements)), "--dsn", dsn
    )
    assert "movements[0] (back-squat).recommended_rpe" in result.err
    assert "movements[7] (assault-bike).category" in result.err


def test_a_name_owned_by_another_library_movement_is_refused(
    engine_cli, dsn: str, db: psycopg.Connection, tmp_path: Path
) -> None:
    engine_cli("seed", "--dsn", dsn)
    clash = [{**_foundational()[0], "movement_id": "back-squat-2"}]
    result = engine_cli("import-movements", "--file", str(_write(tmp_path, clash)), "--dsn", dsn)
    assert result.code == 1
    assert "'Back Squat' is already used by library movement 'back-squat'" in result.err
    assert table_counts(db)["movement_library"] == 8


def test_failed_imports_are_counted_in_the_run_ledger(
    engine_cli, dsn: str, db: psycopg.Connection, tmp_path: Path
) -> None:
    engine_cli(
        "import-movements", "--file", str(_write(tmp_path, [{"movement_id": "x"}])), "--dsn", dsn
    )
    engine_cli("seed", "--dsn", dsn)
    assert db.execute(
        "SELECT succeeded, count(*) FROM movement_import_runs GROUP BY 1 ORDER BY 1"
    ).fetchall() == [(False, 1), (True, 1)]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            '{"movements": [{"movement_id": "a",}]}',
            "not valid JSON: Expecting property name enclosed in double quotes at line 1, column 36",
        ),
        ("", "is empty"),
        ('{"items": []}', "neither a list of movements"),
        ("[]", "the file holds no movements"),
    ],
    ids=["invalid-json", "empty", "wrong-shape", "no-records"],
)
def test_unreadable_files_get_a_clear_error(
    engine_cli, dsn: str, tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "movements.json"
    path.write_text(content)
    result = engine_cli("import-movements", "--file", str(path), "--dsn", dsn)
    assert result.code == 1
    assert expected in result.err
    assert "Traceback" not in result.err


def test_missing_file(engine_cli, dsn: str, tmp_path: Path) -> None:
    result = engine_cli("import-movements", "--file", str(tmp_path / "nope.json"), "--dsn", dsn)
    assert result.code == 1
    assert "nope.json not found" in result.err


def test_file_above_the_size_limit_is_refused_before_parsing(
    engine_cli, dsn: str, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("PLANNING_IMPORT_MAX_BYTES", "100")
    path = tmp_path / "movements.json"
    path.write_text("[" + "{" * 200)  # broken JSON too: only the size may be reported
    result = engine_cli("import-movements", "--file", str(path), "--dsn", dsn)
    assert result.code == 1
    assert "above the import limit of 100 bytes" in result.err
    assert "not valid JSON" not in result.err
    with psycopg.connect(dsn) as conn:
        assert set(table_counts(conn).values()) == {0}


@pytest.mark.parametrize("limit", ["50MB", "-1", "lots"])
def test_a_size_limit_that_is_not_a_byte_count_is_refused(
    engine_cli, dsn: str, tmp_path: Path, monkeypatch, limit: str
) -> None:
    monkeypatch.setenv("PLANNING_IMPORT_MAX_BYTES", limit)
    result = engine_cli(
        "import-movements", "--file", str(_write(tmp_path, _foundational())), "--dsn", dsn
    )
    assert result.code == 1
    assert f"PLANNING_IMPORT_MAX_BYTES is {limit!r}" in result.err


def test_concurrent_imports_end_like_one(
    postgres, dsn: str, db: psycopg.Connection, tmp_path: Path
) -> None:
    from planning_engine.importer import import_movements
    from planning_engine.movement_file import read_movement_file

    records = read_movement_file(_write(tmp_path, synthetic_movements(300)))
    barrier = threading.Barrier(4)

    def run() -> None:
        with psycopg.connect(dsn) as conn:
            barrier.wait()
            import_movements(conn, records)

    assert run_at_once(run, 4) == []
    assert table_counts(db)["movement_library"] == 300
    assert audit_actions(db) == {"imported": 300, "published": 300}


def test_format_option_overrides_the_extension(
    engine_cli, dsn: str, db: psycopg.Connection, tmp_path: Path
) -> None:
    path = _write(tmp_path, _foundational(), name="export.txt")
    refused = engine_cli("import-movements", "--file", str(path), "--dsn", dsn)
    assert refused.code == 1 and "--format json|csv" in refused.err
    assert (
        engine_cli("import-movements", "--file", str(path), "--format", "json", "--dsn", dsn).code
        == 0
    )
    assert table_counts(db)["movement_library"] == 8
