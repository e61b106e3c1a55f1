"""The runbook profile's statements, one `.sql` file each, by area (import, jobs, metrics)."""

from pathlib import Path

from planning_engine.sql_files import SqlFiles

SQL = SqlFiles(Path(__file__).parent)
