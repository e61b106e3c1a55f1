-- The suite's own query: the import-failures metric from the engine's import ledger.
SELECT count(*) FROM movement_import_runs WHERE NOT succeeded;
