"""Reading and validating a movement file, before anything is published.

Everything wrong with a file is collected and reported together (record index, movement id,
field path), because a curator fixing a 500-row CSV should not discover errors one per run;
but only the first MAX_LISTED_PROBLEMS are kept in full, with a count of the rest, so that a
file of a million broken records costs neither a gigabyte nor a million lines of output.

The file is read once and its records stream out one at a time (`MovementFile`): a 50 MB file
never exists as a list of a million dicts. Duplicate ids and names are found by the importer
in Postgres, where the staged batch already is.
"""

import hashlib
import itertools
import json
import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs

from planning_engine import safe_json
from planning_engine.errors import InvalidInput
from planning_engine.movement_csv import LIST_FIELDS, OBJECT_FIELDS, CellProblems, csv_records
from planning_engine.movement_json import json_records
from planning_engine.resources import MOVEMENT_SCHEMA, load_schema

MAX_BYTES_VARIABLE = "PLANNING_IMPORT_MAX_BYTES"
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_LISTED_PROBLEMS = 50
_FORMATS = {".json": "json", ".csv": "csv"}
_FIX = "correct the listed records; nothing was written"


@dataclass(frozen=True)
class MovementRecord:
    """One valid movement, normalised so that JSON and CSV sources hash identically.
    `canonical` is the JSON the hash is taken of, and what is staged."""

    index: int
    payload: dict[str, Any]
    content_hash: str
    canonical: str

    @property
    def movement_id(self) -> str:
        return str(self.payload["movement_id"])

    @property
    def name_key(self) -> str:
        """What two names must not share within a file: case-insensitive."""
        return str(self.payload["name"]).casefold()


def movement_schema() -> dict[str, Any]:
    return load_schema(MOVEMENT_SCHEMA)


@cache
def movement_validator() -> jsonschema_rs.Validator:
    """The schema's one validator: jsonschema-rs, about 2 us for a valid record, and every
    error of an invalid one with its path. (jsonschema, which the scoring contract uses, takes
    about 400 us a record on this schema: 40 s for a 100,000-movement file.)"""
    return jsonschema_rs.validator_for(movement_schema())


def is_valid(record: Any) -> bool:
    """False also for a record nested deeper than the validator descends: `_diagnose` names it."""
    try:
        return movement_validator().is_valid(record)
    except ValueError:  # "Recursion limit reached"
        return False


def schema_errors(record: Any) -> list[jsonschema_rs.ValidationError]:
    """The schema's errors for `record`, sorted by path; [] when it is valid."""
    # At most a listing's worth: a record with a 500,000-item list has as many errors.
    errors = itertools.islice(movement_validator().iter_errors(record), MAX_LISTED_PROBLEMS)
    return sorted(errors, key=lambda e: [str(p) for p in e.instance_path])


def max_import_bytes() -> int:
    raw = os.environ.get(MAX_BYTES_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_MAX_BYTES
    if not raw.isdigit():
        raise InvalidInput(
            f"{MAX_BYTES_VARIABLE} is {raw!r}, not a number of bytes",
            fix=f"set it to a whole number such as {DEFAULT_MAX_BYTES}, or unset it",
        )
    return int(raw)


def detect_format(path: Path, explicit: str | None) -> str:
    if explicit:
        return explicit
    try:
        return _FORMATS[path.suffix.lower()]
    except KeyError:
        raise InvalidInput(
            f"cannot tell the format of {path.name} from its extension",
            fix="name the file .json or .csv, or pass --format json|csv",
        ) from None


class Problems:
    """The first problems in full and a count of the invalid records: the memory this takes is
    bounded by the listing, not by the number of errors in the file."""

    def __init__(self, limit: int = MAX_LISTED_PROBLEMS) -> None:
        self.limit = limit
        self.listed: list[str] = []
        self.invalid_records = 0
        self.unlisted = 0

    @property
    def full(self) -> bool:
        return len(self.listed) >= self.limit

    def __bool__(self) -> bool:
        return self.invalid_records > 0

    def add_record(self, problems: list[str]) -> None:
        """One invalid record and its problems (an empty list when the listing is full and the
        record was only counted)."""
        self.invalid_records += 1
        room = max(0, self.limit - len(self.listed))
        self.listed.extend(safe_json.printable(p, 400) for p in problems[:room])
        self.unlisted += max(0, len(problems) - room) or (0 if problems else 1)

    def add_unlisted_records(self, count: int) -> None:
        """Invalid records only counted: the listing is full."""
        self.invalid_records += count
        self.unlisted += count

    def refusal(self, source: str, total: int) -> InvalidInput:
        shown = list(self.listed)
        if self.unlisted:
            shown.append(
                f"... and more: only the first {len(self.listed)} problems are listed "
                f"({self.invalid_records} of {total} records are invalid)"
            )
        return InvalidInput(
            f"{source}: {self.invalid_records} of {total} record(s) invalid, nothing was imported",
            shown,
            _FIX,
            count=self.invalid_records,
        )


class MovementFile:
    """A movement file read once: iterating yields its valid records, normalised, one at a time,
    while the problems of the others collect in `problems`. File-level faults (size, encoding,
    syntax, shape) raise InvalidInput as soon as they are met."""

    def __init__(self, path: Path, fmt: str | None = None, max_bytes: int | None = None) -> None:
        limit = max_bytes if max_bytes is not None else max_import_bytes()
        self.source = path.name
        self._text: str | None = safe_json.read_text(
            path, limit, "movement file", MAX_BYTES_VARIABLE
        )
        self.kind = detect_format(path, fmt)
        self.problems = Problems()
        self.total = 0

    def __iter__(self) -> Iterator[MovementRecord]:
        if self._text is None:
            raise RuntimeError("a MovementFile is read once")
        text, self._text = self._text, None  # released when the records have streamed out
        raw_records = (
            json_records(text, self.source)
            if self.kind == "json"
            else csv_records(text, self.source)
        )
        problems = self.problems
        full = problems.full
        index = -1
        # The loop a 50 MB file of broken records runs 26 million times: once the listing is
        # full, an invalid record costs one validation and a count, nothing more.
        try:
            for index, raw in enumerate(raw_records):
                if type(raw) is CellProblems:
                    problems.add_record([] if full else raw)
                elif is_valid(raw) and not value_problems("", raw):
                    try:
                        yield _normalise(index, raw)
                        continue
                    except UnicodeEncodeError:  # a lone surrogate or NUL: diagnosed below
                        problems.add_record([] if full else _diagnose(index, raw))
                elif full:
                    problems.invalid_records += 1
                    problems.unlisted += 1
                    continue
                else:
                    problems.add_record(_diagnose(index, raw))
                full = problems.full
        finally:
            self.total = index + 1

    def raise_if_invalid(self) -> None:
        """After iterating: refuse the file if any record was invalid or there was none."""
        if self.problems:
            raise self.problems.refusal(self.source, self.total)
        if self.total == 0:
            raise InvalidInput(
                f"{self.source}: the file holds no movements, nothing was imported",
                ["the file holds no movements"],
                _FIX,
            )


def read_movement_file(
    path: Path, fmt: str | None = None, max_bytes: int | None = None
) -> list[MovementRecord]:
    """Every valid record of a (small) file as a list, or InvalidInput listing the problems.
    Duplicate ids and names are refused by `import_movements`."""
    movement_file = MovementFile(path, fmt, max_bytes)
    records = list(movement_file)
    movement_file.raise_if_invalid()
    return records


_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _diagnose(index: int, raw: Any) -> list[str]:
    """Every problem of an invalid record, with its path. Nesting the validator would not
    descend is named by `hostile_content` first (32 levels, far below its limit)."""
    label = _record_label(index, raw)
    if hostile := safe_json.hostile_content(raw, root=label):
        return [hostile]
    errors = schema_errors(raw)
    if not errors:
        return value_problems(label, raw)
    problems = []
    for error in errors:
        field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.instance_path)
        problems.append(f"{label}{field}: {_describe(error, _value_at(raw, error.instance_path))}")
    return problems


def _value_at(raw: Any, path: list[str | int]) -> Any:
    for step in path:
        raw = raw[step]
    return raw


def value_problems(label: str, raw: dict[str, Any]) -> list[str]:
    """What the schema lets through but the library cannot store faithfully."""
    problems = []
    if not _SLUG.fullmatch(raw["movement_id"]):
        # The library's CHECK, whatever regex dialect reads the schema's pattern: Python's `$`
        # also matches before a trailing newline.
        problems.append(f"{label}.movement_id: {raw['movement_id']!r} is not a slug")
    if not raw["name"].strip():
        problems.append(f"{label}.name: is blank")
    rpe = raw["recommended_rpe"]
    if not math.isfinite(rpe):
        problems.append(f"{label}.recommended_rpe: {rpe} is not a number from 1 to 10")
    elif round(rpe, 1) != rpe:
        problems.append(
            f"{label}.recommended_rpe: {rpe} has more than one decimal (the library keeps 0.1 steps)"
        )
    return problems


def _record_label(index: int, raw: Any) -> str:
    movement_id = raw.get("movement_id") if isinstance(raw, dict) else None
    shown = f" ({safe_json.printable(movement_id, 80)})" if isinstance(movement_id, str) else ""
    return f"movements[{index}]{shown}"


def _describe(error: jsonschema_rs.ValidationError, value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):  # the validator reads it as null
        return f"{value} is not a number"
    if isinstance(error.kind, jsonschema_rs.ValidationErrorKind.AdditionalProperties):
        return f"unknown field(s): {', '.join(map(repr, error.kind.unexpected))}"
    if isinstance(error.kind, jsonschema_rs.ValidationErrorKind.Enum):  # every option, not 2
        shown = safe_json.printable(json.dumps(error.instance), 80)
        return f"{shown} is not one of {', '.join(map(json.dumps, error.kind.options))}"
    return safe_json.printable(error.message)


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _normalise(index: int, raw: dict[str, Any]) -> MovementRecord:
    """Raises UnicodeEncodeError for a lone surrogate; a NUL character is refused as a value
    problem by the caller (via hostile_content), since Postgres cannot store it."""
    payload: dict[str, Any] = {field: [] for field in LIST_FIELDS}
    payload.update({field: {} for field in OBJECT_FIELDS})
    payload.update(raw)
    payload["name"] = raw["name"].strip()
    payload["recommended_rpe"] = float(raw["recommended_rpe"])
    canonical = _CANONICAL.encode(payload)
    if "\\u0000" in canonical:
        raise UnicodeEncodeError("utf-8", "\x00", 0, 1, "NUL")
    return MovementRecord(index, payload, hashlib.sha256(canonical.encode()).hexdigest(), canonical)
