"""What both schema profiles' movement imports share: the advisory lock that serialises them,
the summary they return, the ledger row of each attempt, the refusal of names that other
movements own, and the log line of a refused file."""

import logging
from dataclasses import asdict, dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from planning_engine.errors import EngineError, InvalidInput
from planning_engine.logs import get_logger, log_event

IMPORT_LOCK_KEY = 5_000_002
log = get_logger("import")


@dataclass(frozen=True)
class ImportSummary:
    total: int
    created: int
    updated: int
    unchanged: int
    published: int
    errors: int
    batch_id: str
    dry_run: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def name_conflicts_refusal(conflicts: list[tuple[int, str, str, str]], limit: int) -> InvalidInput:
    """(record index, movement id, name, id of the library movement owning the name) as the
    error both schema profiles raise: the suite matches on "already used by library movement"."""
    problems = [
        f"movements[{index}] ({movement_id}).name: {name!r} is already used by "
        f"library movement {owner!r}"
        for index, movement_id, name, owner in conflicts[:limit]
    ]
    return InvalidInput(
        f"{len(problems)}{'+' if len(conflicts) >= limit else ''} movement name(s) "
        "already belong to other movements",
        problems,
        "rename the movements, or archive / truncate the existing ones; nothing was written",
    )


def log_refused_import(source: str, actor: str, error: EngineError) -> None:
    """The runbook greps the log for `Movement import`: a refused file shows there too, with
    its error count, so a failed seed is not mistaken for one that never ran."""
    log_event(
        log,
        "Movement import",
        logging.ERROR,
        source=source,
        actor=actor,
        created=0,
        updated=0,
        unchanged=0,
        published=0,
        errors=error.count if isinstance(error, InvalidInput) else 1,
        error=error.cause,
    )


def insert_run(
    conn: psycopg.Connection,
    *,
    actor: str,
    source: str,
    summary: ImportSummary | None,
    error: str | None,
) -> None:
    """One row of `movement_import_runs`, the same table in both schema profiles."""
    with conn.transaction():
        conn.execute(
            "INSERT INTO movement_import_runs (actor, source, succeeded, summary, error)"
            " VALUES (%s, %s, %s, %s, %s)",
            (actor, source, error is None, Jsonb(summary.as_dict()) if summary else None, error),
        )
