"""Publishing a movement file into the library, all or nothing, in bounded memory and time.

The whole import is one transaction, serialised with other imports by an advisory lock (so
several seeders started at once end with the same rows and audit counts as one). Records
stream in from the file and are handled a chunk at a time, by two threads:

* the caller's thread parses and validates the file and formats each chunk as COPY text;
* a publisher thread, which owns the connection meanwhile, COPYs each chunk into
  `movement_staging`, compares it with the library by content hash, and inserts / updates /
  publishes it and writes its audit rows with a few set-based statements (inside a savepoint).

So parsing (Python) and publishing (Postgres) overlap, each statement touches one chunk (no
statement grows with the file, so none nears the statement timeout), and memory holds a few
chunks, not the file. When the whole file has streamed, duplicate ids and names are looked
for in the staged batch; any invalid record, duplicate or name conflict rolls everything back,
the problems listed. Dry runs do the comparison only, and roll back too.

This is the `runbook` schema profile's pipeline; `profiles/athlete_ally/importer.py` is that
schema's curation pipeline, and `planning_engine.importer` hands records to one of them.
"""

import gc
import queue
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg

from planning_engine.database import schema_required
from planning_engine.errors import InvalidInput
from planning_engine.import_runs import (
    IMPORT_LOCK_KEY,
    ImportSummary,
    insert_run,
    name_conflicts_refusal,
)
from planning_engine.logs import get_logger, log_event
from planning_engine.movement_file import MovementFile, MovementRecord, Problems
from planning_engine.profiles.runbook.sql import SQL

CHUNK_RECORDS = 10_000
# The first chunks are small and double up to CHUNK_RECORDS, so that Postgres starts as soon
# as a thousand records are parsed and never waits for the next chunk (a full first chunk
# kept it idle for ~0.2 s of a 100,000-movement import).
FIRST_CHUNK_RECORDS = 1_000
CHUNK_CHARS = 8 * 1024 * 1024
log = get_logger("import")

_CLASSIFY = SQL("import", "classify_chunk")
_CREATE_CHUNK = f"CREATE TEMP TABLE import_chunk ON COMMIT DROP AS {_CLASSIFY} WITH NO DATA"
_FILL_CHUNK = f"INSERT INTO import_chunk {_CLASSIFY}"


def import_movements(
    conn: psycopg.Connection,
    records: Iterable[MovementRecord],
    *,
    actor: str,
    publish: bool,
    dry_run: bool,
) -> ImportSummary:
    """Stage, compare and publish `records` in one transaction; dry runs roll everything back.

    `records` may be a list or a `MovementFile` streaming a file. A file with invalid records
    (or duplicate ids or names, found here in SQL) is refused once it has been read through,
    with all its problems (the first ones listed, all counted)."""
    batch = uuid.uuid4()
    source = records if isinstance(records, MovementFile) else None
    problems = source.problems if source is not None else Problems()
    with schema_required(), conn.transaction(force_rollback=dry_run):
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (IMPORT_LOCK_KEY,))
        params = {"batch": batch, "publish": publish, "actor": actor, "first": 0, "last": -1}
        conn.execute(_CREATE_CHUNK, params)
        conn.execute(
            "CREATE TEMP TABLE import_names (record_index integer, name_key text) ON COMMIT DROP"
        )
        publisher = _Publisher(conn, params, dry_run)
        with publisher.running():
            staged = publisher.feed(records)
        _find_duplicates(conn, batch, problems)
        if source is not None:
            source.raise_if_invalid()
        elif problems:
            raise problems.refusal("input", staged)
        if publisher.halted is not None:
            _refuse_name_conflicts(conn, batch, problems.limit)
            raise publisher.halted
    outcomes = publisher.outcomes
    summary = ImportSummary(
        total=staged,
        created=outcomes["created"],
        updated=outcomes["updated"],
        unchanged=outcomes["unchanged"],
        # new movements published at once and drafts published now: all this run published
        published=outcomes["published"] + (outcomes["created"] if publish else 0),
        errors=0,
        batch_id=str(batch),
        dry_run=dry_run,
    )
    log_event(log, "Movement import", **summary.as_dict(), actor=actor, publish=publish)
    return summary


BACKSLASH = "\\"


def _copy_text(value: str) -> str:
    """A value in COPY's text format, where backslash, tab, newline and CR are special."""
    return (
        value.replace(BACKSLASH, BACKSLASH * 2)
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


@dataclass
class _Chunk:
    first: int
    last: int
    staging: str  # COPY text of movement_staging rows
    names: str  # COPY text of import_names rows (index, case-folded name)


class _NameConflict(InvalidInput):
    """A chunk would take a name another library movement has: publishing stops."""

    def __init__(self) -> None:
        super().__init__(
            "a movement name in the file is already used by another library movement",
            fix="rename the movement, or archive the existing one; nothing was written",
        )


_bulk_lock = threading.Lock()
_bulk_users = 0
_switch_interval = sys.getswitchinterval()
_gc_thresholds = gc.get_threshold()
BULK_GC_THRESHOLD = 50_000  # allocations between two young collections while importing


@contextmanager
def _bulk_mode() -> Iterator[None]:
    """How the interpreter runs while an import parses a file and publishes it.

    - The publisher waits on Postgres and needs the GIL briefly but often: with the default
      5 ms switch interval it would queue behind the parsing thread that long for every
      statement.
    - Parsing a record allocates dozens of containers, which are freed by reference counting
      as soon as the record is staged; with the default thresholds the cyclic collector still
      runs every 700 allocations and took 40% of the parse (1.7 of 3.9 s for 100,000
      records). A higher first threshold keeps it collecting, far less often.

    Counted, so that concurrent imports in one process restore both only once."""
    global _bulk_users, _switch_interval, _gc_thresholds
    with _bulk_lock:
        if _bulk_users == 0:
            _switch_interval = sys.getswitchinterval()
            _gc_thresholds = gc.get_threshold()
            sys.setswitchinterval(0.0005)
            gc.set_threshold(BULK_GC_THRESHOLD, *_gc_thresholds[1:])
        _bulk_users += 1
    try:
        yield
    finally:
        with _bulk_lock:
            _bulk_users -= 1
            if _bulk_users == 0:
                sys.setswitchinterval(_switch_interval)
                gc.set_threshold(*_gc_thresholds)


class _Publisher:
    """The thread that owns the connection while the caller's thread parses: COPY a chunk,
    classify it, publish it. A bounded queue keeps at most a few chunks in memory."""

    def __init__(self, conn: psycopg.Connection, params: dict[str, Any], dry_run: bool) -> None:
        self.conn = conn
        self.params = params
        self.dry_run = dry_run
        self.chunks: queue.Queue[_Chunk | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None  # fatal: the transaction is lost
        self.halted: BaseException | None = None  # publishing stopped; staging goes on
        self.outcomes: Counter[str] = Counter()
        self.thread = threading.Thread(target=self._run, name="movement-publisher", daemon=True)

    @contextmanager
    def running(self) -> Iterator[None]:
        """The thread runs for the block; the connection is the caller's again after it."""
        with _bulk_mode():
            self.thread.start()
            try:
                yield
            finally:
                self.chunks.put(None)
                self.thread.join()
        if self.error is not None:
            raise self.error

    def feed(self, records: Iterable[MovementRecord]) -> int:
        """Format the records as COPY text a chunk at a time and hand the chunks over."""
        count = 0
        staging: list[str] = []
        names: list[str] = []
        size = 0
        first = 0
        limit = min(FIRST_CHUNK_RECORDS, CHUNK_RECORDS)
        prefix = f"{self.params['batch']}\t"
        for record in records:
            # movement_id is a validated slug and content_hash hex; JSON text holds no raw
            # tab or newline: only the JSON's backslashes need escaping.
            row = (
                f"{prefix}{record.index}\t{record.movement_id}\t"
                f"{record.canonical.replace(BACKSLASH, BACKSLASH * 2)}\t{record.content_hash}"
                "\tvalid\n"
            )
            staging.append(row)
            names.append(f"{record.index}\t{_copy_text(record.name_key)}\n")
            size += len(row)
            count += 1
            if len(staging) >= limit or size >= CHUNK_CHARS:
                self._hand_over(_Chunk(first, record.index, "".join(staging), "".join(names)))
                staging.clear()
                names.clear()
                size = 0
                first = record.index + 1
                limit = min(2 * limit, CHUNK_RECORDS)
        if staging:
            self._hand_over(_Chunk(first, sys.maxsize, "".join(staging), "".join(names)))
        return count

    def _hand_over(self, chunk: _Chunk) -> None:
        if self.error is not None:
            raise self.error  # no point reading on: the transaction is lost
        self.chunks.put(chunk)

    def _run(self) -> None:
        """Every chunk is taken off the queue, even after a failure, so `feed` never blocks."""
        while (chunk := self.chunks.get()) is not None:
            if self.error is not None:
                continue
            try:
                self._stage(chunk)
                if self.halted is None:
                    self._publish(chunk)
            except BaseException as error:  # handed to the caller's thread by `running`
                self.error = error

    def _stage(self, chunk: _Chunk) -> None:
        with self.conn.cursor() as cur:
            with cur.copy(SQL("import", "copy_staging")) as copy:
                copy.write(chunk.staging)
            with cur.copy("COPY import_names FROM STDIN") as copy:
                copy.write(chunk.names)

    def _publish(self, chunk: _Chunk) -> None:
        """Compare the chunk with the library and apply it, in a savepoint: a chunk that would
        break a constraint (a name taken, a duplicate within the file) leaves no trace, and
        publishing stops while the rest is still staged and checked for the report."""
        conn = self.conn
        params = {**self.params, "first": chunk.first, "last": min(chunk.last, 2**31 - 1)}
        try:
            with conn.transaction():
                conn.execute("TRUNCATE import_chunk")
                conn.execute(_FILL_CHUNK, params)
                if conn.execute(SQL("import", "any_name_conflict")).fetchone() is not None:
                    raise _NameConflict()
                counts = conn.execute("SELECT outcome, count(*) FROM import_chunk GROUP BY 1")
                outcomes: Counter[str] = Counter(dict(counts.fetchall()))
                if not self.dry_run:
                    conn.execute(SQL("import", "insert_created"), params)
                    conn.execute(SQL("import", "update_changed"), params)
                    conn.execute(SQL("import", "publish_drafts"), params)
                    conn.execute(SQL("import", "audit"), params)
        except (_NameConflict, psycopg.errors.IntegrityError) as error:
            self.halted = error
            return
        self.outcomes.update(outcomes)


def _find_duplicates(conn: psycopg.Connection, batch: uuid.UUID, problems: Problems) -> None:
    """Duplicate ids and case-insensitive names within the batch, as problems of the records
    that repeat an earlier one. Two cheap GROUP BY probes first: most files have none."""
    flags = {
        "batch": batch,
        "ids": conn.execute(SQL("import", "any_duplicate_id"), {"batch": batch}).fetchone()
        is not None,
        "names": conn.execute(SQL("import", "any_duplicate_name")).fetchone() is not None,
    }
    if not (flags["ids"] or flags["names"]):
        return
    conn.execute(SQL("import", "duplicates"), flags)
    (records,) = conn.execute(
        "SELECT count(DISTINCT record_index) FROM import_duplicates"
    ).fetchone()  # type: ignore[misc]
    listed = conn.execute(
        "SELECT record_index, movement_id, kind, first_index, name FROM import_duplicates"
        " ORDER BY record_index, kind LIMIT %s",
        (problems.limit,),
    ).fetchall()
    by_record: dict[int, list[str]] = {}
    for index, movement_id, kind, first, name in listed:
        label = f"movements[{index}] ({movement_id})"
        by_record.setdefault(index, []).append(
            f"{label}.movement_id: duplicate of movements[{first}]"
            if kind == "movement_id"
            else f"{label}.name: {name!r} duplicates movements[{first}]"
        )
    for record_problems in by_record.values():
        problems.add_record(record_problems)
    problems.add_unlisted_records(records - len(by_record))


def _refuse_name_conflicts(conn: psycopg.Connection, batch: uuid.UUID, limit: int) -> None:
    conflicts = conn.execute(
        SQL("import", "name_conflicts"), {"batch": batch, "limit": limit}
    ).fetchall()
    if conflicts:
        raise name_conflicts_refusal(conflicts, limit)


# The ledger of import attempts (never their data), so /metrics can count the failed ones.
record_run = insert_run
