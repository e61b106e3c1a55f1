"""Postgres connection strings: reading them, refusing the ones libpq would misread, and masking
every password in any text before it is printed or written.

Two rules keep secrets out of output:

* `read_dsn` refuses a DSN that libpq cannot parse, or would parse into something else than
  what its author meant (a SQLAlchemy/JDBC/MySQL URL; a URL password holding an unescaped `@`,
  which libpq reads as part of the host, so the rest of the password would show up in every
  "cannot reach Postgres at ..." message). Its message quotes nothing of the DSN: libpq's own
  parse errors quote fragments of it, password included.
* `mask_dsn` masks every password in any text: URLs of any scheme, `?password=` query
  parameters, key=value strings (quoted, escaped, or with an unclosed quote), plus the exact
  secrets the caller knows of. JSON text stays valid JSON: a JSON string is decoded, masked and
  re-encoded, never cut through, because the suite masks its own JSON records too.
"""

import json
import os
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

import psycopg
from psycopg.conninfo import conninfo_to_dict

from planning_engine.errors import ConfigurationError

DSN_VARIABLE = "PLANNING_DATABASE_URL"
MASK = "****"

URL_FORM = "postgresql://user:password@host:port/database"
PERCENT_ENCODING = (
    "a password with @ : / must be percent-encoded: @ → %40, : → %3A, / → %2F, % → %25"
)
URL_FIX = f"expected {URL_FORM}; {PERCENT_ENCODING}"
KEY_VALUE_FIX = (
    "expected key=value pairs such as host=db port=5432 dbname=planning user=admin "
    "password='two words' (a value with spaces in quotes, \\' for a quote inside), "
    f"or {URL_FORM} where {PERCENT_ENCODING}"
)

# --- masking -------------------------------------------------------------------------------

# One pass, three forms; each group pair is (kept prefix, masked secret).
_PASSWORDS = re.compile(
    r"""
    # URL of any scheme: the password runs to the LAST @ of the authority, so an unescaped @
    # in it is masked whole. It never crosses white space, a double quote (a JSON delimiter),
    # or / ? # (which end a URL authority). `:\/\/` is how some JSON encoders write `://`.
      (?P<url>\b[A-Za-z][A-Za-z0-9+.\-]*:(?:\\?/){2}[^\s"/?#@:]*:)(?P<url_secret>[^\s"/?#]*)(?=@)
    # A URL query parameter (libpq URLs, JDBC): runs to the next & or #.
    | (?P<query>[?&](?:ssl)?password=)(?P<query_secret>[^&#\s"]*)
    # key=value (libpq's grammar): a quoted value with \-escapes; a quote never closed runs
    # to the end of the line, as libpq would read it; an unquoted value runs to white space.
    # `****"` then , : } ] is a value masked already at the end of a JSON string: left alone.
    | (?P<kv>(?<![\w.\-])[\w.\-]*password[ \t]*=[ \t]*)
      (?P<kv_secret>'(?:[^'\\]|\\[\s\S])*'|'[^\r\n]*|(?!\*{4}"(?:[\s,:}\]]|$))(?:\\[^\r\n]?|[^\s\\])+)
    """,
    re.IGNORECASE | re.VERBOSE | re.ASCII,  # libpq's white space is ASCII; so is a scheme
)
# A JSON string literal, or a quote never closed on its line (taken whole and left alone, so
# that no later quote is tried again: that would make masking quadratic).
_JSON_STRING = re.compile(r'"(?:[^"\\\n]|\\.?)*+(?P<closed>")?')
# Where a password may be: a URL (its slashes maybe escaped by a JSON encoder) or a keyword.
_NOTHING_TO_MASK = re.compile(r":(?:\\?/){2}|password", re.IGNORECASE)
# Lines end at \n only: str.splitlines() also splits at \x1c, \x85, \u2028..., which a
# quoted libpq value may hold, and a password cut in two is masked only in part.
_LINES = re.compile(r"(?<=\n)")


def mask_dsn(text: str, secrets: Iterable[str] = ()) -> str:
    """Replace every DSN password in `text`, and every one of `secrets`, with ****.

    Works on any text: a message, a log line, a whole JSON document or JSON lines. Text that is
    JSON (as a whole, or line by line) has its strings decoded, masked and re-encoded, so the
    result is still valid JSON; in other text, JSON strings are treated the same way first, and
    only then is the rest read as plain text.
    """
    return _mask_text(text, _secret_forms(secrets))


def _mask_text(text: str, known: list[str]) -> str:
    if not _NOTHING_TO_MASK.search(text) and not any(form in text for form in known):
        return text
    if _is_json(text):
        return _mask_json_strings(text, known)
    return "".join(_mask_line(line, known) for line in _LINES.split(text))


def _secret_forms(secrets: Iterable[str]) -> list[str]:
    """Each secret as it may appear: raw, percent-encoded, escaped for libpq, escaped in JSON."""
    forms: set[str] = set()
    for secret in secrets:
        if not secret:
            continue
        forms.update(
            {
                secret,
                quote(secret, safe=""),
                quote(secret, safe="@"),
                secret.replace("\\", "\\\\").replace("'", "\\'"),
                json.dumps(secret)[1:-1],
                json.dumps(secret, ensure_ascii=False)[1:-1],
            }
        )
    return sorted(forms, key=len, reverse=True)  # a longer form first: it may hold a shorter one


def _is_json(text: str) -> bool:
    if not text.lstrip().startswith(("{", "[", '"')):
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _mask_json_strings(text: str, known: list[str], only_json_places: bool = False) -> str:
    """Mask inside each JSON string literal; a literal that changes is re-encoded whole, so no
    quote, backslash or escape sequence around or inside it is ever cut.

    `only_json_places`: in a line that is not JSON, a pair of double quotes may not be a JSON
    string at all (`password=a"b dbname=x "note"` quotes part of a password): only a pair
    where JSON puts strings, between `{ [ , :` and `, : } ]`, is taken for one."""

    def one(match: re.Match[str]) -> str:
        literal = match.group(0)
        if match.group("closed") is None:
            return literal  # never closed on this line
        if only_json_places and not _in_json_place(text, match.start(), match.end()):
            return literal
        try:
            decoded = json.loads(literal)
        except ValueError:
            return literal
        masked = _mask_text(decoded, known)  # any text again, maybe JSON itself
        if masked == decoded:
            return literal
        encoded = json.dumps(masked, ensure_ascii=literal.isascii())
        return encoded.replace("/", "\\/") if "\\/" in literal else encoded  # as it was written

    return _JSON_STRING.sub(one, text)


def _in_json_place(text: str, start: int, end: int) -> bool:
    before, after = text[:start].rstrip(), text[end:].lstrip()
    return (not before or before[-1] in "{[,:") and (not after or after[0] in ",:}]")


def _mask_line(line: str, known: list[str]) -> str:
    if _is_json(line):
        return _mask_json_strings(line, known)
    # JSON quoted inside a message (a response body, say) first, then the line as plain text.
    line = _mask_json_strings(line, known, only_json_places=True)
    for form in known:
        line = line.replace(form, MASK)
    return _PASSWORDS.sub(_masked, line)


def _masked(match: re.Match[str]) -> str:
    for prefix in ("url", "query", "kv"):
        kept = match.group(prefix)
        if kept is not None:
            return kept + (MASK if match.group(f"{prefix}_secret") else "")
    return match.group(0)  # pragma: no cover - every alternative has a group


# --- reading -------------------------------------------------------------------------------

_SCHEME = re.compile(r"^\s*(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*(?::[A-Za-z][A-Za-z0-9+.\-]*)*)://")
# What RFC 3986 allows in a URL's user:password unencoded (non-ASCII is let through: libpq
# reads it as UTF-8, and it ends neither a URL nor a masked password).
_USERINFO = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:]|%[0-9A-Fa-f]{2}|[^\x00-\x7f])*")
# libpq's parse errors, by their fixed wording; what they quote is never repeated.
_LIBPQ_REASONS = (
    ("invalid percent-encoded token", "a % that does not start a percent-encoding"),
    ("unexpected spaces found", "spaces in a URL (percent-encode them: %20)"),
    ("invalid URI query parameter", "a URL query parameter libpq does not know"),
    ("unterminated quoted string", "a quoted value that is never closed"),
    ("invalid connection option", "an option libpq does not know"),
    ('missing "="', "a word that is not key=value (quote a value with spaces)"),
)
# Options people write for libpq's; naming one of these cannot reveal a secret.
_OPTION_MISTAKES = {
    "hostname": "host",
    "server": "host",
    "database": "dbname",
    "db": "dbname",
    "username": "user",
    "uid": "user",
    "pass": "password",
    "passwd": "password",
    "pwd": "password",
}


def read_dsn(dsn: str, source: str = DSN_VARIABLE) -> dict[str, Any]:
    """libpq's reading of `dsn`, or a ConfigurationError whose cause names `source` and why.

    A DSN is refused when libpq cannot parse it, and also when it parses into something its
    author did not mean, where the secret would then leak: an unescaped @ in a URL password
    (libpq takes the rest for the host name), characters a URL must percent-encode, a host
    holding an @. Nothing of the DSN is quoted: libpq's own messages quote password fragments.
    """
    scheme = _SCHEME.match(dsn)
    if scheme is None and "=" not in dsn:
        raise _refused(source, "neither a URL nor key=value pairs", KEY_VALUE_FIX)
    fix = URL_FIX if scheme else KEY_VALUE_FIX
    if scheme is not None:
        _check_url(dsn, scheme.group("scheme"), scheme.end(), source)
    try:
        parts = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError as error:
        raise _refused(source, _libpq_reason(str(error)), fix) from None
    if "@" in str(parts.get("host") or ""):
        raise _refused(source, "its host holds an @ (an unescaped @ in the password?)", fix)
    ports = str(parts.get("port") or "").split(",")
    if not all(port.strip().isdigit() or not port.strip() for port in ports):
        raise _refused(source, "its port is not a number", fix)
    return parts


def _check_url(dsn: str, scheme: str, start: int, source: str) -> None:
    if scheme.lower().startswith("jdbc:"):
        raise _refused(
            source, "a JDBC URL is not a libpq DSN (drop jdbc: and any ?user=&password=)", URL_FIX
        )
    if scheme.lower().startswith("postgres") and "+" in scheme:
        raise _refused(
            source, f"{scheme}:// is a SQLAlchemy URL, not a libpq DSN (drop +driver)", URL_FIX
        )
    if scheme not in ("postgresql", "postgres"):
        raise _refused(source, f"the {scheme}:// scheme is not Postgres", URL_FIX)
    # libpq looks for user:password@ up to the first / only, and takes the first @ it meets.
    authority, _, path = dsn[start:].partition("/")
    if authority.count("@") > 1:
        raise _refused(source, "its password holds an unescaped @", URL_FIX)
    if "@" not in authority and "@" in path.partition("?")[0]:
        raise _refused(source, "its user or password holds an unescaped / or @", URL_FIX)
    userinfo = authority.partition("@")[0] if "@" in authority else ""
    if _USERINFO.fullmatch(userinfo) is None:
        raise _refused(
            source, "its user or password holds characters a URL must percent-encode", URL_FIX
        )


def _libpq_reason(message: str) -> str:
    for wording, reason in _LIBPQ_REASONS:
        if wording in message:
            option = re.search(r'invalid connection option "([^"]*)"', message)
            if option and option.group(1).lower() in _OPTION_MISTAKES:
                name = option.group(1)
                return f"{name} is not a libpq option (use {_OPTION_MISTAKES[name.lower()]})"
            return reason
    return "libpq cannot read it"


def _refused(source: str, reason: str, fix: str) -> ConfigurationError:
    return ConfigurationError(f"{source} is not a usable Postgres DSN: {reason}", fix)


def resolve_dsn(explicit: str | None) -> str:
    """`--dsn` wins over PLANNING_DATABASE_URL; neither is a configuration error, not a guess;
    a DSN libpq would misread is refused before any connection attempt can quote it."""
    dsn = explicit or os.environ.get(DSN_VARIABLE, "")
    if not dsn:
        raise ConfigurationError(
            "no database configured",
            f"pass --dsn {URL_FORM} or set {DSN_VARIABLE}",
        )
    read_dsn(dsn, "--dsn" if explicit else DSN_VARIABLE)
    return dsn


def describe_target(dsn: str) -> str:
    """Host and database name, for messages and reports; never the password, and nothing at
    all of a DSN that `read_dsn` refuses (its host may hold the rest of a password)."""
    try:
        parts = read_dsn(dsn)
    except ConfigurationError:
        return "(a DSN libpq cannot read)"
    host = str(parts.get("host") or parts.get("hostaddr") or "localhost")
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"{host}{port}/{parts.get('dbname') or parts.get('user') or '(default database)'}"
