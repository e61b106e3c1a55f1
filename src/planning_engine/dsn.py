"""Postgres connection strings: reading them from the environment and showing them safely."""

import os
import re

import psycopg
from psycopg.conninfo import conninfo_to_dict

from planning_engine.errors import ConfigurationError

DSN_VARIABLE = "PLANNING_DATABASE_URL"

_URL_PASSWORD = re.compile(r"(postgres(?:ql)?://[^:/@\s]*:)([^@\s]*)(@)")
_KEYWORD_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def mask_dsn(text: str) -> str:
    """Replace every password in a DSN (URL or key=value form), or in a message quoting one."""
    text = _URL_PASSWORD.sub(
        lambda m: m.group(1) + ("****" if m.group(2) else "") + m.group(3), text
    )
    return _KEYWORD_PASSWORD.sub(lambda m: m.group(1) + "****", text)


def resolve_dsn(explicit: str | None) -> str:
    """`--dsn` wins over PLANNING_DATABASE_URL; neither is a configuration error, not a guess."""
    dsn = explicit or os.environ.get(DSN_VARIABLE, "")
    if not dsn:
        raise ConfigurationError(
            "no database configured",
            f"pass --dsn postgresql://user:password@host:port/database or set {DSN_VARIABLE}",
        )
    if "://" in dsn and not dsn.startswith(("postgresql://", "postgres://")):
        raise ConfigurationError(
            f"{mask_dsn(dsn)} is not a Postgres DSN",
            "expected postgresql://user:password@host:port/database",
        )
    return dsn


def describe_target(dsn: str) -> str:
    """Host and database name, for messages and reports; never the password."""
    try:
        parts = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return mask_dsn(dsn)
    host = str(parts.get("host") or parts.get("hostaddr") or "localhost")
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"{host}{port}/{parts.get('dbname') or parts.get('user') or '(default database)'}"
