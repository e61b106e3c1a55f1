"""The engine's `runbook` schema profile: the snake_case tables the runbook's SQL is written for,
created by the engine's own migrations."""

from pathlib import Path

from planning_engine.database import schema_required
from planning_engine.profiles.backend import SchemaBackend
from planning_engine.profiles.runbook import importer, jobs, metrics, schema, seed_dump
from planning_engine.schema_profile import RUNBOOK

BACKEND = SchemaBackend(
    profile=RUNBOOK,
    jobs=jobs,
    database_state=metrics.database_state,
    schema_problem=schema.schema_problem,
    startup_notes=schema.startup_notes,
    health_detail={"migrations": "applied"},
    import_movements=importer.import_movements,
    record_run=importer.record_run,
    dump=seed_dump.dump,
    schema_required=schema_required,
    migrations=Path(__file__).parent / "migrations",
    ledger_prefix="",
)
