"""The `athlete-ally` schema profile: its DDL, the curation pipeline, seed dumps and the CLI."""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from planning_engine.errors import InvalidInput, SchemaMissing
from planning_engine.import_runs import IMPORT_LOCK_KEY
from planning_engine.importer import import_movements
from planning_engine.movement_file import read_movement_file
from planning_engine.resources import FOUNDATIONAL_MOVEMENTS, data_file
from planning_engine.seeding import dump_seed, seed_foundational
from readiness.schema_profiles import load_profile
from support.athlete_ally import (
    CUID,
    FIRST_SEED,
    PROFILE,
    audit_breakdown,
    curation_counts,
    last_writes,
    migrated_database,
    seeded,
    spec_only_database,
)
from support.database import restore_with_psql, run_at_once

FOUNDATIONAL = data_file(FOUNDATIONAL_MOVEMENTS)


@pytest.fixture
def aa_dsn(postgres) -> Iterator[str]:
    """A database migrated with the athlete-ally profile (ledger and import runs included)."""
    dsn = migrated_database(postgres)
    yield dsn
    postgres.drop_database(dsn)


@pytest.fixture
def aa_seeded(aa_dsn: str) -> str:
    return seeded(aa_dsn)


@pytest.fixture
def aa_db(aa_seeded: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(aa_seeded, autocommit=True) as conn:
        yield conn


def _records(movements: list[dict[str, Any]] | None = None, tmp_path: Path | None = None) -> Any:
    if movements is None:
        return read_movement_file(FOUNDATIONAL)
    assert tmp_path is not None
    path = tmp_path / "movements.json"
    path.write_text(json.dumps({"movements": movements}))
    return read_movement_file(path)


def _foundational() -> list[dict[str, Any]]:
    return json.loads(FOUNDATIONAL.read_text())["movements"]


# --- migrate ------------------------------------------------------------------------------------


def _columns(conn: psycopg.Connection, table: str) -> dict[str, tuple[str, str, Any, Any]]:
    rows = conn.execute(
        "SELECT column_name, data_type, is_nullable, column_default, datetime_precision"
        " FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s",
        (table,),
    ).fetchall()
    return {
        name: (kind, nullable, default, precision)
        for name, kind, nullable, default, precision in rows
    }


def test_migrate_creates_the_spec_tables_enums_and_columns(engine_cli, bare_dsn: str) -> None:
    result = engine_cli("migrate", "--dsn", bare_dsn, "--schema-profile", PROFILE)
    assert result.code == 0, result.err
    assert "athlete-ally:0001_athlete_ally_schema" in result.out
    assert "no changes" in engine_cli("migrate", "--dsn", bare_dsn, "--schema-profile", PROFILE).out
    with psycopg.connect(bare_dsn) as conn:
        enums = dict(
            conn.execute(
                "SELECT t.typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder)"
                " FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY 1"
            ).fetchall()
        )
        assert enums == {
            "MovementStageStatus": [
                "DRAFT",
                "READY_FOR_REVIEW",
                "CHANGES_REQUESTED",
                "APPROVED",
                "PUBLISHED",
                "ARCHIVED",
            ],
            "MovementAuditAction": [
                "CREATED",
                "UPDATED",
                "REVIEW_SUBMITTED",
                "APPROVED",
                "REJECTED",
                "PUBLISHED",
                "ARCHIVED",
                "METADATA_UPDATED",
            ],
        }
        tables = {
            t: _columns(conn, t)
            for t in (
                "movement_staging",
                "movement_library",
                "movement_audit_log",
                "plan_jobs",
                "plans",
            )
        }
        ledger = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")]
    assert ledger == ["athlete-ally:0001", "athlete-ally:0002"]
    for table, columns in tables.items():
        assert columns["id"][:3] == ("text", "NO", None), table  # ids come from the application
        assert columns["createdAt"][0] == "timestamp without time zone"
        assert columns["createdAt"][3] == 3
        if table != "movement_audit_log":
            assert columns["updatedAt"] == ("timestamp without time zone", "NO", None, 3), table
    staging, library = tables["movement_staging"], tables["movement_library"]
    assert staging["status"][0] == "USER-DEFINED" and "DRAFT" in staging["status"][2]
    assert (
        staging["primaryMuscles"][0] == "ARRAY"
        and staging["recommendedRpe"][0] == "double precision"
    )
    assert {"createdById", "updatedById", "reviewerId", "publishedMovementId"} <= set(staging)
    assert {"version", "stagingSourceId", "stagingSnapshot", "publishedById", "publishedAt"} <= set(
        library
    )
    assert not {"movement_id", "category", "modalities", "status"} & set(library)
    assert tables["movement_audit_log"]["action"][0] == "USER-DEFINED"
    jobs = tables["plan_jobs"]
    assert jobs["status"][2] == "'pending'::text" and jobs["maxRetries"][2] == "3"
    assert {"jobId", "userId", "requestData", "resultData", "errorData", "retryCount"} <= set(jobs)
    assert {"userId", "version", "status", "name", "content", "startDate"} <= set(tables["plans"])
    for table, required in load_profile(PROFILE).required_columns.items():
        assert set(required) <= set(tables[table]), table  # what the readiness suite checks


def test_migrate_refuses_to_mix_profiles_in_one_database(engine_cli, dsn: str) -> None:
    result = engine_cli("migrate", "--dsn", dsn, "--schema-profile", PROFILE)
    assert result.code == 1
    assert "holds the runbook schema" in result.err and "fix:" in result.err


def test_migrate_on_tables_made_by_something_else_says_so(engine_cli, postgres) -> None:
    target = spec_only_database(postgres)
    result = engine_cli("migrate", "--dsn", target, "--schema-profile", PROFILE)
    assert result.code == 1
    assert "already exists" in result.err and "without `migrate`" in result.err


# --- seeding and importing -----------------------------------------------------------------------


def test_seed_publishes_eight_through_the_pipeline_with_forty_audit_rows(aa_db) -> None:
    assert curation_counts(aa_db) == {
        "movement_library": 8,
        "movement_staging": 8,
        "movement_audit_log": 40,
    }
    assert audit_breakdown(aa_db) == FIRST_SEED
    with aa_db.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            'SELECT l.id AS library_id, l.slug, l.version, l."stagingSourceId" AS source,'
            ' l."stagingSnapshot" AS snapshot, l."publishedById" AS publisher, l.metadata,'
            ' l.classification, l."updatedAt" AS updated, s.id AS draft_id,'
            ' s.status::text AS status, s."publishedMovementId" AS published,'
            ' s."createdById" AS creator'
            " FROM movement_library l JOIN movement_staging s USING (slug)"
        ).fetchall()
    for row in rows:
        assert re.match(CUID, row["library_id"]) and re.match(CUID, row["draft_id"])
        assert (row["version"], row["source"], row["status"], row["published"]) == (
            1,
            row["draft_id"],
            "PUBLISHED",
            row["library_id"],
        )
        assert row["publisher"] == row["creator"] == "seed" and row["updated"] is not None
        snapshot = row["snapshot"]
        assert (snapshot["slug"], snapshot["id"]) == (row["slug"], row["draft_id"])
        assert snapshot["classification"] == row["classification"]
    squat = {r["slug"]: r for r in rows}["back-squat"]
    assert squat["metadata"]["modalities"] == ["barbell", "bilateral"]
    assert squat["classification"] == "strength"
    emails = aa_db.execute(
        'SELECT DISTINCT "actorId", "actorEmail" FROM movement_audit_log'
    ).fetchall()
    assert emails == [("seed", "seed@planning-engine.local")]
    # Each event is about the row it names: a CREATED about the library row names no draft.
    assert aa_db.execute(
        'SELECT count(*) FROM movement_audit_log WHERE ("movementStagingId" IS NULL)'
        ' = ("movementLibraryId" IS NULL)'
    ).fetchone() == (0,)


def test_seeding_again_writes_nothing(aa_seeded: str) -> None:
    with psycopg.connect(aa_seeded) as conn:
        before = (curation_counts(conn), last_writes(conn))
        summary = seed_foundational(conn, profile=PROFILE)
        assert (summary.created, summary.updated, summary.unchanged, summary.published) == (
            0,
            0,
            8,
            0,
        )
        assert (curation_counts(conn), last_writes(conn)) == before


def test_a_hand_edited_library_row_counts_as_changed(aa_seeded: str) -> None:
    with psycopg.connect(aa_seeded) as conn:
        conn.execute(
            "UPDATE movement_library SET classification = 'power' WHERE slug = 'back-squat'"
        )
        conn.commit()
        before = (curation_counts(conn), last_writes(conn))
        dry = import_movements(conn, _records(), actor="qa", dry_run=True, profile=PROFILE)
        assert (dry.updated, dry.unchanged, dry.created, dry.dry_run) == (1, 7, 0, True)
        assert (curation_counts(conn), last_writes(conn)) == before
        done = import_movements(conn, _records(), actor="qa", profile=PROFILE)
        assert (done.updated, done.unchanged) == (1, 7)
        assert conn.execute(
            "SELECT classification, version, \"publishedById\" FROM movement_library WHERE slug = 'back-squat'"
        ).fetchone() == ("strength", 2, "qa")
        assert audit_breakdown(conn) == {
            **FIRST_SEED,
            ("UPDATED", "draft"): 1,
            ("REVIEW_SUBMITTED", "draft"): 9,
            ("APPROVED", "draft"): 9,
            ("PUBLISHED", "draft"): 9,
            ("UPDATED", "library"): 1,
        }
        assert curation_counts(conn)["movement_library"] == 8
        assert import_movements(conn, _records(), profile=PROFILE).unchanged == 8


def test_a_changed_movement_file_updates_and_republishes(aa_seeded: str, tmp_path: Path) -> None:
    movements = _foundational()
    movements[0]["tags"] = [*movements[0]["tags"], "changed"]
    with psycopg.connect(aa_seeded) as conn:
        summary = import_movements(conn, _records(movements, tmp_path), actor="qa", profile=PROFILE)
        assert (summary.updated, summary.unchanged) == (1, 7)
        tags, version, status = conn.execute(
            "SELECT l.tags, l.version, s.status::text FROM movement_library l"
            ' JOIN movement_staging s ON s.id = l."stagingSourceId" WHERE l.slug = %s',
            (movements[0]["movement_id"],),
        ).fetchone()
    assert "changed" in tags and version == 2 and status == "PUBLISHED"


def test_no_publish_leaves_drafts_that_a_later_import_publishes(aa_dsn: str) -> None:
    with psycopg.connect(aa_dsn) as conn:
        drafted = import_movements(conn, _records(), publish=False, profile=PROFILE)
        assert (drafted.created, drafted.published) == (8, 0)
        assert curation_counts(conn) == {
            "movement_library": 0,
            "movement_staging": 8,
            "movement_audit_log": 8,
        }
        again = import_movements(conn, _records(), publish=False, profile=PROFILE)
        assert again.unchanged == 8
        published = import_movements(conn, _records(), profile=PROFILE)
        assert (published.created, published.published) == (0, 8)
        assert audit_breakdown(conn) == FIRST_SEED


def test_a_name_owned_by_another_library_movement_is_refused(
    aa_seeded: str, tmp_path: Path
) -> None:
    impostor = {**_foundational()[0], "movement_id": "back-squat-2"}
    with psycopg.connect(aa_seeded) as conn:
        before = curation_counts(conn)
        with pytest.raises(InvalidInput) as refused:
            import_movements(conn, _records([impostor], tmp_path), profile=PROFILE)
        assert "already used by library movement 'back-squat'" in "\n".join(refused.value.problems)
        conn.rollback()
        assert curation_counts(conn) == before


def test_duplicates_within_a_file_are_refused_like_the_runbook_profile(
    aa_dsn: str, tmp_path: Path
) -> None:
    first = _foundational()[0]
    twin = {**_foundational()[1], "name": first["name"].upper()}
    with psycopg.connect(aa_dsn) as conn, pytest.raises(InvalidInput) as refused:
        import_movements(conn, _records([first, twin, first], tmp_path), profile=PROFILE)
    problems = "\n".join(refused.value.problems)
    assert (
        "duplicates movements[0]" in problems
        and "movement_id: duplicate of movements[0]" in problems
    )


def test_a_database_without_the_schema_names_migrate(bare_dsn: str, tmp_path: Path) -> None:
    with psycopg.connect(bare_dsn) as conn:
        for action in (
            lambda: seed_foundational(conn, profile=PROFILE),
            lambda: dump_seed(conn, tmp_path / "dump.sql", profile=PROFILE),
        ):
            with pytest.raises(SchemaMissing) as missing:
                action()
            assert "planning-engine migrate" in str(missing.value)
            assert "--schema-profile athlete-ally" in missing.value.fix


def test_the_runbook_schema_is_not_mistaken_for_athlete_allys(dsn: str) -> None:
    with psycopg.connect(dsn) as conn, pytest.raises(SchemaMissing) as missing:
        seed_foundational(conn, profile=PROFILE)
    assert 'movement_library."slug"' in missing.value.cause


def test_an_import_waits_for_the_import_lock_like_the_runbook_profile(aa_dsn: str) -> None:
    with psycopg.connect(aa_dsn) as holder, psycopg.connect(aa_dsn) as waiter:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (IMPORT_LOCK_KEY,))
        waiter.execute("SET lock_timeout = '100ms'")
        waiter.commit()
        with pytest.raises(psycopg.errors.LockNotAvailable):
            import_movements(waiter, _records(), profile=PROFILE)


def test_concurrent_seeds_end_like_one(aa_dsn: str) -> None:
    assert run_at_once(lambda: seeded(aa_dsn), 3) == []
    with psycopg.connect(aa_dsn) as conn:
        assert audit_breakdown(conn) == FIRST_SEED


def test_the_pipeline_runs_on_tables_made_by_something_else(
    engine_cli, postgres, tmp_path: Path
) -> None:
    """No ledger, no movement_import_runs: seeding and a refused import work, unrecorded."""
    target = spec_only_database(postgres)
    assert engine_cli("seed", "--dsn", target, "--schema-profile", PROFILE).code == 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"movements": [{"movement_id": "x"}]}))
    refused = engine_cli(
        "import-movements", "--file", str(bad), "--dsn", target, "--schema-profile", PROFILE
    )
    assert refused.code == 1 and "nothing was imported" in refused.err
    with psycopg.connect(target) as conn:
        assert audit_breakdown(conn) == FIRST_SEED
        assert conn.execute("SELECT to_regclass('movement_import_runs')").fetchone() == (None,)


# --- seed dumps -----------------------------------------------------------------------------------


@pytest.fixture
def aa_dump(engine_cli, aa_seeded: str, tmp_path: Path) -> Path:
    out = tmp_path / "seed-dumps" / "athlete_ally_seed.sql"
    result = engine_cli(
        "dump-seed", "--out", str(out), "--dsn", aa_seeded, "--schema-profile", PROFILE
    )
    assert result.code == 0, result.err
    assert "wrote 8 movements" in result.out
    return out


def _snapshot(dsn: str) -> tuple[Any, ...]:
    with psycopg.connect(dsn) as conn:
        return (
            conn.execute("SELECT * FROM movement_library ORDER BY id").fetchall(),
            conn.execute("SELECT * FROM movement_staging ORDER BY id").fetchall(),
            conn.execute("SELECT * FROM movement_audit_log ORDER BY id").fetchall(),
        )


def test_restore_into_an_empty_database_reproduces_every_row(
    engine_cli, aa_dump: Path, aa_seeded: str, postgres
) -> None:
    target = migrated_database(postgres, "aarestore")
    for _ in range(2):  # and restoring twice changes nothing
        result = engine_cli(
            "restore-seed", "--file", str(aa_dump), "--dsn", target, "--schema-profile", PROFILE
        )
        assert result.code == 0, result.err
        assert "library holds 8 movements, audit log 40 rows" in result.out
    assert _snapshot(target) == _snapshot(aa_seeded)
    with psycopg.connect(target) as conn:
        assert audit_breakdown(conn) == FIRST_SEED
        assert seed_foundational(conn, profile=PROFILE).unchanged == 8


def test_the_dump_restores_with_plain_psql(aa_dump: Path, postgres) -> None:
    target = spec_only_database(postgres, "aapsql")
    restore_with_psql(target, aa_dump)
    with psycopg.connect(target) as conn:
        assert curation_counts(conn) == {
            "movement_library": 8,
            "movement_staging": 8,
            "movement_audit_log": 40,
        }


def test_a_dump_restores_only_with_its_own_profile(engine_cli, aa_dump: Path, dsn: str) -> None:
    result = engine_cli("restore-seed", "--file", str(aa_dump), "--dsn", dsn)
    assert result.code == 1
    assert "dump of the athlete-ally schema profile" in result.err


# --- command line ---------------------------------------------------------------------------------


def test_the_profile_comes_from_the_environment_and_the_option_wins(
    engine_cli, aa_dsn: str, dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLANNING_SCHEMA_PROFILE", PROFILE)
    seeded_by_env = engine_cli("seed", "--dsn", aa_dsn)
    assert seeded_by_env.code == 0, seeded_by_env.err
    assert "created 8" in seeded_by_env.out
    on_runbook = engine_cli("seed", "--dsn", dsn, "--schema-profile", "runbook")
    assert on_runbook.code == 0, on_runbook.err
    with psycopg.connect(aa_dsn) as conn:
        assert audit_breakdown(conn) == FIRST_SEED
        # The engine's own ledger exists here (migrate made it): the run is recorded.
        assert conn.execute("SELECT count(*) FROM movement_import_runs").fetchone() == (1,)
    with psycopg.connect(dsn) as conn:
        assert conn.execute(
            "SELECT count(*) FROM movement_library WHERE status = 'published'"
        ).fetchone() == (8,)


@pytest.mark.parametrize(
    "command",
    ["migrate", "seed", "dump-seed", "restore-seed", "serve", "worker", "import-movements"],
)
def test_an_unknown_profile_is_a_configuration_error_naming_the_valid_ones(
    engine_cli, command: str, tmp_path: Path
) -> None:
    extra = {
        "dump-seed": ["--out", str(tmp_path / "x.sql")],
        "restore-seed": ["--file", "x.sql"],
        "import-movements": ["--file", "x.json"],
    }
    result = engine_cli(
        command,
        "--dsn",
        "postgresql://nobody@127.0.0.1:1/none",
        "--schema-profile",
        "prisma",
        *extra.get(command, []),
    )
    assert result.code == 1
    assert "'prisma' is unknown: valid profiles are runbook, athlete-ally" in result.err
    assert result.err.startswith("error: ") and "fix: " in result.err


def test_an_unknown_profile_in_the_environment_is_refused_too(
    engine_cli, aa_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLANNING_SCHEMA_PROFILE", "athlete_ally")
    result = engine_cli("seed", "--dsn", aa_dsn)
    assert result.code == 1
    assert "PLANNING_SCHEMA_PROFILE 'athlete_ally' is unknown" in result.err
