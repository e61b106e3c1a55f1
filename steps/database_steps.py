"""Steps that read the target's database with the runbook's own SQL."""

import re
from typing import Any

from pytest_bdd import parsers, then

from readiness.checks import contract_findings, expect
from readiness.config import SuiteConfig
from readiness.evidence import Evidence
from readiness.expectations import (
    EXPECTED_MOVEMENT_COUNT,
    MINIMUM_POSTGRES,
)
from readiness.expectations import (
    FOUNDATIONAL_MOVEMENTS as EXPECTED_MOVEMENTS,
)
from readiness.fixes import Fix
from readiness.runbook.library_checks import (
    dry_run_foundational_seed,
    listing_differences,
    listing_mismatch,
    surplus_fix,
)
from readiness.runbook.plans import Job
from readiness.schema_profiles import base_query
from readiness.since_deploy.deploy_time import DeployTime
from readiness.since_deploy.job_windows import since_deploy
from readiness.since_deploy.measurements import VALIDATION_QUERIES, record_query
from readiness.target.db_probe import TIMED_RUNS, DatabaseProbe, columns_by_table
from readiness.target.deployment import Target

# The runbook's read-only queries of Phases 2 and 4, by the name the report shows.


@then(f"the database reports Postgres {MINIMUM_POSTGRES} or newer")
def postgres_version(database: DatabaseProbe, evidence: Evidence) -> None:
    version = str(database.query(base_query("select_version"), evidence).scalar())
    match = re.search(r"PostgreSQL (\d+)", version)
    major = int(match.group(1)) if match else 0
    expect(
        major >= MINIMUM_POSTGRES,
        found=version,
        expected=f"PostgreSQL {MINIMUM_POSTGRES}+",
        fix=Fix.CONNECTION,
    )


@then("the Stream 5 schema has every column the engine needs")
def schema_columns(database: DatabaseProbe, evidence: Evidence) -> None:
    required = database.profile.required_columns
    present = columns_by_table(database.run("schema_columns", evidence).rows)
    missing = {t: sorted(set(cols) - present.get(t, set())) for t, cols in required.items()}
    missing = {t: c for t, c in missing.items() if c}
    expect(
        not missing,
        found=f"missing columns {missing}",
        expected=f"the Stream 5 schema ({database.profile.name} profile)",
        fix=Fix.SCHEMA,
    )


@then(parsers.parse("the table {table} exists"))
def table_exists(database: DatabaseProbe, evidence: Evidence, table: str) -> None:
    found = database.query(base_query("table_exists"), evidence, (table,)).scalar()
    expect(found is not None, found=f"no table {table}", expected=f"table {table}", fix=Fix.SCHEMA)


@then(parsers.parse("the movement library holds {count:d} movements"))
def library_count(database: DatabaseProbe, evidence: Evidence, count: int) -> None:
    rows = database.run("count_movements", evidence).scalar()
    expect(
        rows == count,
        found=f"movement_library has {rows} rows",
        expected=str(count),
        fix=surplus_fix(database) if rows > count else Fix.SEED,
    )


@then("the movement listing shows the foundational movements with their categories")
def library_listing(database: DatabaseProbe, evidence: Evidence) -> None:
    listing = database.run("list_movements", evidence).as_dicts()
    found = {row["name"]: row["category"] for row in listing}
    expect(
        found == EXPECTED_MOVEMENTS,
        found=listing_mismatch(found, EXPECTED_MOVEMENTS),
        expected="the 8 foundational movements with the runbook's categories",
        fix=surplus_fix(database),
    )
    column = database.profile.listing_list_column
    differing = listing_differences(listing, column)
    expect(
        not differing,
        found=f"listing rows unlike the seed file: {differing}",
        expected=f"movement_id and {column} as in movements-foundational.json",
        fix=surplus_fix(database),
    )


@then("the audit log is not empty")
def audit_not_empty(database: DatabaseProbe, evidence: Evidence) -> None:
    rows = database.run("count_audit", evidence).scalar()
    expect(
        rows > 0,
        found=f"movement_audit_log has {rows} rows",
        expected="> 0 (one entry per movement imported)",
        fix=Fix.SEED,
    )


@then("a dry run of the foundational seed reports every movement unchanged")
def reseed_dry_run(target: Target, database: DatabaseProbe, evidence: Evidence) -> None:
    summary = dry_run_foundational_seed(target.dsn, database.profile.name)
    evidence.note(
        "planning-engine import-movements --file movements-foundational.json --dry-run "
        f"--schema-profile {database.profile.name}",
        **summary.as_dict(),
    )
    changes = {
        k: v for k, v in summary.as_dict().items() if k in ("created", "updated", "published") and v
    }
    expect(
        not changes,
        found=f"re-seeding would change {changes}",
        expected=f"all {EXPECTED_MOVEMENT_COUNT} unchanged",
        fix=Fix.SEED,
    )


@then(parsers.parse("the status counts show {count:d} published movements and nothing else"))
def status_counts(database: DatabaseProbe, evidence: Evidence, count: int) -> None:
    counts = {
        row["status"]: row["count"] for row in database.run("status_counts", evidence).as_dicts()
    }
    expect(
        counts == {"published": count},
        found=counts,
        expected=f"published = {count}",
        fix=surplus_fix(database) if sum(counts.values()) > count else Fix.SEED,
    )


@then("no movement name appears more than once")
def no_duplicates(database: DatabaseProbe, evidence: Evidence) -> None:
    rows = database.run("duplicate_names", evidence).rows
    expect(not rows, found=f"duplicated names {rows}", expected="0 rows", fix=Fix.DUPLICATES)


@then("every movement named in the audit log exists in the library")
def audit_matches_library(database: DatabaseProbe, evidence: Evidence) -> None:
    orphans = database.run("orphan_audit_rows", evidence).rows
    expect(
        not orphans,
        found=f"audit rows for movements not in the library: {[r[0] for r in orphans]}",
        expected="none",
        fix=Fix.AUDIT,
    )


@then(
    parsers.parse(
        'every recent completed plan job has scoring version "{version}" with a total between '
        "{low:g} and {high:g}"
    )
)
def recent_scoring(
    database: DatabaseProbe,
    job: Job,
    deploy_time: DeployTime,
    evidence: Evidence,
    version: str,
    low: float,
    high: float,
) -> None:
    """The runbook's query is run and shown; the verdict counts the jobs completed since the
    deploy, all of them: what a LIMIT 10 happened to hold, or jobs from before the release,
    decide nothing (they are shown as information)."""
    quoted = database.run("recent_scoring", evidence).as_dicts()
    rows = since_deploy(database, deploy_time, evidence)
    older = [
        str(r["job_id"]) for r in quoted if str(r["job_id"]) not in {x["job_id"] for x in rows}
    ]
    if older:
        evidence.note(
            f"{len(older)} job(s) of the runbook's query are from before the deploy "
            f"({deploy_time.shown()}, {deploy_time.source}): information, not judged",
            jobs=older[:10],
        )
    expect(
        bool(rows),
        found=f"no completed plan jobs since the deploy ({deploy_time.shown()})",
        expected="at least the test plan",
        fix=Fix.JOBS,
    )
    unscored = [str(r["job_id"]) for r in rows if not r["has_scoring"]]
    # The run's own plan unscored is the flag; other jobs unscored beside a scored test plan are
    # those jobs' story (made before the flag was on? by an instance with it off?), not the flag.
    expect(
        not unscored,
        found=f"{len(unscored)} of {len(rows)} recent jobs carry no scoring: {unscored[:5]}",
        expected="has_scoring = true",
        fix=_unscored_fix(job, unscored),
    )
    wrong = [
        (str(r["job_id"]), r["scoring_version"], r["total_score"])
        for r in rows
        if r["scoring_version"] != version
        or r["total_score"] is None
        or not low <= r["total_score"] <= high
    ]
    expect(
        not wrong,
        found=f"jobs with wrong version or total {wrong}",
        expected=f"version {version}, total in [{low:g}, {high:g}]",
        fix=Fix.CONTRACT,
    )


def _unscored_fix(job: Job, unscored: list[str]) -> Fix:
    """The test plan unscored in the database: the flag, unless the API returned it scored (then
    the database does not hold what the API said). Only other jobs unscored: their own story."""
    if str(job["jobId"]) not in unscored:
        return Fix.UNSCORED_JOBS
    returned = (job.get("resultData") or {}).get("scoring")
    return Fix.PERSISTENCE if isinstance(returned, dict) else Fix.FLAG


@then("every recent scoring payload stored in the database passes the contract validator")
def stored_scoring_valid(
    database: DatabaseProbe, deploy_time: DeployTime, evidence: Evidence
) -> None:
    """The payloads stored since the deploy: an older release's are not this one's to answer."""
    rows = database.run("recent_scoring_payloads", evidence, (deploy_time.epoch,)).as_dicts()
    expect(
        bool(rows),
        found=f"no scored job in the last hour since the deploy ({deploy_time.shown()})",
        expected="the test plan's",
        fix=Fix.FLAG,
    )
    findings = contract_findings(row["scoring"] for row in rows)
    evidence.findings(f"contract validator over {len(rows)} stored payload(s)", findings, [])
    expect(not findings, found=findings, expected="no contract errors", fix=Fix.CONTRACT)


@then(parsers.parse('the runbook query for "{name}" completes within the SLA'))
def query_within_sla(
    database: DatabaseProbe,
    evidence: Evidence,
    suite_config: SuiteConfig,
    measured: dict[str, Any],
    name: str,
) -> None:
    median = database.median_ms(VALIDATION_QUERIES[name], evidence)
    record_query(measured, name, median)
    expect(
        median <= suite_config.sla_ms,
        found=f"median {median:.1f} ms over {TIMED_RUNS} runs",
        expected=f"<= {suite_config.sla_ms:g} ms",
        fix=Fix.PERFORMANCE,
    )
