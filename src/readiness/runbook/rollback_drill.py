"""The runbook's movement-seeding rollback (TRUNCATE, then re-seed) as one transaction.

The runbook accepts that the library is "temporarily empty until restored". Run as a drill
on a live target that would break every plan generated meanwhile, so the truncate and the
re-seed share one transaction: other sessions wait on the table locks for a moment and
then see the restored library, never an empty one.
"""

import psycopg

from planning_engine.import_runs import IMPORT_LOCK_KEY, ImportSummary
from planning_engine.importer import import_movements
from planning_engine.movement_file import read_movement_file
from planning_engine.resources import FOUNDATIONAL_MOVEMENTS, data_file
from readiness.checks import fail
from readiness.evidence import Evidence
from readiness.fixes import Fix
from readiness.schema_profiles import SchemaProfile


class MovementRollback:
    def __init__(self, dsn: str, profile: SchemaProfile) -> None:
        self.dsn, self.profile = dsn, profile
        self.truncate_sql = profile.query("truncate_movements").sql
        self._conn: psycopg.Connection | None = None

    def truncate(self, evidence: Evidence) -> None:
        try:
            self._conn = psycopg.connect(
                self.dsn, connect_timeout=5, options="-c lock_timeout=10000"
            )
            # Imports take this lock before their tables; taking it first too rules out a deadlock
            # with an import (or a dry run) that starts during the drill.
            self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (IMPORT_LOCK_KEY,))
            self._conn.execute(self.truncate_sql)
        except psycopg.Error as error:
            self.abandon()
            fail(
                f"the truncate failed: {error.diag.message_primary or type(error).__name__}",
                Fix.CONNECTION,
            )
        evidence.note(
            "runbook Rollback step 1 (inside the drill's transaction)",
            sql=self.truncate_sql,
        )

    def reseed(self, evidence: Evidence) -> ImportSummary:
        assert self._conn is not None, "truncate first"
        records = read_movement_file(data_file(FOUNDATIONAL_MOVEMENTS))
        try:
            summary = import_movements(
                self._conn, records, actor="readiness-rollback-drill", profile=self.profile.name
            )
            self._conn.commit()
        except psycopg.Error as error:
            fail(
                f"the re-seed failed and was rolled back: {error.diag.message_primary or error}",
                Fix.SEED,
            )
        finally:
            self.abandon()
        evidence.note(
            "runbook Rollback step 3: re-seed from the known-good source", **summary.as_dict()
        )
        return summary

    def abandon(self) -> None:
        """Close the connection; an uncommitted truncate is rolled back with it."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
