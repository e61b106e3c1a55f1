"""Which profile the deployed schema has, told from its columns (information_schema).

A profile is recognised when most of the columns it needs are there on the tables that exist:
a schema of that shape with a table or a column missing is still that shape, and the Phase 1
checks report what is missing (fix: migrate). A schema no profile recognises is one root cause
naming what it lacks and what it has instead, never thirty "column does not exist" errors.
"""

from dataclasses import dataclass

from readiness.schema_profiles import SchemaProfile, load_profile, profile_names

RECOGNISED_SHARE = 0.5  # of a profile's columns, on the tables that exist
SHOWN_COLUMNS = 6


@dataclass(frozen=True)
class Fit:
    profile: SchemaProfile
    lacking: dict[str, list[str]]  # table -> the profile's columns it does not have
    share: float  # of the profile's columns present, on the tables that exist

    @property
    def recognised(self) -> bool:
        return self.share > RECOGNISED_SHARE


def fit(profile: SchemaProfile, columns: dict[str, set[str]]) -> Fit:
    wanted = {t: cols for t, cols in profile.required_columns.items() if t in columns}
    lacking = {
        t: missing
        for t, cols in wanted.items()
        if (missing := [c for c in cols if c not in columns[t]])
    }
    total = sum(len(cols) for cols in wanted.values())
    present = total - sum(len(cols) for cols in lacking.values())
    return Fit(profile, lacking, present / total if total else 0.0)


def best_fit(columns: dict[str, set[str]]) -> Fit:
    """The known profile the schema fits best (the first listed on a tie)."""
    fits = [fit(load_profile(name), columns) for name in profile_names()]
    return max(fits, key=lambda f: f.share)


def no_profile_found(columns: dict[str, set[str]], closest: Fit) -> str:
    """What the schema lacks of the closest profile and what it has that no profile names."""
    known = {
        column
        for name in profile_names()
        for cols in load_profile(name).required_columns.values()
        for column in cols
    }
    parts = []
    for table, missing in closest.lacking.items():
        extra = sorted(columns[table] - known)
        has = f"; it has {_some(extra)}" if extra else ""
        parts.append(f"{table} lacks {_some(missing)}{has}")
    return (
        f"the deployed schema matches no known profile (closest: {closest.profile.name}): "
        + "; ".join(parts)
    )


def _some(columns: list[str]) -> str:
    shown = ", ".join(columns[:SHOWN_COLUMNS])
    return shown + (
        f" and {len(columns) - SHOWN_COLUMNS} more" if len(columns) > SHOWN_COLUMNS else ""
    )
