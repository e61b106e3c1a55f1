"""The engine's JSON-lines log, when the suite can read it (embedded, or a path on this machine)."""

import json
from pathlib import Path
from typing import Any


class EngineLog:
    def __init__(self, path: Path) -> None:
        self.path = path

    def entries(self) -> list[dict[str, Any]]:
        records = []
        for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                record = {"message": line, "level": "error" if "error" in line.lower() else "info"}
            if isinstance(record, dict):
                records.append(record)
        return records

    def grep(self, message: str) -> list[dict[str, Any]]:
        """What `grep "<message>" planning-engine.log` shows, as parsed records."""
        return [e for e in self.entries() if message in str(e.get("message", ""))]

    def errors(self) -> list[dict[str, Any]]:
        return [
            e for e in self.entries() if str(e.get("level", "")).lower() in ("error", "critical")
        ]
