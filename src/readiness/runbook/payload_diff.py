"""Where two JSON payloads differ, by JSON path: what the response and the database disagree on,
in a message a person can read."""

from typing import Any


def differences(stored: Any, returned: Any, path: str = "$") -> list[str]:
    """JSON paths where two payloads differ, with both values, for a message a person can read."""
    if isinstance(stored, dict) and isinstance(returned, dict):
        return [
            d
            for key in sorted(set(stored) | set(returned))
            for d in differences(stored.get(key), returned.get(key), f"{path}.{key}")
        ]
    return [] if stored == returned else [f"{path} (stored {stored!r}, API {returned!r})"]
