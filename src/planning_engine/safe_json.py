"""JSON from files people hand the engine, parsed so that hostile content is a clear error.

Python's json module turns some valid-looking documents into exceptions that are not
`JSONDecodeError`, or into values that break later: nesting deeper than the interpreter's
recursion limit (`RecursionError`), integers longer than 4,300 digits (`ValueError`), and `\\ud800`
escapes that decode to lone surrogates, which no UTF-8 encoder (stderr, Postgres, sha256 of the
text) accepts. Everything here reports those as `InvalidInput` naming what and where.
"""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from planning_engine.errors import InvalidInput

# A movement record nests 3 levels, a job result with its scoring about 8: 32 leaves room and
# keeps validators and repr() far below the interpreter's recursion limit.
MAX_DEPTH = 32
# No field of a movement or scoring file needs an integer longer than this.
MAX_INT_DIGITS = 40
# What a whole document parsed at once may hold (validate-scoring files: ~200 values a job).
MAX_VALUES = 2_000_000
# Quoting a hostile value in an error message: enough to recognise it, never megabytes.
MAX_QUOTE_CHARS = 160

_SURROGATE = re.compile("[\ud800-\udfff]")


class NumberTooLong(ValueError):
    """An integer literal with more digits than any movement or scoring field can use."""

    def __init__(self, digits: int) -> None:
        super().__init__(f"a number of {digits} digits")
        self.digits = digits


def _parse_int(literal: str) -> int:
    digits = len(literal.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise NumberTooLong(digits)
    return int(literal)


def decoder() -> json.JSONDecoder:
    """A decoder that refuses over-long integers instead of hitting int()'s digit limit."""
    return json.JSONDecoder(parse_int=_parse_int)


def position(text: str, pos: int) -> str:
    """`line L, column C` of a character offset, as json's own messages count them."""
    line = text.count("\n", 0, pos) + 1
    column = pos - text.rfind("\n", 0, pos)
    return f"line {line}, column {column}"


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def printable(text: str, limit: int = MAX_QUOTE_CHARS) -> str:
    """`text` safe for any UTF-8 output on one line: control characters and lone surrogates
    written as escapes, long text cut."""
    if len(text) > limit:
        text = text[:limit] + f"... ({len(text)} characters)"
    return _UNPRINTABLE.sub(lambda m: ascii(m.group())[1:-1], text)


def long_number(text: str, start: int, limit: int = MAX_INT_DIGITS) -> tuple[int, int]:
    """(position, digits) of the first integer of more than `limit` digits at or after `start`
    (the decoder may have seen only part of it)."""
    match = re.compile(rf"\d{{{limit + 1},}}").search(text, start)
    return (match.start(), len(match.group())) if match else (start, 0)


def _children(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield f".{key}", item
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield f"[{index}]", item


def hostile_content(value: Any, root: str = "$") -> str | None:
    """The first thing in an already parsed value that the engine cannot process safely:
    nesting beyond MAX_DEPTH, or a string (or key) holding a lone surrogate or a NUL character.
    Depth first with one iterator a level: memory is O(depth) even for a list of millions."""
    if isinstance(value, str):
        return f"{printable(root)}: {problem}" if (problem := _bad_string(value)) else None
    if not isinstance(value, dict | list):
        return None
    frames: list[tuple[str, Iterator[tuple[str, Any]]]] = [(root, _children(value))]
    if problem := _bad_keys(value):
        return f"{printable(root)}: {problem}"
    while frames:
        path, children = frames[-1]
        for step, child in children:
            if isinstance(child, str):
                if problem := _bad_string(child):
                    return f"{printable(path + step)}: {problem}"
            elif isinstance(child, dict | list):
                child_path = path + step
                if len(frames) >= MAX_DEPTH:
                    shown = child_path if len(child_path) <= 80 else child_path[:80] + "..."
                    return f"{printable(shown)}: nested more than {MAX_DEPTH} levels deep"
                if problem := _bad_keys(child):
                    return f"{printable(child_path)}: {problem}"
                frames.append((child_path, _children(child)))
                break
        else:
            frames.pop()
    return None


def _bad_keys(value: dict[str, Any] | list[Any]) -> str | None:
    if isinstance(value, dict):
        for key in value:
            if problem := _bad_string(key):
                return f"a field name {problem}"
    return None


def _bad_string(text: str) -> str | None:
    if match := _SURROGATE.search(text):
        return (
            f"holds a lone surrogate \\u{ord(match.group()):04x}, which is not a character "
            "(an escape of half a UTF-16 pair)"
        )
    if "\x00" in text:
        return "holds a NUL character (\\u0000), which Postgres text cannot store"
    return None


def loads(text: str, what: str, syntax_detail: bool = True) -> Any:
    """Parse a whole document; every failure is an InvalidInput naming `what` and where
    (`syntax_detail` False leaves json's description of a syntax error out)."""
    # json builds the whole document, at up to ~64 bytes a value: bound the values first (each
    # one after the first in an array or object follows a comma, so this over-counts).
    values = text.count(",") + text.count("[") + text.count("{") + 1
    if values > MAX_VALUES:
        raise InvalidInput(
            f"{what} holds up to {values} JSON values, more than the {MAX_VALUES} a file of "
            "this kind can need",
            fix="split the file",
        )
    try:
        document = decoder().decode(text)
    except json.JSONDecodeError as error:
        detail = f": {error.msg}" if syntax_detail else ""
        raise InvalidInput(
            f"{what} is not valid JSON{detail} at line {error.lineno}, column {error.colno}",
            fix="fix the JSON syntax at that position",
        ) from None
    except NumberTooLong as error:
        raise InvalidInput(
            f"{what} holds {error} at {position(text, long_number(text, 0)[0])} "
            f"(at most {MAX_INT_DIGITS} are accepted)",
            fix="correct the number",
        ) from None
    except RecursionError:
        raise InvalidInput(
            f"{what} nests arrays or objects more than {MAX_DEPTH} levels deep",
            fix="flatten the structure; no field of this file nests that deep",
        ) from None
    if problem := hostile_content(document):
        raise InvalidInput(f"{what}: {problem}", fix="correct that value")
    return document


def read_text(path: Path, limit: int, what: str, limit_variable: str) -> str:
    """A file's UTF-8 text (a BOM is dropped), refused before reading when above `limit`."""
    if not path.is_file():
        raise InvalidInput(f"{what} {path} not found", fix="check the path passed to --file")
    size = path.stat().st_size
    if size > limit:
        raise InvalidInput(
            f"{path.name} is {size} bytes, above the import limit of {limit} bytes",
            fix=f"split the file, or raise {limit_variable}",
        )
    if size == 0:
        raise InvalidInput(f"{path.name} is empty", fix="export the file again")
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(
            f"{path.name} is not UTF-8 (byte {error.start})", fix="save the file as UTF-8"
        ) from None
