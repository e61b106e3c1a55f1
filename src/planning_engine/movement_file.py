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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator

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
def movement_validator() -> Draft202012Validator:
    """The reference validator: slow (~200 us a record) but it reports every error with its path."""
    return Draft202012Validator(movement_schema())


@cache
def _fast_check() -> Any:
    """The same schema compiled to Python by fastjsonschema (~16 us a record)."""
    return fastjsonschema.compile(movement_schema())


class _Unsupported(Exception):
    pass


Predicate = Callable[[Any], bool]
_MISSING = object()
_ANNOTATIONS = {"$schema", "$id", "title", "description", "$defs", "$comment", "examples"}
_TYPE_TESTS = {
    "object": "isinstance({v}, dict)",
    "array": "isinstance({v}, list)",
    "string": "isinstance({v}, str)",
    "number": "(isinstance({v}, (int, float)) and not isinstance({v}, bool))",
}


class _SchemaCompiler:
    """Compiles the JSON Schema subset the movement schema uses into one Python function that
    answers True only for instances the schema accepts (~4 us a record, against ~16 us for
    fastjsonschema, whose uniqueItems check builds a closure per call). False means "ask the
    reference validator": an unusual but valid record (a label list of non-strings) is still
    judged right. Values from the schema enter the code as constants, never as source text."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {"_MISSING": _MISSING}
        self.names = 0
        self.expanding: set[str] = set()

    def constant(self, value: Any) -> str:
        name = f"_c{len(self.constants)}"
        self.constants[name] = value
        return name

    def variable(self) -> str:
        self.names += 1
        return f"_v{self.names}"

    def emit(self, line: str, depth: int) -> None:
        self.lines.append("    " * depth + line)

    def refuse_unless(self, condition: str, depth: int) -> None:
        self.emit(f"if not ({condition}): return False", depth)

    def compile(self) -> Predicate:
        self.emit("def check(_v0):", 0)
        self.schema(self.root, "_v0", 1)
        self.emit("return True", 1)
        namespace = dict(self.constants)
        exec("\n".join(self.lines), namespace)
        return namespace["check"]  # type: ignore[no-any-return]

    def schema(self, schema: dict[str, Any], v: str, depth: int) -> None:
        kind = schema.get("type")
        if kind is not None:
            if not isinstance(kind, str) or kind not in _TYPE_TESTS:
                raise _Unsupported(f"type {kind!r}")
            self.refuse_unless(_TYPE_TESTS[kind].format(v=v), depth)

        def applies(to: str, condition: str) -> None:
            """A keyword constrains only instances of its type: skipped when the type is known
            to differ, unguarded when it is known to match."""
            if kind is None:
                self.refuse_unless(f"not {_TYPE_TESTS[to].format(v=v)} or ({condition})", depth)
            elif kind == to:
                self.refuse_unless(condition, depth)

        # items first: uniqueItems can then rely on the items being strings
        ordered = sorted(schema.items(), key=lambda item: item[0] != "items")
        for keyword, value in ordered:
            if keyword in _ANNOTATIONS or keyword in ("type", "properties", "additionalProperties"):
                continue
            if keyword == "$ref":
                if not (isinstance(value, str) and value.startswith("#/$defs/")):
                    raise _Unsupported(f"$ref {value!r}")
                if value in self.expanding:
                    raise _Unsupported("recursive $ref")
                self.expanding.add(value)
                self.schema(self.root["$defs"][value.removeprefix("#/$defs/")], v, depth)
                self.expanding.discard(value)
            elif keyword == "allOf":
                for sub in value:
                    self.schema(sub, v, depth)
            elif keyword == "enum":
                if not all(isinstance(x, str) for x in value):
                    raise _Unsupported("enum of non-strings")  # True == 1 in Python
                allowed = self.constant(frozenset(value))
                self.refuse_unless(
                    f"{_TYPE_TESTS['string'].format(v=v)} and {v} in {allowed}", depth
                )
            elif keyword == "pattern":
                search = self.constant(re.compile(value).search)  # jsonschema searches too
                applies("string", f"{search}({v}) is not None")
            elif keyword in ("minLength", "maxLength", "minItems", "maxItems"):
                op = ">=" if keyword.startswith("min") else "<="
                to = "string" if keyword.endswith("Length") else "array"
                applies(to, f"len({v}) {op} {self.constant(value)}")
            elif keyword in ("minimum", "maximum"):
                # jsonschema's own test (so NaN passes here as there: see _value_problems)
                op = "<" if keyword == "minimum" else ">"
                applies("number", f"not {v} {op} {self.constant(value)}")
            elif keyword == "uniqueItems":
                if value is not True:
                    raise _Unsupported("uniqueItems false")
                # set() equality is JSON equality for strings only; other items are "unsure".
                items = schema.get("items", {})
                strings = isinstance(items, dict) and items.get("type") == "string"
                every_string = "" if strings else f"all(type(i) is str for i in {v}) and "
                applies("array", f"{every_string}len(set({v})) == len({v})")
            elif keyword == "required":
                applies("object", f"{self.constant(frozenset(value))} <= {v}.keys()")
            elif keyword == "items" and isinstance(value, dict):
                item = self.variable()
                self.emit(f"if {_TYPE_TESTS['array'].format(v=v)}:", depth)
                self.emit(f"for {item} in {v}:", depth + 1)
                self.schema(value, item, depth + 2)
            else:
                raise _Unsupported(keyword)
        self.properties(schema, v, depth)

    def properties(self, schema: dict[str, Any], v: str, depth: int) -> None:
        properties = schema.get("properties", {})
        closed = schema.get("additionalProperties", True)
        if closed not in (True, False):
            raise _Unsupported("additionalProperties schema")
        if not properties and closed is True:
            return
        self.emit(f"if {_TYPE_TESTS['object'].format(v=v)}:", depth)
        self.emit("pass", depth + 1)
        if closed is False:
            self.refuse_unless(f"{v}.keys() <= {self.constant(frozenset(properties))}", depth + 1)
        for name, sub in properties.items():
            value = self.variable()
            self.emit(f"{value} = {v}.get({self.constant(name)}, _MISSING)", depth + 1)
            self.emit(f"if {value} is not _MISSING:", depth + 1)
            self.emit("pass", depth + 2)
            self.schema(sub, value, depth + 2)


@cache
def _quick_check() -> Predicate:
    """Valid records skip both other validators (~4 us a record). Compiled from the schema file
    itself; a schema using a keyword this compiler does not know falls back to fastjsonschema."""
    try:
        return _SchemaCompiler(movement_schema()).compile()
    except _Unsupported:
        fast = _fast_check()

        def fallback(record: Any) -> bool:
            try:
                fast(record)
            except fastjsonschema.JsonSchemaException:
                return False
            return True

        return fallback


def schema_errors(record: Any) -> list[Any]:
    """The schema's errors for `record`, sorted by path; [] when it is valid."""
    if _quick_check()(record):
        return []
    # At most a listing's worth: a record with a 500,000-item list has as many errors.
    errors = itertools.islice(movement_validator().iter_errors(record), MAX_LISTED_PROBLEMS)
    return sorted(errors, key=lambda e: list(e.absolute_path))


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
        quick = _quick_check()
        full = problems.full
        index = -1
        # The loop a 50 MB file of broken records runs 26 million times: once the listing is
        # full, an invalid record costs the quick check and a count, nothing more.
        try:
            for index, raw in enumerate(raw_records):
                if type(raw) is CellProblems:
                    problems.add_record([] if full else raw)
                elif quick(raw) and not _value_problems("", raw):
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
    """Every problem of an invalid record, with its path (~200 us: the reference validator)."""
    label = _record_label(index, raw)
    if hostile := safe_json.hostile_content(raw, root=label):
        return [hostile]
    errors = schema_errors(raw)
    if not errors:
        return _value_problems(label, raw)
    problems = []
    for error in errors:
        field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        problems.append(f"{label}{field}: {_describe(error)}")
    return problems


def _value_problems(label: str, raw: dict[str, Any]) -> list[str]:
    """What the schema lets through but the library cannot store faithfully."""
    problems = []
    if not _SLUG.fullmatch(raw["movement_id"]):
        # The schema's pattern is searched with Python's `$`, which also matches before a
        # trailing newline; the library's CHECK does not.
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


def _describe(error: Any) -> str:
    if getattr(error, "validator", None) == "additionalProperties":
        return f"unknown field(s): {error.message.split('(')[-1].rstrip(')')}"
    return safe_json.printable(str(error.message))


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
