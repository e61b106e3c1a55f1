"""A movement file's JSON, read one record at a time: `[...]` or `{"movements": [...], ...}`
walked with json's own scanner, so that a list of a million records is never built, with the
messages and positions json.loads gives for the same syntax errors. Whatever is wrong with the
text (syntax, a number too long, a value too large or too deep) is one InvalidInput."""

import json
import re
import sys
from collections.abc import Iterator
from typing import Any

from planning_engine import safe_json
from planning_engine.errors import InvalidInput

_WHITESPACE = re.compile(r"[ \t\n\r]*")
# After an array element: its delimiter, and the whitespace either side of it (for a ']' the
# whitespace after is the document's or the enclosing object's, which skip() accepts too).
_AFTER_ELEMENT = re.compile(r"[ \t\n\r]*([,\]])[ \t\n\r]*")


MAX_VALUE_CHARS = 1 << 20


class ValueTooLarge(Exception):
    """A JSON value (a record, or another member of the file's object) beyond MAX_VALUE_CHARS."""

    def __init__(self, pos: int) -> None:
        super().__init__(pos)
        self.pos = pos


class _JsonReader:
    """Walks a JSON text one value at a time with json's own scanner, so that a list of a
    million records is never built; `pos` is where the last structure walked ended."""

    def __init__(self, text: str) -> None:
        self.text = text
        # No parse_int hook here (a Python call per integer: 13 s for a file of 26 million
        # zeros); a number beyond int()'s 4,300 digits raises ValueError, reported below.
        self.decoder = json.JSONDecoder()
        self.pos = 0
        self.started = 0  # where the value being decoded begins, for errors without a position

    def skip(self, pos: int) -> int:
        return _WHITESPACE.match(self.text, pos).end()  # type: ignore[union-attr]

    def value(self, pos: int) -> Any:
        """The value at `pos`; `pos` moves past it.

        json builds a value whole, at up to ~25 bytes of memory a byte of text (`[[],[],...]`),
        so a single 50 MB record would cost a gigabyte. The value is therefore decoded from a
        window of the text that grows (4 KB, 32 KB, ...) until it holds the whole value, and a
        value that does not fit in MAX_VALUE_CHARS is refused: a movement record is a few KB."""
        self.started = pos
        text = self.text
        window = 4096
        while True:
            stop = pos + window
            if stop >= len(text):  # the rest fits: decode in place, errors exact
                value, self.pos = self.decoder.raw_decode(text, pos)
                return value
            piece = text[pos:stop]
            try:
                value, end = self.decoder.raw_decode(piece)
            except json.JSONDecodeError as error:
                cut = error.pos >= len(piece) - 16 or error.msg.startswith("Unterminated string")
                if not cut:  # the same error the whole text has, at the same place
                    raise json.JSONDecodeError(error.msg, text, pos + error.pos) from None
            else:
                self.pos = pos + end
                return value
            if window >= MAX_VALUE_CHARS:
                raise ValueTooLarge(pos)
            window *= 8

    def array(self, pos: int) -> Iterator[Any]:
        """The elements of the array opening at `pos`, then `pos` past its closing bracket."""
        text = self.text
        pos = self.skip(pos + 1)
        if text.startswith("]", pos):
            self.pos = pos + 1
            return
        value = self.value
        decode = self.decoder.raw_decode
        after = _AFTER_ELEMENT.match
        while True:
            if text.startswith(("[", "{"), pos):
                yield value(pos)
                end = self.pos
            else:  # a scalar costs no more memory than its text: no window needed
                self.started = pos
                scalar, end = decode(text, pos)
                yield scalar
            match = after(text, end)
            if match is None:  # neither ',' nor ']' after the element
                raise json.JSONDecodeError("Expecting ',' delimiter", text, self.skip(end))
            pos = match.end()
            if match.group(1) == "]":
                self.pos = pos
                return

    def members(self, pos: int) -> Iterator[tuple[str, int]]:
        """(key, position of its value) of the object opening at `pos`; the caller walks each
        value (moving `pos` past it) before asking for the next key."""
        text = self.text
        pos = self.skip(pos + 1)
        if text.startswith("}", pos):
            self.pos = pos + 1
            return
        while True:
            if not text.startswith('"', pos):
                raise json.JSONDecodeError(
                    "Expecting property name enclosed in double quotes", text, pos
                )
            key = self.value(pos)
            pos = self.skip(self.pos)
            if not text.startswith(":", pos):
                raise json.JSONDecodeError("Expecting ':' delimiter", text, pos)
            yield key, self.skip(pos + 1)
            pos = self.skip(self.pos)
            delimiter = text[pos : pos + 1]
            if delimiter == "}":
                self.pos = pos + 1
                return
            if delimiter != ",":
                raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
            pos = self.skip(pos + 1)

    def end(self) -> None:
        """Only whitespace may follow the document."""
        pos = self.skip(self.pos)
        if pos != len(self.text):
            raise json.JSONDecodeError("Extra data", self.text, pos)


def json_records(text: str, source: str) -> Iterator[Any]:
    """The records of `[...]` or `{"movements": [...], ...}`, parsed one element at a time,
    with the messages and positions json.loads gives for the same syntax errors."""
    reader = _JsonReader(text)
    try:
        pos = reader.skip(0)
        opening = text[pos : pos + 1]
        if opening == "[":
            yield from reader.array(pos)
        elif opening == "{":
            found = False
            for key, value_pos in reader.members(pos):
                if key == "movements" and text.startswith("[", value_pos):
                    if found:
                        raise InvalidInput(
                            f"{source} has more than one 'movements' list",
                            fix="keep one 'movements' key",
                        )
                    found = True
                    yield from reader.array(value_pos)
                else:
                    reader.value(value_pos)
            reader.end()
            if not found:
                _raise_shape(source)
        else:
            reader.value(pos)
            reader.end()
            _raise_shape(source)
        reader.end()
    except json.JSONDecodeError as error:
        raise InvalidInput(
            f"{source} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}",
            fix="fix the JSON syntax at that position",
        ) from None
    except ValueError:  # not a JSONDecodeError (caught above): int()'s digit limit
        where, digits = safe_json.long_number(text, reader.started, sys.get_int_max_str_digits())
        raise InvalidInput(
            f"{source}: the number at {safe_json.position(text, where)} has {digits} digits "
            f"(at most {sys.get_int_max_str_digits()} are accepted), nothing was imported",
            fix="correct the number",
        ) from None
    except ValueTooLarge as error:
        raise InvalidInput(
            f"{source}: the value at {safe_json.position(text, error.pos)} is not complete "
            f"within {MAX_VALUE_CHARS // 1024} KB, nothing was imported",
            fix="a movement record is a few KB: the file is broken, or not a movement export",
        ) from None
    except RecursionError:
        raise InvalidInput(
            f"{source}: the value at {safe_json.position(text, reader.started)} nests arrays or "
            f"objects more than {safe_json.MAX_DEPTH} levels deep, nothing was imported",
            fix="a movement nests 3 levels at most: correct that record",
        ) from None


def _raise_shape(source: str) -> None:
    raise InvalidInput(
        f"{source} holds neither a list of movements nor an object with a 'movements' list",
        fix='wrap the records as {"movements": [...]} or as a JSON array',
    )
