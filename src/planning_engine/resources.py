"""Locates the data files (movements, JSON Schemas) in a source checkout and in an installed wheel."""

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

_PACKAGED = Path(__file__).parent / "data"
_CHECKOUT = Path(__file__).resolve().parents[2] / "data"


def data_file(name: str) -> Path:
    """The wheel ships `data/` inside the package; a checkout keeps it at the top level."""
    for folder in (_PACKAGED, _CHECKOUT):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"data file {name!r} is neither in {_PACKAGED} nor in {_CHECKOUT}")


FOUNDATIONAL_MOVEMENTS = "movements-foundational.json"
MOVEMENT_SCHEMA = "movement.schema.json"
SCORING_SCHEMA = "scoring-payload.schema.json"


@cache
def load_schema(name: str) -> dict[str, Any]:
    """A JSON Schema from `data/`, checked once so a broken schema fails loudly, not silently."""
    schema: dict[str, Any] = json.loads(data_file(name).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return schema
