"""The engine's SQL, one named file per statement under `sql/<area>/`, as the suite keeps its
own (readiness/schema_profiles): a statement is read where it can be read whole, with its
comment, and changed without touching the code that runs it."""

from functools import cache
from pathlib import Path

_SQL = Path(__file__).parent / "sql"


@cache
def statement(area: str, name: str) -> str:
    """The SQL of `sql/<area>/<name>.sql`."""
    return (_SQL / area / f"{name}.sql").read_text(encoding="utf-8")
