"""The engine's `athlete-ally` schema profile: the same engine on that platform's Prisma tables.

Every module here mirrors a runbook-profile module (importer, seed dump, job store, gauges)
with the same signatures, and is chosen once by profile; nothing in it relies on more than the
tables, columns and types `DEPLOYED_SCHEMA_ATHLETE_ALLY.md` describes.
"""
