"""A movement file's CSV, read one row at a time: list columns split on `;`, object columns
parsed as JSON, the recommended RPE as a number. A cell that cannot be read is a problem of its
record (`CellProblems`), listed with the others; a line too long or broken quoting is one
InvalidInput for the file."""

import csv
import json
import re
from collections.abc import Iterator
from typing import Any

from planning_engine import safe_json
from planning_engine.errors import InvalidInput

OBJECT_FIELDS = ("instructions", "metadata")
LIST_FIELDS = ("modalities", "equipment", "primary_muscles", "secondary_muscles", "tags")

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


MAX_LINE_CHARS = 1 << 20


class LineTooLong(Exception):
    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.number = number


def _lines(text: str) -> Iterator[str]:
    """Lines with their endings, split like a file opened with newline='' (what csv expects),
    one at a time: io.StringIO would hold the text again, at four bytes a character. A line
    longer than MAX_LINE_CHARS is refused: csv would split it into a list of millions of cells
    (a movement row is a few KB; csv's own limit is on one field, not on a row)."""
    for number, match in enumerate(_LINE.finditer(text), start=1):
        line = match.group()
        if len(line) > MAX_LINE_CHARS:
            raise LineTooLong(number)
        yield line


class CellProblems(list[str]):
    """What a CSV row whose cells cannot be read yields instead of a record."""


def csv_records(text: str, source: str) -> Iterator[Any]:
    reader = csv.DictReader(_lines(text), strict=True)
    try:
        for row_number, row in enumerate(reader):
            record, problems = _csv_row_to_record(row, row_number)
            yield CellProblems(problems) if problems else record
    except csv.Error as error:
        raise InvalidInput(
            f"{source} is not valid CSV: {error} (line {reader.line_num})",
            fix="check the quoting on that line",
        ) from None
    except LineTooLong as error:
        raise InvalidInput(
            f"{source}: line {error.number} is longer than {MAX_LINE_CHARS // 1024} KB, "
            "nothing was imported",
            fix="a movement row is a few KB: the file is broken, or not a movement export",
        ) from None


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
                record[column] = safe_json.decoder().decode(cell)
            except json.JSONDecodeError as error:
                problems.append(f"movements[{index}].{column}: not a JSON object ({error.msg})")
            except safe_json.NumberTooLong as error:
                problems.append(f"movements[{index}].{column}: holds {error}")
            except RecursionError:
                problems.append(
                    f"movements[{index}].{column}: nested more than {safe_json.MAX_DEPTH} levels"
                )
        elif column == "recommended_rpe":
            try:
                record[column] = float(cell)
            except ValueError:
                problems.append(
                    f"movements[{index}].recommended_rpe: {safe_json.printable(repr(cell))} "
                    "is not a number"
                )
        else:
            record[column] = cell
    return record, problems


# --- one record -------------------------------------------------------------------------------
