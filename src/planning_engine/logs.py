"""Structured logs: one JSON object a line, the format the runbook's `grep` checks read.

The runbook greps for fixed messages (`Movement import`, `Applied fixed-weight scoring`,
`Feature flag override from environment`), so every record keeps `message` stable and puts
the variable parts (counts, job id, flag key) in their own fields.
"""

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from planning_engine.dsn import mask_dsn

LOG_FILE_VARIABLE = "PLANNING_ENGINE_LOG_FILE"
LOGGER_NAME = "planning_engine"


class JsonFormatter(logging.Formatter):
    """Render a record as one JSON line; extra fields passed with `extra=` become keys."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return mask_dsn(json.dumps(entry, default=str))


class _StandardStream(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stdout / sys.stderr is at the moment of writing, so a command run
    in-process (with its output captured, then released) never leaves a handler on a closed file."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self._name = name

    @property
    def stream(self) -> TextIO:
        return getattr(sys, self._name)  # type: ignore[no-any-return]

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass  # the stream is always the current one


def configure_logging(stream_name: str = "stdout", level: int = logging.INFO) -> logging.Logger:
    """Send engine logs to sys.stdout or sys.stderr and to PLANNING_ENGINE_LOG_FILE if set."""
    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    formatter = JsonFormatter()
    console = _StandardStream(stream_name)
    console.setFormatter(formatter)
    logger.addHandler(console)
    log_file = os.environ.get(LOG_FILE_VARIABLE)
    if log_file:
        file_handler = logging.FileHandler(log_file, encoding="utf-8")
        file_handler.setFormatter(formatter)
        logger.addHandler(file_handler)
    logger.setLevel(level)
    logger.propagate = False
    return logger


def get_logger(component: str) -> logging.Logger:
    return logging.getLogger(f"{LOGGER_NAME}.{component}")


def log_event(
    logger: logging.Logger, message: str, level: int = logging.INFO, **fields: Any
) -> None:
    """Log a fixed message with its variable parts as separate JSON fields."""
    logger.log(level, message, extra={"fields": fields})
