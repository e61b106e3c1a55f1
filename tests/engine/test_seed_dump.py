"""`dump-seed` and `restore-seed`: the runbook's Option B, with psql or with the engine."""

from pathlib import Path

import psycopg
import pytest

from support.database import audit_actions, restore_with_psql, table_counts


@pytest.fixture
def dump(engine_cli, dsn: str, tmp_path: Path) -> Path:
    engine_cli("seed", "--dsn", dsn)
    out = tmp_path / "seed-dumps" / "movements_seed_ci.sql"
    result = engine_cli("dump-seed", "--out", str(out), "--dsn", dsn)
    assert result.code == 0, result.err
    return out


def test_restore_seed_reproduces_the_library_and_is_idempotent(
    engine_cli, dump: Path, postgres
) -> None:
    target = postgres.create_database("restore")
    for _ in range(2):
        result = engine_cli("restore-seed", "--file", str(dump), "--dsn", target)
        assert result.code == 0, result.err
        assert "library holds 8 movements, audit log 16 rows" in result.out
    with psycopg.connect(target) as conn:
        assert audit_actions(conn) == {"imported": 8, "published": 8}
        assert conn.execute(
            "SELECT count(*) FROM movement_library WHERE status = 'published'"
        ).fetchone() == (8,)


def test_dump_restores_with_plain_psql(dump: Path, postgres) -> None:
    target = postgres.create_database("psql")
    restore_with_psql(target, dump)
    with psycopg.connect(target) as conn:
        assert table_counts(conn)["movement_library"] == 8
        assert audit_actions(conn) == {"imported": 8, "published": 8}


def test_a_failing_restore_leaves_nothing_behind(
    engine_cli, dump: Path, postgres, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.sql"
    text = dump.read_text()
    broken.write_text(
        text.replace("COMMIT;", "INSERT INTO movement_library (movement_id) VALUES ('x');\nCOMMIT;")
    )
    target = postgres.create_database("broken")
    result = engine_cli("restore-seed", "--file", str(broken), "--dsn", target)
    assert result.code == 1
    with psycopg.connect(target) as conn:
        assert table_counts(conn) == {
            "movement_library": 0,
            "movement_staging": 0,
            "movement_audit_log": 0,
        }


def test_a_file_that_is_not_a_dump_is_refused(engine_cli, dsn: str, tmp_path: Path) -> None:
    other = tmp_path / "other.sql"
    other.write_text("DROP TABLE movement_library;")
    result = engine_cli("restore-seed", "--file", str(other), "--dsn", dsn)
    assert result.code == 1
    assert "not a movement seed dump" in result.err
