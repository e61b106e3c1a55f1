"""The engine's `athlete-ally` schema profile: the same engine on that platform's Prisma tables.

Every module here mirrors a runbook-profile module (importer, seed dump, job store, gauges,
schema) with the same signatures, and `BACKEND` gathers them as `profiles/runbook/` does;
nothing in it relies on more than the tables, columns and types `DEPLOYED_SCHEMA_ATHLETE_ALLY.md`
describes. The modules of its API profile (`deployed_*`, `generator`, `rate_limit`) are loaded
only by a `serve --api-profile athlete-ally`.
"""

from pathlib import Path

from planning_engine.profiles.athlete_ally import importer, jobs, metrics, schema, seed_dump
from planning_engine.profiles.backend import SchemaBackend
from planning_engine.schema_profile import ATHLETE_ALLY

BACKEND = SchemaBackend(
    profile=ATHLETE_ALLY,
    jobs=jobs,
    database_state=metrics.database_state,
    schema_problem=schema.schema_problem,
    startup_notes=metrics.startup_notes,
    # Its tables may come from Prisma, not `migrate`: what is checked is that they are there.
    health_detail={"schema": "complete"},
    import_movements=importer.import_movements,
    record_run=importer.record_run,
    dump=seed_dump.dump,
    schema_required=schema.schema_required,
    migrations=Path(__file__).parent / "migrations",
    ledger_prefix=f"{ATHLETE_ALLY}:",
)
