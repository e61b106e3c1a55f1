"""Steps that seed, dump, restore and truncate: Phase 2's two paths and the seeding rollback."""

import json
import socket

from pytest_bdd import given, parsers, then, when

from engine_sandbox import workspace
from planning_engine.planner import generate_plan
from planning_engine.scoring import score_plan
from readiness.checks import expect
from readiness.evidence import Evidence
from readiness.expectations import EXPECTED_MOVEMENT_COUNT, RUNBOOK_PLAN_REQUEST
from readiness.fixes import Fix
from readiness.runbook.library_checks import (
    check_audit_actions,
    check_published_foundational_listing,
)
from readiness.runbook.rollback_drill import MovementRollback
from readiness.scenario_fixtures import ScenarioState
from readiness.target.db_probe import DatabaseProbe
from readiness.target.deployment import EmbeddedTarget, Target
from readiness.target.engine_cli import CliOutcome, run_engine_command

# The engine's commands that touch the database, and so speak its schema profile.
DATABASE_COMMANDS = ("seed", "dump-seed", "restore-seed", "import-movements", "migrate")


def _run(state: ScenarioState, evidence: Evidence, *args: str) -> CliOutcome:
    """An engine command; one that touches a database, in the target's schema profile."""
    profile = ("--schema-profile", state.schema_profile) if args[0] in DATABASE_COMMANDS else ()
    outcome = run_engine_command(*args, *profile)
    state.commands.append(outcome)
    evidence.note(
        outcome.command,
        exit_code=outcome.exit_code,
        stdout=outcome.stdout.strip(),
        stderr="\n".join(line for line in outcome.stderr.splitlines() if not line.startswith("{")),
    )
    return outcome


def _run_ok(state: ScenarioState, evidence: Evidence, *args: str) -> None:
    _expect_succeeded(_run(state, evidence, *args))


def _expect_succeeded(outcome: CliOutcome) -> None:
    expect(
        outcome.exit_code == 0,
        found=outcome.stderr.strip(),
        expected=f"`{outcome.command}` to succeed",
        fix=Fix.SEED,
    )


def _seedings_succeeded(state: ScenarioState) -> None:
    """Before judging what a seeding left: each seeding of the scenario succeeded (its error,
    not an empty library, is the finding)."""
    for outcome in state.commands:
        _expect_succeeded(outcome)


def _scratch_probe(state: ScenarioState) -> DatabaseProbe:
    assert state.scratch_dsn is not None
    return DatabaseProbe(state.scratch_dsn, schema_profile=state.schema_profile)


def _seed(state: ScenarioState, evidence: Evidence, dsn: str) -> None:
    _run_ok(state, evidence, "seed", "--actor", "readiness-suite", "--dsn", dsn)


def _unanswering_dsn() -> str:
    """A DSN at a local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"postgresql://stream5:not-a-real-password@127.0.0.1:{port}/planning"


@given("an empty database with the Stream 5 schema")
def empty_database(embedded_target: EmbeddedTarget, state: ScenarioState) -> None:
    state.scratch_dsn = embedded_target.scratch_database(migrated=True)


@given("a database without the Stream 5 schema")
def bare_database(embedded_target: EmbeddedTarget, state: ScenarioState) -> None:
    state.scratch_dsn = embedded_target.scratch_database(migrated=False)


@given("a database that does not answer")
def unanswering_database(state: ScenarioState) -> None:
    state.scratch_dsn = _unanswering_dsn()


@given("a seed dump produced from a seeded database")
def seed_dump(embedded_target: EmbeddedTarget, state: ScenarioState, evidence: Evidence) -> None:
    source = embedded_target.scratch_database(migrated=True)
    _seed(state, evidence, source)
    state.dump_file = workspace.scratch("seed-dump-") / "movements_seed_ci.sql"
    _run_ok(state, evidence, "dump-seed", "--out", str(state.dump_file), "--dsn", source)


@when(parsers.re(r"the foundational movements are seeded(?: again)?"))
def seed_foundational(state: ScenarioState, evidence: Evidence) -> None:
    """`planning-engine seed` into the database the scenario is about: the one it made, else the
    target whose movement tables it truncated. Whether it had to succeed, the Then steps say."""
    if state.rollback is not None:
        summary = state.rollback.reseed(evidence)
        expect(
            summary.created == EXPECTED_MOVEMENT_COUNT,
            found=f"re-seed created {summary.created}",
            expected=str(EXPECTED_MOVEMENT_COUNT),
            fix=Fix.SEED,
        )
        return
    assert state.scratch_dsn is not None
    _run(state, evidence, "seed", "--actor", "readiness-suite", "--dsn", state.scratch_dsn)


@when("the seed dump is restored")
def restore_dump(state: ScenarioState, evidence: Evidence) -> None:
    assert state.scratch_dsn is not None and state.dump_file is not None
    _run_ok(
        state, evidence, "restore-seed", "--file", str(state.dump_file), "--dsn", state.scratch_dsn
    )


@then("that database holds the foundational movements, all published")
def scratch_library(state: ScenarioState, evidence: Evidence) -> None:
    _seedings_succeeded(state)
    with _scratch_probe(state) as probe:
        check_published_foundational_listing(probe, evidence)


@then(
    parsers.re(
        r"(?:the|its) audit log records (?P<imported>\d+) imports and (?P<published>\d+) "
        "publications"
    ),
    converters={"imported": int, "published": int},
)
def audit_records(
    state: ScenarioState,
    database: DatabaseProbe,
    evidence: Evidence,
    imported: int,
    published: int,
) -> None:
    """The target's audit log, or ("its") the one of the database the scenario seeded."""
    if state.scratch_dsn is None:
        check_audit_actions(database, evidence, imported, published)
        return
    with _scratch_probe(state) as probe:
        check_audit_actions(probe, evidence, imported, published)


@then("the second seeding reports every movement unchanged")
def second_seed_unchanged(state: ScenarioState) -> None:
    _seedings_succeeded(state)
    summary = state.commands[-1].stdout
    expect(
        f"unchanged {EXPECTED_MOVEMENT_COUNT}" in summary and "created 0" in summary,
        found=summary.strip(),
        expected="created 0, updated 0, unchanged 8",
        fix=Fix.SEED,
    )


@when("the movement tables are truncated")
def truncate_movements(
    target: Target, database: DatabaseProbe, state: ScenarioState, evidence: Evidence
) -> None:
    state.rollback = MovementRollback(target.dsn, database.profile)
    state.rollback.truncate(evidence)


@then(parsers.parse('the seeding fails with a message naming "{text}"'))
def seeding_fails_with(state: ScenarioState, text: str) -> None:
    outcome = state.commands[-1]
    expect(
        outcome.exit_code != 0 and text in outcome.stderr,
        found=f"exit {outcome.exit_code}: {outcome.stderr.strip()}",
        expected=f"a non-zero exit and a message naming {text!r}",
        fix=Fix.ERROR_MESSAGES,
    )


@given(parsers.parse('a Stream 5 database where another movement is already named "{name}"'))
def conflicting_name(embedded_target: EmbeddedTarget, state: ScenarioState, name: str) -> None:
    state.scratch_dsn = embedded_target.scratch_database(migrated=True)
    with _scratch_probe(state) as probe:
        probe.run("insert_hand_made_movement", None, ("hand-made-movement", name))


@then("nothing was written to the movement library")
def nothing_written(state: ScenarioState, evidence: Evidence) -> None:
    with _scratch_probe(state) as probe:
        rows = probe.run("count_movements", evidence).scalar()
    expect(
        rows == 1, found=f"{rows} movements", expected="only the one already there", fix=Fix.SEED
    )


@given(parsers.parse("a job result whose scoring total was changed to {total:g}"))
def corrupted_job_result(state: ScenarioState, total: float) -> None:
    squat = {"movement_id": "back-squat", "name": "Back Squat", "category": "strength"}
    plan = generate_plan(RUNBOOK_PLAN_REQUEST, [{**squat, "recommended_rpe": 8}])
    payload = {**score_plan(plan, RUNBOOK_PLAN_REQUEST), "total": total}
    state.dump_file = workspace.scratch("payloads-") / "payloads.json"
    state.dump_file.write_text(json.dumps([{"resultData": {"scoring": payload}}]), encoding="utf-8")


@when("the contract validator checks it")
def validator_checks(state: ScenarioState, evidence: Evidence) -> None:
    assert state.dump_file is not None
    _run(state, evidence, "validate-scoring", "--file", str(state.dump_file))


@then(parsers.parse('the validator rejects it naming "{text}"'))
def validator_rejects(state: ScenarioState, text: str) -> None:
    outcome = state.commands[-1]
    expect(
        outcome.exit_code == 1 and text in outcome.stdout,
        found=f"exit {outcome.exit_code}: {outcome.stdout.strip()}",
        expected=f"exit 1 and a finding at {text!r}",
        fix=Fix.CONTRACT,
    )
