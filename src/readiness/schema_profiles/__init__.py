"""Schema profiles: how each runbook criterion is checked on one shape of the deployed schema.

A profile is a folder beside this file: `profile.toml` says what the checks expect of that
shape (the audit actions the seeding leaves, the status of a job not yet picked up, the
columns that must exist) and one `.sql` file per query whose SQL differs from the runbook
profile's. The runbook profile holds every query the suite runs; those quoted from the runbook
say so on their first line. Adding a profile is adding a folder, not editing steps.
"""

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PROFILES_DIR = Path(__file__).parent
BASE_PROFILE = "runbook"
VARIABLE = "PLANNING_SCHEMA_PROFILE"
QUOTED_MARK = "-- Quoted from the runbook"


class UnknownProfile(ValueError):
    pass


@dataclass(frozen=True)
class Query:
    """One query as a profile runs it. `runbook_sql` is the runbook's SQL, as written, when the
    query is one of the runbook's (whether or not this profile runs it unchanged)."""

    name: str
    sql: str
    runbook_sql: str | None = None

    @property
    def rewritten(self) -> bool:
        """The profile runs something other than the runbook's SQL for this criterion."""
        return self.runbook_sql is not None and self.runbook_sql != self.sql


@dataclass(frozen=True)
class SchemaProfile:
    name: str
    description: str
    queued_status: str
    plan_link: str
    plan_columns: frozenset[str]
    listing_list_column: str
    audit_actions: dict[str, str]  # the runbook's action (imported, published) -> this one's
    required_columns: dict[str, tuple[str, ...]]  # in the order a message names them

    @property
    def folder(self) -> Path:
        return PROFILES_DIR / self.name

    def query(self, name: str) -> Query:
        own, base = self.folder / f"{name}.sql", PROFILES_DIR / BASE_PROFILE / f"{name}.sql"
        if not base.is_file():
            raise KeyError(f"no query {name!r} in the {BASE_PROFILE} profile")
        base_sql, quoted = _read_sql(base)
        sql = _read_sql(own)[0] if own.is_file() else base_sql
        return Query(name, sql, base_sql if quoted else None)

    def rewritten_queries(self) -> list[Query]:
        """The runbook's queries this profile replaces with its own SQL."""
        names = sorted(path.stem for path in self.folder.glob("*.sql"))
        return [query for name in names if (query := self.query(name)).rewritten]

    def audit_counts(self, imported: int, published: int) -> dict[str, int]:
        """The runbook's `imported = N, published = N`, in this profile's action names."""
        return {
            self.audit_actions["imported"]: imported,
            self.audit_actions["published"]: published,
        }


@cache
def _read_sql(path: Path) -> tuple[str, bool]:
    """The file's SQL without its leading comment lines, and whether they say it is quoted
    from the runbook."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header = 0
    while header < len(lines) and lines[header].startswith("--"):
        header += 1
    quoted = header > 0 and lines[0].startswith(QUOTED_MARK)
    return "\n".join(lines[header:]).strip("\n"), quoted


def profile_names() -> list[str]:
    """The known profiles, the runbook's first."""
    names = sorted(p.parent.name for p in PROFILES_DIR.glob("*/profile.toml"))
    return sorted(names, key=lambda name: name != BASE_PROFILE)


@cache
def load_profile(name: str) -> SchemaProfile:
    path = PROFILES_DIR / name / "profile.toml"
    if not name or "/" in name or not path.is_file():
        raise UnknownProfile(
            f"unknown schema profile {name!r}: expected one of {', '.join(profile_names())}"
        )
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return SchemaProfile(
        name=name,
        description=data["description"],
        queued_status=data["queued_status"],
        plan_link=data["plan_link"],
        plan_columns=frozenset(data["plan_columns"]),
        listing_list_column=data["listing_list_column"],
        audit_actions=dict(data["audit_actions"]),
        required_columns={t: tuple(c) for t, c in data["required_columns"].items()},
    )


def base_query(name: str) -> Query:
    """A query that is the same on every schema (e.g. who holds a lock)."""
    return load_profile(BASE_PROFILE).query(name)
