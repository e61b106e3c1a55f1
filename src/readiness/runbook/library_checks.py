"""The movement library checks of Phases 2 and 4, for the target or for a rehearsal database."""

import json
from typing import Any

import psycopg

from planning_engine.database import connect
from planning_engine.errors import DatabaseUnavailable, InvalidInput, SchemaMissing
from planning_engine.import_runs import ImportSummary
from planning_engine.importer import import_movements
from planning_engine.movement_file import read_movement_file
from planning_engine.resources import FOUNDATIONAL_MOVEMENTS as FOUNDATIONAL_FILE
from planning_engine.resources import data_file
from readiness.checks import expect, fail
from readiness.evidence import Evidence
from readiness.expectations import (
    EXPECTED_MOVEMENT_COUNT,
    FOUNDATIONAL_MOVEMENTS,
)
from readiness.fixes import Fix
from readiness.target.db_probe import LOCK_TIMEOUT_MS, DatabaseProbe, lock_holders


def check_audit_actions(
    probe: DatabaseProbe, evidence: Evidence, imported: int, published: int
) -> None:
    """Runbook Phase 4: `imported = 8, published = 8` (other actions, e.g. updates, may exist),
    in the actions of the schema's profile."""
    wanted = probe.profile.audit_counts(imported, published)
    counts = {
        row["action"]: row["count"] for row in probe.run("audit_actions", evidence).as_dicts()
    }
    relevant = {action: counts.get(action, 0) for action in wanted}
    expected = ", ".join(f"{action} = {count}" for action, count in wanted.items())
    expect(relevant == wanted, found=counts, expected=expected, fix=Fix.AUDIT)


def check_published_foundational_listing(probe: DatabaseProbe, evidence: Evidence) -> None:
    listing = probe.run("list_movements", evidence).as_dicts()
    found = {row["name"]: (row["category"], row["status"]) for row in listing}
    wanted = {name: (category, "published") for name, category in FOUNDATIONAL_MOVEMENTS.items()}
    expect(
        found == wanted,
        found=found,
        expected=f"the {EXPECTED_MOVEMENT_COUNT} foundational movements, published",
        fix=Fix.SEED,
    )


def listing_mismatch(found: dict[str, str], wanted: dict[str, str]) -> str:
    """How a listing's name -> category differs from the wanted one, shortly: the missing names,
    the unexpected ones and the wrong categories (a whole listing would bury the difference)."""
    missing = [name for name in wanted if name not in found]
    extra = [name for name in found if name not in wanted]
    wrong = {n: found[n] for n in wanted if n in found and found[n] != wanted[n]}
    parts = [
        f"missing {missing}" if missing else "",
        f"not foundational {extra}" if extra else "",
        f"categories {wrong} (expected { ({n: wanted[n] for n in wrong}) })" if wrong else "",
    ]
    return "; ".join(part for part in parts if part)


def listing_differences(listing: list[dict[str, Any]], list_column: str) -> list[str]:
    """Rows of the listing whose id or list column (the runbook's modalities, or what the
    profile lists instead) differ from the foundational file."""
    seeded = {
        m["name"]: (m["movement_id"], sorted(m[list_column]))
        for m in json.loads(data_file(FOUNDATIONAL_FILE).read_text(encoding="utf-8"))["movements"]
    }
    return [
        f"{row['name']}: {row['movement_id']} {sorted(row[list_column] or [])}"
        for row in listing
        if row["name"] in seeded
        and (row["movement_id"], sorted(row[list_column] or [])) != seeded[row["name"]]
    ]


def dry_run_foundational_seed(dsn: str, profile: str) -> ImportSummary:
    """What re-seeding would change, from `import-movements --dry-run` (rolled back), with the
    runbook's fix for each way it can be refused."""
    records = read_movement_file(data_file(FOUNDATIONAL_FILE))
    try:
        with connect(dsn) as conn:
            conn.execute("SELECT set_config('lock_timeout', %s, false)", (f"{LOCK_TIMEOUT_MS}ms",))
            conn.commit()
            try:
                return import_movements(
                    conn, records, actor="readiness-suite", dry_run=True, profile=profile
                )
            except psycopg.errors.LockNotAvailable:
                conn.rollback()
                holders = lock_holders(conn) or "a lock, released since,"
                fail(f"{holders} (the seed's dry run waited for it)", Fix.LOCK)
    except DatabaseUnavailable as error:
        fail(error.cause, Fix.CONNECTION)
    except SchemaMissing as error:
        fail(error.cause, Fix.SCHEMA)
    except psycopg.errors.InsufficientPrivilege as error:
        fail(f"the dry run may not stage rows ({error.diag.message_primary})", Fix.PERMISSIONS)
    except psycopg.errors.ReadOnlySqlTransaction as error:
        fail(f"the database refuses writes: {error.diag.message_primary}", Fix.READ_ONLY)
    except InvalidInput as error:
        fail(
            f"re-seeding would be refused: {error.cause} ({'; '.join(error.problems)})",
            Fix.DUPLICATES,
        )


def surplus_fix(probe: DatabaseProbe) -> Fix:
    """The fix for a library that is not the foundational 8: names that appear twice are the
    duplicates' (truncate and re-seed), movements beyond the 8 too (re-seeding leaves them),
    anything less a re-seed."""
    if probe.run("duplicate_names").rows:
        return Fix.DUPLICATES
    count = probe.run("count_movements").scalar()
    return (
        Fix.EXTRA_MOVEMENTS if count is not None and count > EXPECTED_MOVEMENT_COUNT else Fix.SEED
    )
