"""Publishing a movement file into the library of a database of either schema profile.

The pipelines are the profiles' own (`profiles/runbook/importer.py`: staged in Postgres a chunk
at a time, all or nothing; `profiles/athlete_ally/importer.py`: that schema's curation steps);
this module is what the commands and the suite call, whatever the profile.
"""

from collections.abc import Iterable

import psycopg

from planning_engine.import_runs import ImportSummary
from planning_engine.movement_file import MovementRecord
from planning_engine.profiles import backend_for
from planning_engine.schema_profile import RUNBOOK


def import_movements(
    conn: psycopg.Connection,
    records: Iterable[MovementRecord],
    *,
    actor: str = "planning-engine",
    publish: bool = True,
    dry_run: bool = False,
    profile: str = RUNBOOK,
) -> ImportSummary:
    """Import `records` into the tables of the schema `profile`; dry runs write nothing."""
    pipeline = backend_for(profile).import_movements
    return pipeline(conn, records, actor=actor, publish=publish, dry_run=dry_run)


def record_run(
    conn: psycopg.Connection,
    *,
    actor: str,
    source: str,
    summary: ImportSummary | None,
    error: str | None,
    profile: str = RUNBOOK,
) -> None:
    """Keep a ledger of import attempts (never their data) so /metrics can count failures."""
    ledger = backend_for(profile).record_run
    ledger(conn, actor=actor, source=source, summary=summary, error=error)
