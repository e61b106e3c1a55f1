"""Secrets out of everything bound for a report, a log or the terminal."""

import pytest

from planning_engine.dsn import mask_dsn
from readiness.session_keys import SECRETS_KEY


def redact(text: str, config: pytest.Config) -> str:
    """Remove every secret the suite knows of (tokens, DSN passwords) from text bound for a report.

    One function masks both the known secrets and any DSN password, so that text which is JSON
    (the scenario records) is masked inside its decoded strings and stays valid JSON, and a
    secret escaped by JSON or percent-encoded in a URL is found as well as the raw one."""
    secrets: list[str] = config.stash.get(SECRETS_KEY, [])
    return mask_dsn(text, secrets)
