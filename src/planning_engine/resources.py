"""Locates the data files (movements, JSON Schemas) in a source checkout and in an installed wheel."""

from pathlib import Path

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
