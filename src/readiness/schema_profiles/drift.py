"""Runbook drift: where the runbook's own SQL no longer runs on the deployed schema.

For every runbook query a profile rewrites, the runbook's SQL as written is planned (EXPLAIN,
nothing runs) on the target. One that Postgres refuses is listed with its error, the columns
it names that the tables it reads lack, and the profile's equivalent. Drift informs the
reader of the runbook; it does not decide the verdict: the equivalents do.
"""

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from readiness.schema_profiles import SchemaProfile


@dataclass(frozen=True)
class Drift:
    query: str
    error: str
    missing_columns: list[str]
    equivalent: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def runbook_drift(
    profile: SchemaProfile,
    columns: dict[str, set[str]],
    plan_error: Callable[[str], str | None],
) -> list[Drift]:
    """`plan_error(sql)` is Postgres's objection to planning `sql`, or None if it plans."""
    found = []
    for query in profile.rewritten_queries():
        assert query.runbook_sql is not None
        error = plan_error(query.runbook_sql)
        if error is not None:
            missing = _missing_columns(query.runbook_sql, columns)
            found.append(Drift(query.name.replace("_", " "), error, missing, query.sql))
    return found


KEYWORDS = frozenset(
    [
        "select",
        "from",
        "where",
        "group",
        "by",
        "order",
        "as",
        "and",
        "is",
        "not",
        "null",
        "count",
        "desc",
        "limit",
        "interval",
        "now",
        "float",
        "having",
        "on",
        "in",
        "or",
    ]
)


def _missing_columns(sql: str, columns: dict[str, set[str]]) -> list[str]:
    """The words of the query that look like columns of the tables it reads but are not (its
    string literals and the names it gives with AS left out)."""
    bare = re.sub(r"'[^']*'|\bas\s+\w+", " ", sql, flags=re.IGNORECASE)
    tables = [t for t in re.findall(r"\bFROM\s+(\w+)", bare, re.IGNORECASE) if t in columns]
    words = dict.fromkeys(re.findall(r"\b[a-z][a-z0-9_]*\b", bare))
    return [
        f"{table}.{word}"
        for table in tables
        for word in words
        if word not in KEYWORDS and word not in columns[table] and word not in columns
    ]
