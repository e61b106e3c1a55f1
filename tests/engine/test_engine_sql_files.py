"""The engine's statements live in named `.sql` files under each profile's `sql/`: every file is
read by the code, every name the code asks for exists, and the statements that write a
movement name each column the import compares on."""

import re
from pathlib import Path

import pytest

from planning_engine.profiles.athlete_ally.schema import MOVEMENT_COLUMNS
from planning_engine.profiles.athlete_ally.sql import SQL as ATHLETE_ALLY_SQL

PROFILES = Path(__file__).parents[2] / "src" / "planning_engine" / "profiles"
CALL = re.compile(r'SQL\(\s*"(\w+)",\s*"(\w+)"\s*\)')
MOVEMENT_STATEMENTS = [
    "library_rows",
    "draft_rows",
    "insert_draft",
    "update_draft",
    "insert_library",
    "update_library",
]


def _files(profile: str) -> set[tuple[str, str]]:
    folder = PROFILES / profile / "sql"
    return {(path.parent.name, path.stem) for path in folder.glob("*/*.sql")}


def _calls(profile: str) -> set[tuple[str, str]]:
    code = "\n".join(p.read_text() for p in (PROFILES / profile).rglob("*.py"))
    return set(CALL.findall(code))


@pytest.mark.parametrize("profile", ["runbook", "athlete_ally"])
def test_every_statement_file_is_read_and_every_name_read_exists(profile: str) -> None:
    files, calls = _files(profile), _calls(profile)
    assert calls, f"no SQL(...) call found in profiles/{profile}"
    assert calls - files == set(), "named in the code, no such file"
    assert files - calls == set(), "a file nothing reads"


@pytest.mark.parametrize("name", MOVEMENT_STATEMENTS)
def test_movement_statements_name_every_compared_column(name: str) -> None:
    statement = ATHLETE_ALLY_SQL("import", name)
    missing = [c for c in MOVEMENT_COLUMNS if f'"{c}"' not in statement]
    assert missing == []
