"""Schema profiles: the runbook's criteria checked on the schema that is deployed.

Detection tells the profile from the target's columns; a schema no profile fits is one cause
naming what it lacks and has; the runbook's SQL that no longer runs is listed as drift."""

import json
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from engine_sandbox.embedded_postgres import EmbeddedPostgres
from planning_engine.migrate import migrate
from planning_engine.seeding import seed_foundational
from readiness.checks import ReadinessFailure
from readiness.evidence import Evidence
from readiness.expectations import FOUNDATIONAL_MOVEMENTS
from readiness.fixes import Fix
from readiness.runbook.library_checks import listing_differences
from readiness.schema_profiles import (
    BASE_PROFILE,
    PROFILES_DIR,
    UnknownProfile,
    load_profile,
    profile_names,
)
from readiness.schema_profiles.detection import best_fit
from readiness.target.db_probe import DatabaseProbe
from support.suite_runner import run_suite

ATHLETE_ALLY = "athlete-ally"


def _columns(profile: str) -> dict[str, set[str]]:
    return {t: set(c) for t, c in load_profile(profile).required_columns.items()}


def test_both_profiles_ship_and_the_runbooks_comes_first() -> None:
    assert profile_names()[:1] == [BASE_PROFILE] and ATHLETE_ALLY in profile_names()


def test_an_unknown_profile_names_the_known_ones() -> None:
    with pytest.raises(UnknownProfile, match="expected one of runbook, athlete-ally"):
        load_profile("prisma")
    with pytest.raises(UnknownProfile):
        load_profile("../runbook")


@pytest.mark.parametrize("name", [BASE_PROFILE, ATHLETE_ALLY])
def test_each_profiles_columns_are_detected_as_that_profile(name: str) -> None:
    assert best_fit(_columns(name)).profile.name == name


def test_a_schema_missing_a_table_keeps_its_profile() -> None:
    """Phase 1 reports the missing table (fix: migrate); the profile is still the runbook's."""
    columns = _columns(BASE_PROFILE)
    del columns["movement_audit_log"]
    columns["movement_library"] -= {"modalities"}
    fit = best_fit(columns)
    assert fit.recognised and fit.profile.name == BASE_PROFILE
    assert fit.lacking == {"movement_library": ["modalities"]}


def test_every_query_of_a_profile_overrides_one_of_the_runbook_profile() -> None:
    """A file in a profile's folder that the runbook profile lacks would never be run."""
    base = {p.stem for p in (PROFILES_DIR / BASE_PROFILE).glob("*.sql")}
    for name in profile_names():
        assert {p.stem for p in (PROFILES_DIR / name).glob("*.sql")} <= base, name


def test_the_athlete_ally_profile_rewrites_the_runbooks_snake_case_queries() -> None:
    rewritten = {q.name for q in load_profile(ATHLETE_ALLY).rewritten_queries()}
    assert rewritten == {
        "audit_actions",
        "list_movements",
        "recent_scoring",
        "rollback_scoring_check",
        "status_counts",
    }
    query = load_profile(ATHLETE_ALLY).query("recent_scoring")
    assert query.runbook_sql is not None and "result_data" in query.runbook_sql
    assert '"resultData"' in query.sql and query.rewritten
    assert not load_profile(BASE_PROFILE).query("recent_scoring").rewritten


@pytest.fixture
def foreign_dsn(bare_dsn: str) -> str:
    """A database whose movement and job tables have a shape no profile knows."""
    with psycopg.connect(bare_dsn) as conn:
        conn.execute(
            "CREATE TABLE movement_library (uuid text PRIMARY KEY, title text, kind text,"
            " name text); CREATE TABLE plan_jobs (uuid text PRIMARY KEY, state text);"
            " CREATE TABLE movement_staging (uuid text PRIMARY KEY);"
            " CREATE TABLE movement_audit_log (uuid text PRIMARY KEY, verb text)"
        )
    return bare_dsn


def test_a_schema_no_profile_fits_is_one_cause_naming_what_it_lacks_and_has(
    foreign_dsn: str,
) -> None:
    with DatabaseProbe(foreign_dsn) as probe:
        with pytest.raises(ReadinessFailure) as first:
            probe.run("count_movements", Evidence())
        with pytest.raises(ReadinessFailure) as second:
            probe.run("list_movements", Evidence())
    message = str(first.value)
    assert first.value.fix is second.value.fix is Fix.SCHEMA_PROFILE
    assert str(second.value) == message  # the same finding, not a new SQL error each time
    assert message.startswith("the deployed schema matches no known profile (closest: runbook)")
    assert "movement_library lacks movement_id, category, modalities" in message
    assert "it has kind, title, uuid" in message
    assert "--schema-profile" in message


def test_a_database_without_any_stream5_table_points_to_migrate(bare_dsn: str) -> None:
    with DatabaseProbe(bare_dsn) as probe, pytest.raises(ReadinessFailure) as failure:
        probe.run("count_movements")
    assert failure.value.fix is Fix.SCHEMA and "planning-engine migrate" in str(failure.value)


def test_a_forced_profile_is_used_without_detection(seeded_dsn: str) -> None:
    with DatabaseProbe(seeded_dsn, schema_profile=BASE_PROFILE) as probe:
        assert probe.run("count_movements").scalar() == 8
        assert probe.profile.name == BASE_PROFILE and probe.drift == []


def test_on_the_runbooks_schema_the_evidence_shows_the_runbooks_sql_as_run(
    seeded_dsn: str,
) -> None:
    evidence = Evidence()
    with DatabaseProbe(seeded_dsn) as probe:
        probe.run("list_movements", evidence)
        probe.run("orphan_audit_rows", evidence)
    listing, orphans = (item.data for item in evidence.items)
    assert listing["runbook_sql"] == listing["query"] and "movement_id" in listing["query"]
    assert orphans["runbook_sql"] is None  # the suite's own query: the runbook has none
    assert "runbook's SQL, as written" not in evidence.as_text()


@pytest.fixture
def athlete_ally_dsn(postgres: EmbeddedPostgres) -> Iterator[str]:
    """A seeded database of the athlete-ally shape, with one completed, scored plan job."""
    dsn = postgres.create_database("aa", migrated=False)
    with psycopg.connect(dsn) as conn:
        migrate(conn, profile=ATHLETE_ALLY)
        seed_foundational(conn, actor="ops", profile=ATHLETE_ALLY)
        conn.execute(
            'INSERT INTO plans (id, "userId", version, status, content, "updatedAt")'
            " VALUES ('p1', 'u', 1, 'generated', '{\"scoring\": {\"total\": 0.5}}', now());"
            ' INSERT INTO plan_jobs (id, "jobId", "userId", status, "requestData",'
            " \"resultData\", \"updatedAt\") VALUES ('j1', 'job-1', 'u', 'completed', '{}',"
            ' \'{"planId": "p1", "scoring": {"version": "fixed-weight-v1", "total": 0.5}}\','
            " now())"
        )
    yield dsn
    postgres.drop_database(dsn)


# Parameters of the queries that take some, by the name of their file.
PARAMS = {
    "table_exists": ("movement_library",),
    "stored_scoring": ("job-1",),
    "insert_hand_made_movement": ("hand-made", "Hand Made"),
    "recent_scored_plans": (0.0, 100, ["job-1"]),
    "recent_scoring_payloads": (0.0,),
    "plan_cache_copy": ("job-1",),
    "stored_plan_scoring": {"job_id": "job-1"},
    "queue_moved": {"seconds": 15},
    "plan_jobs_since": (0.0,),
}


@pytest.mark.parametrize(
    "name", sorted(p.stem for p in (PROFILES_DIR / BASE_PROFILE).glob("*.sql"))
)
def test_every_query_of_the_athlete_ally_profile_runs_on_that_schema(
    name: str, athlete_ally_dsn: str
) -> None:
    with DatabaseProbe(athlete_ally_dsn) as probe:
        result = probe.run(name, None, PARAMS.get(name))
        assert probe.profile.name == ATHLETE_ALLY  # detected from the columns
    assert result.columns or name in ("insert_hand_made_movement", "truncate_movements")


def test_the_athlete_ally_queries_give_the_runbooks_answers(athlete_ally_dsn: str) -> None:
    """8 library rows, 8 drafts PUBLISHED, 8 CREATED about drafts and 8 PUBLISHED events, the
    listing by name with slug and classification, the test job's scoring and its plan."""
    with DatabaseProbe(athlete_ally_dsn) as probe:
        assert probe.run("count_movements").scalar() == 8
        listing = probe.run("list_movements").as_dicts()
        assert [(r["name"], r["category"]) for r in listing] == sorted(
            FOUNDATIONAL_MOVEMENTS.items()
        )
        assert listing_differences(listing, probe.profile.listing_list_column) == []
        assert dict(probe.run("status_counts").rows) == {"published": 8}
        actions = dict(probe.run("audit_actions").rows)
        assert {a: actions[a] for a in probe.profile.audit_counts(8, 8)} == {
            "CREATED (draft)": 8,
            "PUBLISHED": 8,
        }
        assert probe.run("orphan_audit_rows").rows == []
        assert probe.run("duplicate_names").rows == []
        (scoring_row,) = probe.run("recent_scoring").as_dicts()
        assert (scoring_row["job_id"], scoring_row["has_scoring"]) == ("job-1", True)
        (plan_row,) = probe.run("recent_scored_plans", None, (0.0, 100, ["job-1"])).as_dicts()
        assert plan_row["plan_found"] and plan_row["plan"] == {"scoring": {"total": 0.5}}
        queue = probe.run("queue_state").as_dicts()[0]
        assert (queue["queued"], queue["processing"]) == (0, 0)


def test_the_evidence_shows_the_runbooks_sql_and_the_sql_run(athlete_ally_dsn: str) -> None:
    evidence = Evidence()
    with DatabaseProbe(athlete_ally_dsn) as probe:
        probe.run("list_movements", evidence)
    (item,) = evidence.items
    assert "movement_id,\n  name,\n  category" in item.data["runbook_sql"]
    assert "classification AS category" in item.data["query"]
    assert item.data["profile"] == ATHLETE_ALLY
    text = evidence.as_text()
    assert "runbook's SQL, as written: SELECT movement_id" in text
    assert "run instead (athlete-ally schema)" in text


def test_the_runbooks_sql_that_does_not_run_on_athlete_ally_is_drift(
    athlete_ally_dsn: str,
) -> None:
    with DatabaseProbe(athlete_ally_dsn) as probe:
        assert probe.profile.name == ATHLETE_ALLY
        drift = {d.query: d for d in probe.drift}
    assert set(drift) == {
        "list movements",
        "status counts",
        "recent scoring",
        "rollback scoring check",
    }
    assert drift["status counts"].error == 'column "status" does not exist'
    assert drift["status counts"].missing_columns == ["movement_library.status"]
    assert "FROM movement_staging" in drift["status counts"].equivalent


def test_a_staging_whose_schema_fits_no_profile_is_no_go_with_that_one_cause_first(
    staging_env: dict[str, str], foreign_dsn: str, tmp_path: Path
) -> None:
    """The API is healthy; the database it is checked against has a shape no profile knows.
    The verdict's first cause says so, with the columns, and the terminal's last lines too."""
    run = run_suite(tmp_path, {**staging_env, "PLANNING_DATABASE_URL": foreign_dsn})
    predicate = json.loads((tmp_path / "reports" / "verdict.json").read_text())["predicate"]
    assert (run.exit_code, predicate["verdict"]) == (1, "NO-GO"), run.output[-3000:]
    first, *others = predicate["causes"]
    assert first["cause"] == "the deployed schema matches no known profile"
    assert "movement_library lacks movement_id" in first["finding"]
    assert first["scenarios"] >= 15 and all(c["scenarios"] < first["scenarios"] for c in others)
    assert predicate["target"]["schema_profile"].startswith("none: the deployed schema matches")
    tail = run.output.strip().splitlines()[-15:]
    assert any("cause 1/" in line and "matches no known profile" in line for line in tail), tail


def test_the_embedded_target_in_the_athlete_ally_profile_says_go(tmp_path: Path) -> None:
    """`pytest features/ --schema-profile athlete-ally`: the engine boots in that profile, every
    scenario runs on its schema, and the page shows the profile and the runbook's drift."""
    run = run_suite(tmp_path, {}, "--schema-profile", ATHLETE_ALLY)
    predicate = json.loads((tmp_path / "reports" / "verdict.json").read_text())["predicate"]
    assert (run.exit_code, predicate["verdict"]) == (0, "GO"), run.output[-3000:]
    assert predicate["target"]["schema_profile"].startswith("athlete-ally (set by --schema-profile")
    assert len(predicate["target"]["runbook_drift"]) == 4
    page = (tmp_path / "reports" / "signoff.html").read_text(encoding="utf-8")
    assert "Runbook drift</h2>" in page and "classification AS category" in page
    assert "the runbook's SQL, as written</p>" in page  # in a scenario's evidence, served


def test_a_lock_leaves_the_drift_unknown_not_absent(athlete_ally_dsn: str) -> None:
    """Planning the runbook's SQL waits for a lock like any query: the drift is then "not
    checked", naming the holder, never an empty list that would read as "no drift"."""
    with psycopg.connect(athlete_ally_dsn, application_name="drift-locker") as locker:
        locker.execute("LOCK TABLE movement_library IN ACCESS EXCLUSIVE MODE")
        with DatabaseProbe(athlete_ally_dsn) as probe:
            assert probe.profile.name == ATHLETE_ALLY
            assert probe.drift == []
            assert probe.drift_unknown.startswith("not checked: pid ")
            assert "drift-locker" in probe.drift_unknown


def test_a_profile_given_for_a_schema_of_another_shape_is_one_cause_naming_it(
    seeded_dsn: str,
) -> None:
    with (
        DatabaseProbe(seeded_dsn, schema_profile=ATHLETE_ALLY) as probe,
        pytest.raises(ReadinessFailure) as failure,
    ):
        probe.run("count_movements")
    assert failure.value.fix is Fix.SCHEMA_PROFILE_GIVEN
    assert "the schema profile athlete-ally was given" in str(failure.value)
    assert "it fits runbook" in str(failure.value)
    # Headed as what it is: the profile given is wrong, not every known profile.
    assert (
        Fix.SCHEMA_PROFILE_GIVEN.title
        == "the schema profile given does not fit the deployed schema"
    )


def _scored(evaluated: str, total: float) -> str:
    return json.dumps({"scoring": {"total": total, "metadata": {"evaluatedAt": evaluated}}})


def test_without_a_plan_id_a_job_is_linked_to_the_earliest_plan_with_its_scoring(
    athlete_ally_dsn: str,
) -> None:
    """As the athlete-ally service stores them: no planId; a plan-cache hit copies the first
    plan (its scoring included) for a later job, which stays queued. A job of the same user
    whose scoring has the same instant cannot be told apart: not verified, never guessed."""
    first, twin = "2026-12-03T08:00:00.100Z", "2026-12-03T09:00:00.200Z"
    rows = [
        # plans: id, user, content, created
        ("pa", "u2", _scored(first, 0.9), "2026-12-03 08:00:00.150"),
        ("pa-copy", "u2", _scored(first, 0.9), "2026-12-03 08:00:07"),  # cache copy
        ("pb", "u3", _scored(twin, 0.8), "2026-12-03 09:00:00.250"),
    ]
    jobs = [
        ("ja", "u2", "completed", {"scoring": json.loads(_scored(first, 0.9))["scoring"]}),
        ("jb", "u3", "completed", {"scoring": json.loads(_scored(twin, 0.8))["scoring"]}),
        ("jb2", "u3", "completed", {"scoring": json.loads(_scored(twin, 0.8))["scoring"]}),
    ]
    with psycopg.connect(athlete_ally_dsn) as conn:
        for plan_id, user, content, created in rows:
            conn.execute(
                'INSERT INTO plans (id, "userId", version, status, content, "createdAt",'
                " \"updatedAt\") VALUES (%s, %s, 1, 'completed', %s, %s, now())",
                (plan_id, user, content, created),
            )
        for job_id, user, status, result in jobs:
            conn.execute(
                'INSERT INTO plan_jobs (id, "jobId", "userId", status, "requestData",'
                ' "resultData", "createdAt", "updatedAt") VALUES (%s, %s, %s, %s, \'{}\', %s,'
                " now() AT TIME ZONE 'UTC', now())",
                (job_id, job_id, user, status, json.dumps(result)),
            )
    with DatabaseProbe(athlete_ally_dsn) as probe:
        found = {
            row["job_id"]: row
            for row in probe.run("recent_scored_plans", None, (0.0, 100, ["ja"])).as_dicts()
        }
    assert found["ja"]["plan_found"] and found["ja"]["link_problem"] is None
    assert found["ja"]["plan"]["scoring"]["metadata"]["evaluatedAt"] == first
    assert "2 jobs of user u3 carry scoring evaluated at the same instant" in (
        found["jb"]["link_problem"] or ""
    )
    assert found["job-1"]["plan_found"] and found["job-1"]["link_problem"] is None  # by planId
