"""The athlete-ally profile's statements, one `.sql` file each, by area (import, jobs, metrics,
schema, and the API profile's api and generator).

Timestamps there are `timestamp(3) without time zone` holding UTC, as Prisma writes them, so
the statements write `(now() AT TIME ZONE 'UTC')`: now() in the session's time zone would be
off by its offset wherever that is not UTC.
"""

from pathlib import Path

from planning_engine.sql_files import SqlFiles

SQL = SqlFiles(Path(__file__).parent)
