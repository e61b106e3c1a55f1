"""The engine's SQL, one named file per statement under a profile's `sql/<area>/`, as the suite
keeps its own (readiness/schema_profiles): a statement is read where it can be read whole, with
its comment, and changed without touching the code that runs it."""

from pathlib import Path


class SqlFiles:
    """The statements of one folder: `SQL("jobs", "claim")` is `<folder>/jobs/claim.sql`, read
    once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._read: dict[tuple[str, str], str] = {}

    def __call__(self, area: str, name: str) -> str:
        key = (area, name)
        if key not in self._read:
            self._read[key] = (self.folder / area / f"{name}.sql").read_text(encoding="utf-8")
        return self._read[key]
