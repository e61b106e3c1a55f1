"""The engine's log, when the suite can read it: the embedded engine's file, a copy on this
machine (PLANNING_ENGINE_LOG_FILE), or a command that prints it (PLANNING_ENGINE_LOG_COMMAND,
e.g. `kubectl logs deploy/planning-engine`), read afresh at each check so that it holds what the
run itself caused.

Every line becomes an entry with a `message` and a `level`, whatever its format: the reference
engine's JSON (`message`), pino's JSON (`msg`, numeric levels), a logger's JSON (`msg`, a
`context` object) and plain text, whose leading Node-style object (`{ jobId: '…', scoring:
0.89 } Applied …`, on one line or several) gives its fields, after any prefix the log command
adds (`kubectl logs --timestamps --prefix`, `docker logs -t`). A line the suite cannot parse is
text, never an error of the suite.
"""

import json
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from readiness.budget import UNLIMITED, RunBudget
from readiness.checks import fail
from readiness.fixes import Fix

COMMAND_TIMEOUT_S = 30.0
MAX_OBJECT_LINES = 50  # a Node object printed over more lines than this is taken for text
PINO_LEVELS = {10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal"}
ERROR_LEVELS = ("error", "critical", "fatal")
# Plain text lines carry no level: one that names an error or a failure is taken for one.
_PLAIN_ERROR = re.compile(r"\b(error|errors|exception|fatal|failed|failure)\b", re.IGNORECASE)
_NODE_FIELD = re.compile(r"(\w+):\s*('(?:[^'\\]|\\.)*'|[^,}]+)")
_NODE_PREFIX = re.compile(r"^\{ (.*?) \} (.*)$")
# What a log command may put before each line: `kubectl logs --prefix` ([pod/p/c]) and
# `--timestamps` or `docker logs -t` (an RFC 3339 time).
_SHIPPER_PREFIX = re.compile(
    r"^(?:\[[^\]\s]+\] )?"
    r"(?:(?P<at>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})) )?"
)
# Where a line's own time is: the reference engine's `time` (ISO 8601), pino's `time` (epoch
# milliseconds), other loggers' `timestamp` / `@timestamp`; else the shipper's prefix.
TIME_FIELDS = ("time", "timestamp", "@timestamp", "ts", "shipped_at")


def node_fields(text: str) -> dict[str, Any]:
    """`jobId: 'x', scoring: 0.89` (Node's print of an object) as a dict; numbers as numbers."""
    fields: dict[str, Any] = {}
    for key, raw in _NODE_FIELD.findall(text):
        value = raw.strip()
        if value.startswith("'") and value.endswith("'"):
            fields[key] = value[1:-1]
            continue
        try:
            fields[key] = json.loads(value)
        except ValueError:
            fields[key] = value
    return fields


def _json_entry(record: dict[str, Any]) -> dict[str, Any]:
    entry = dict(record)
    context = record.get("context")
    if isinstance(context, dict):
        entry.update({k: v for k, v in context.items() if k not in entry})
    entry["message"] = str(entry.get("message", entry.get("msg", "")))
    level = entry.get("level")
    if isinstance(level, int) and not isinstance(level, bool):
        entry["level"] = PINO_LEVELS.get(level, "error" if level >= 50 else "info")
    return entry


def _plain_entry(text: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"level": "error" if _PLAIN_ERROR.search(text) else "info"}
    prefix = _NODE_PREFIX.match(text)
    if prefix:
        entry.update(node_fields(prefix.group(1)))
        text = prefix.group(2)
    entry["message"] = text
    return entry


def parse_lines(lines: list[str]) -> Iterator[dict[str, Any]]:
    """The entries of a log's lines; a Node object printed over several lines (`{`, its
    fields, `} message`) is one entry."""
    block: list[str] | None = None
    for shipped in lines:
        prefix = _SHIPPER_PREFIX.match(shipped)
        line = shipped[prefix.end() :] if prefix else shipped
        at = {"shipped_at": prefix.group("at")} if prefix and prefix.group("at") else {}
        if block is not None:
            if line.startswith("}"):
                entry = _plain_entry(line[1:].strip())
                entry.update(node_fields(" ".join(block[1:])))
                yield {**at, **entry}
                block = None
                continue
            if len(block) <= MAX_OBJECT_LINES and not line.startswith("{"):
                block.append(line)
                continue
            yield from (_plain_entry(text) for text in block)  # it was no object after all
            block = None
        if line.strip() == "{":
            block = [line]
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if isinstance(record, dict):
            yield {**at, **_json_entry(record)}
        elif line.strip():
            yield {**at, **_plain_entry(line)}
    if block is not None:
        yield from (_plain_entry(text) for text in block)


def entry_time(entry: dict[str, Any]) -> datetime | None:
    """When a log entry was written, if it says: an ISO 8601 time or epoch milliseconds."""
    for name in TIME_FIELDS:
        value = entry.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 1e11:
            return datetime.fromtimestamp(value / 1000, UTC)
        if isinstance(value, str) and value:
            try:
                stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    return None


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
                Fix.LOG_COMMAND,
            )
        if result.returncode != 0:
            fail(
                f"PLANNING_ENGINE_LOG_COMMAND exited {result.returncode}: {result.stderr[-300:]}",
                Fix.LOG_COMMAND,
            )
        return result.stdout

    def entries(self) -> list[dict[str, Any]]:
        return list(parse_lines(self.text().splitlines()))

    def grep(self, message: str) -> list[dict[str, Any]]:
        """What `grep "<message>" planning-engine.log` shows, as parsed entries."""
        return [e for e in self.entries() if message in str(e.get("message", ""))]

    def errors(self) -> list[dict[str, Any]]:
        return [e for e in self.entries() if str(e.get("level", "")).lower() in ERROR_LEVELS]

    def sampling(self) -> str | None:
        """Why a missing info line proves nothing here, or None: the athlete-ally logger keeps
        one info line in ten in production, and its lines say so (`env` production)."""
        for entry in self.entries():
            if entry.get("env") == "production" and "sampled" in entry:
                return (
                    "this deployment's logger runs in production mode, where it keeps one info "
                    'line in ten (its lines say "env":"production"), so a missing info line '
                    "proves nothing"
                )
        return None

    def about_job(self, job_id: str) -> list[dict[str, Any]]:
        """The entries that name a job, in whichever field or text they name it."""
        return [
            e
            for e in self.entries()
            if job_id in str(e.get("message", "")) or job_id in (e.get("job_id"), e.get("jobId"))
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
