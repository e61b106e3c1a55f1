"""The athlete-ally service's log lines, in its four interleaved formats (§7 of
DEPLOYED_API_ATHLETE_ALLY.md): Fastify/pino JSON (numeric levels, `msg`), the logger package's
JSON (`level` as a word, `msg`, `module`, `context`), plain stdout text, plain stderr text.

Each line goes to this process's stdout or stderr and, like a deployment that redirects both
streams to one file, to PLANNING_ENGINE_LOG_FILE: the readiness suite reads it as it would read
the real service's log.
"""

import json
import os
import socket
import sys
import threading
import time
from datetime import UTC, datetime
from typing import Any

from planning_engine.logs import LOG_FILE_VARIABLE

PINO_LEVELS = {"info": 30, "warn": 40, "error": 50}
_lock = threading.Lock()


def _write(line: str, stderr: bool = False) -> None:
    stream = sys.stderr if stderr else sys.stdout
    with _lock:
        print(line, file=stream, flush=True)
        path = os.environ.get(LOG_FILE_VARIABLE)
        if path:
            with open(path, "a", encoding="utf-8") as log_file:
                log_file.write(line + "\n")


def pino(message: str, level: str = "info", **fields: Any) -> None:
    """A Fastify/pino line: `{"level":30,"time":<epoch ms>,"pid",…,"msg"}`."""
    record = {
        "level": PINO_LEVELS[level],
        "time": int(time.time() * 1000),
        "pid": os.getpid(),
        "hostname": socket.gethostname(),
        **fields,
        "msg": message,
    }
    _write(json.dumps(record, default=str, separators=(",", ":")))


def logger_json(message: str, level: str = "info", module: str = "planning-engine") -> None:
    """A line of the service's logger package. It keeps no field but a few context keys, so a
    flag line names neither the flag nor its value."""
    record = {
        "level": level,
        "msg": message,
        "ts": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "service": "planning-engine",
        "module": module,
        "env": "development",
        "pii_hashes": [],
        "sampled": True,
    }
    _write(json.dumps(record, separators=(",", ":")))


def plain(text: str, stderr: bool = False) -> None:
    """console.log / console.error text, on stdout or stderr."""
    _write(text, stderr)


def node_object(fields: dict[str, Any]) -> str:
    """An object as Node prints it before a message: `{ jobId: 'plan-gen-…', scoring: 0.8906 }`."""
    shown = ", ".join(
        f"{key}: '{value}'" if isinstance(value, str) else f"{key}: {json.dumps(value)}"
        for key, value in fields.items()
    )
    return "{ " + shown + " }"
