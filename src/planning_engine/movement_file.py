"""Reading and validating a movement file, before anything touches the database.

Everything wrong with a file is collected and reported together (record index, movement id,
field path), because a curator fixing a 500-row CSV should not discover errors one per run.
"""

import csv
import hashlib
import io
import json
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator

from planning_engine.errors import InvalidInput
from planning_engine.resources import MOVEMENT_SCHEMA, load_schema

MAX_BYTES_VARIABLE = "PLANNING_IMPORT_MAX_BYTES"
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
LIST_FIELDS = ("modalities", "equipment", "primary_muscles", "secondary_muscles", "tags")
OBJECT_FIELDS = ("instructions", "metadata")
_FORMATS = {".json": "json", ".csv": "csv"}


@dataclass(frozen=True)
class MovementRecord:
    """One valid movement, normalised so that JSON and CSV sources hash identically."""

    index: int
    payload: dict[str, Any]
    content_hash: str

    @property
    def movement_id(self) -> str:
        return str(self.payload["movement_id"])


def movement_schema() -> dict[str, Any]:
    return load_schema(MOVEMENT_SCHEMA)


@cache
def movement_validator() -> Draft202012Validator:
    """The reference validator: slow (~200 us a record) but it reports every error with its path."""
    return Draft202012Validator(movement_schema())


@cache
def _fast_check() -> Any:
    """The same schema compiled to Python (~12 us a record); only valid records skip the slow path."""
    return fastjsonschema.compile(movement_schema())


def schema_errors(record: Any) -> list[Any]:
    try:
        _fast_check()(record)
        return []
    except fastjsonschema.JsonSchemaException as fast_error:
        errors = sorted(
            movement_validator().iter_errors(record), key=lambda e: list(e.absolute_path)
        )
        return errors or [fast_error]


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


def read_movement_file(
    path: Path, fmt: str | None = None, max_bytes: int | None = None
) -> list[MovementRecord]:
    """Parse, validate and normalise every record, or raise InvalidInput listing all problems."""
    limit = max_bytes if max_bytes is not None else max_import_bytes()
    text = _read_text(path, limit)
    kind = detect_format(path, fmt)
    raw_records = _parse_json(text, path) if kind == "json" else _parse_csv(text, path)
    return validate_records(raw_records, source=path.name)


def _read_text(path: Path, limit: int) -> str:
    if not path.is_file():
        raise InvalidInput(f"movement file {path} not found", fix="check the path passed to --file")
    size = path.stat().st_size
    if size > limit:
        raise InvalidInput(
            f"{path.name} is {size} bytes, above the import limit of {limit} bytes",
            fix=f"split the file, or raise {MAX_BYTES_VARIABLE}",
        )
    if size == 0:
        raise InvalidInput(f"{path.name} is empty", fix="export the movements again")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(
            f"{path.name} is not UTF-8 (byte {error.start})", fix="save the file as UTF-8"
        ) from None


def _parse_json(text: str, path: Path) -> list[Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"{path.name} is not valid JSON: {error.msg} at line {error.lineno}, "
            f"column {error.colno}",
            fix="fix the JSON syntax at that position",
        ) from None
    if isinstance(document, dict) and isinstance(document.get("movements"), list):
        return list(document["movements"])
    if isinstance(document, list):
        return document
    raise InvalidInput(
        f"{path.name} holds neither a list of movements nor an object with a 'movements' list",
        fix='wrap the records as {"movements": [...]} or as a JSON array',
    )


def _parse_csv(text: str, path: Path) -> list[Any]:
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    records: list[Any] = []
    problems: list[str] = []
    try:
        for row_number, row in enumerate(reader):
            record, row_problems = _csv_row_to_record(row, row_number)
            records.append(record)
            problems.extend(row_problems)
    except csv.Error as error:
        raise InvalidInput(
            f"{path.name} is not valid CSV: {error} (line {reader.line_num})",
            fix="check the quoting on that line",
        ) from None
    if problems:
        raise InvalidInput(f"{path.name} has {len(problems)} invalid cell(s)", problems, _FIX)
    return records


def _csv_row_to_record(row: dict[str | None, Any], index: int) -> tuple[dict[str, Any], list[str]]:
    """Lists are `|`-separated; instructions and metadata are JSON objects in their cell."""
    record: dict[str, Any] = {}
    problems: list[str] = []
    for column, cell in row.items():
        if column is None:
            problems.append(f"movements[{index}]: more cells than header columns")
            continue
        if cell is None or cell == "":
            continue
        if column in LIST_FIELDS:
            record[column] = [item.strip() for item in cell.split("|") if item.strip()]
        elif column in OBJECT_FIELDS:
            try:
                record[column] = json.loads(cell)
            except json.JSONDecodeError as error:
                problems.append(f"movements[{index}].{column}: not a JSON object ({error.msg})")
        elif column == "recommended_rpe":
            try:
                record[column] = float(cell)
            except ValueError:
                problems.append(f"movements[{index}].recommended_rpe: {cell!r} is not a number")
        else:
            record[column] = cell
    return record, problems


_FIX = "correct the listed records; nothing was written"


def validate_records(raw_records: Iterable[Any], source: str = "input") -> list[MovementRecord]:
    problems: list[str] = []
    records: list[MovementRecord] = []
    seen_ids: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    for index, raw in enumerate(raw_records):
        label = _record_label(index, raw)
        errors = schema_errors(raw)
        for error in errors:
            path = getattr(error, "absolute_path", [])
            field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
            problems.append(f"{label}{field}: {_describe(error)}")
        if errors:
            continue
        if value_problems := _value_problems(label, raw):
            problems.extend(value_problems)
            continue
        movement_id, name = raw["movement_id"], raw["name"].strip()
        if movement_id in seen_ids:
            problems.append(f"{label}.movement_id: duplicate of movements[{seen_ids[movement_id]}]")
        if name.casefold() in seen_names:
            problems.append(
                f"{label}.name: {name!r} duplicates movements[{seen_names[name.casefold()]}]"
            )
        seen_ids.setdefault(movement_id, index)
        seen_names.setdefault(name.casefold(), index)
        records.append(_normalise(index, raw))
    if not records and not problems:
        problems.append("the file holds no movements")
    if problems:
        raise InvalidInput(
            f"{source}: {len(problems)} problem(s) found, nothing was imported", problems, _FIX
        )
    return records


def _value_problems(label: str, raw: dict[str, Any]) -> list[str]:
    """What the schema lets through but the library cannot store faithfully."""
    problems = []
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
    return f"movements[{index}]" + (f" ({movement_id})" if isinstance(movement_id, str) else "")


def _describe(error: Any) -> str:
    if getattr(error, "validator", None) == "additionalProperties":
        return f"unknown field(s): {error.message.split('(')[-1].rstrip(')')}"
    return str(error.message)


def _normalise(index: int, raw: dict[str, Any]) -> MovementRecord:
    payload: dict[str, Any] = {field: [] for field in LIST_FIELDS}
    payload.update({field: {} for field in OBJECT_FIELDS})
    payload.update(raw)
    payload["name"] = raw["name"].strip()
    payload["recommended_rpe"] = float(raw["recommended_rpe"])
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return MovementRecord(index, payload, hashlib.sha256(canonical.encode()).hexdigest())
