-- failed import attempts in the engine's ledger (planning_movement_import_failures)
SELECT count(*) FROM movement_import_runs WHERE NOT succeeded
