"""The engine's JSON-lines log, when the suite can read it: the embedded engine's file, a copy
on this machine (PLANNING_ENGINE_LOG_FILE), or a command that prints it
(PLANNING_ENGINE_LOG_COMMAND, e.g. `kubectl logs deploy/planning-engine`), read afresh at each
check so that it holds what the run itself caused."""

import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from readiness.budget import UNLIMITED, RunBudget
from readiness.checks import fail

COMMAND_TIMEOUT_S = 30.0


class EngineLog:
    def __init__(
        self, path: Path | None = None, command: str | None = None, budget: RunBudget = UNLIMITED
    ) -> None:
        assert (path is None) != (command is None), "a log is a file or a command"
        self.path, self.command, self.budget = path, command, budget

    def text(self) -> str:
        if self.path is not None:
            return self.path.read_text(encoding="utf-8", errors="replace")
        assert self.command is not None
        self.budget.check("PLANNING_ENGINE_LOG_COMMAND")
        timeout_s = self.budget.cap(COMMAND_TIMEOUT_S)
        try:
            result = subprocess.run(
                self.command,
                shell=True,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=timeout_s,
            )
        except subprocess.TimeoutExpired:
            self.budget.check("PLANNING_ENGINE_LOG_COMMAND")
            fail(
                f"PLANNING_ENGINE_LOG_COMMAND did not finish within {timeout_s:g} s",
                "log_command",
            )
        if result.returncode != 0:
            fail(
                f"PLANNING_ENGINE_LOG_COMMAND exited {result.returncode}: {result.stderr[-300:]}",
                "log_command",
            )
        return result.stdout

    def entries(self) -> list[dict[str, Any]]:
        records = []
        for line in self.text().splitlines():
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

    def await_entries(
        self, wanted: Callable[[dict[str, Any]], bool], within_s: float
    ) -> list[dict[str, Any]]:
        """The entries `wanted` picks, read again until there are some or the time is up: a
        shipped log can lag the service by a few seconds."""
        deadline = time.monotonic() + within_s
        while True:
            found = [e for e in self.entries() if wanted(e)]
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.25)
