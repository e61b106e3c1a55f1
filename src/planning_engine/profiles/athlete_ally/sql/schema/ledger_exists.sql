-- Whether this database has the engine's import ledger (tables made by Prisma do not).
SELECT to_regclass('movement_import_runs') IS NOT NULL
