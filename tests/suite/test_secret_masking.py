"""Secrets never reach output: one masking function for every DSN form and every text (JSON
included), and a DSN libpq would misread is refused at once, without quoting its password.

The property tests generate passwords full of what breaks naive masking (@ : / ' " = % \\,
spaces, unicode) and write them in each DSN form a person may paste; a few end-to-end runs of
the suite then prove that nothing of them reaches the console or a report file.
"""

import json
import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast
from unittest import mock
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.conninfo import make_conninfo

from planning_engine.auth import mint_token
from planning_engine.dsn import MASK, describe_target, mask_dsn, read_dsn
from planning_engine.errors import ConfigurationError
from readiness.config import known_secrets, read_config
from support.known_secrets import JWT_SECRET
from support.suite_runner import SUITE_VARIABLES, run_suite

# --- the forms a DSN is written in ----------------------------------------------------------


def _libpq_escaped(password: str) -> str:
    """A value as libpq's key=value grammar reads it: \\ and ' escaped with a backslash."""
    return password.replace("\\", "\\\\").replace("'", "\\'")


@dataclass(frozen=True)
class Form:
    name: str
    write: Callable[[str], str]  # password -> the DSN
    masked: str  # the DSN as it must read once masked
    accepted: bool  # read_dsn takes it (and reads the password back whole)
    eats_line: bool = False  # an unclosed quote: libpq reads its value to the end


FORMS = [
    Form(
        "url, percent-encoded",
        lambda pw: (
            f"postgresql://admin:{quote(pw, safe='')}@127.0.0.1:5432/planning?sslmode=disable"
        ),
        "postgresql://admin:****@127.0.0.1:5432/planning?sslmode=disable",
        accepted=True,
    ),
    Form(
        "url, password as a query parameter",
        lambda pw: (
            f"postgresql://127.0.0.1:5432/planning?user=admin&password={quote(pw, safe='')}&sslmode=disable"
        ),
        "postgresql://127.0.0.1:5432/planning?user=admin&password=****&sslmode=disable",
        accepted=True,
    ),
    Form(
        "key=value, quoted",
        lambda pw: f"host=127.0.0.1 port=5432 password='{_libpq_escaped(pw)}' dbname=planning",
        "host=127.0.0.1 port=5432 password=**** dbname=planning",
        accepted=True,
    ),
    Form(
        "key=value, spaces around =",
        lambda pw: f"host=127.0.0.1 password = '{_libpq_escaped(pw)}' dbname=planning",
        "host=127.0.0.1 password = **** dbname=planning",
        accepted=True,
    ),
    Form(
        "key=value, as psycopg writes it",
        lambda pw: make_conninfo(host="127.0.0.1", password=pw, dbname="planning"),
        make_conninfo(host="127.0.0.1", password=MASK, dbname="planning"),
        accepted=True,
    ),
    Form(
        "url, SQLAlchemy",
        lambda pw: f"postgresql+psycopg2://admin:{quote(pw, safe='')}@127.0.0.1:9/planning",
        "postgresql+psycopg2://admin:****@127.0.0.1:9/planning",
        accepted=False,
    ),
    Form(
        "url, mysql",
        lambda pw: f"mysql://admin:{quote(pw, safe='')}@127.0.0.1:9/planning",
        "mysql://admin:****@127.0.0.1:9/planning",
        accepted=False,
    ),
    Form(
        "url, JDBC with query parameters",
        lambda pw: (
            f"jdbc:postgresql://127.0.0.1:9/planning?user=admin&password={quote(pw, safe='')}&ssl=false"
        ),
        "jdbc:postgresql://127.0.0.1:9/planning?user=admin&password=****&ssl=false",
        accepted=False,
    ),
    Form(
        "url, unescaped @ in the password",
        lambda pw: f"postgresql://admin:{quote(pw + '@' + pw, safe='@')}@127.0.0.1:5432/planning",
        "postgresql://admin:****@127.0.0.1:5432/planning",
        accepted=False,
    ),
    Form(
        "key=value, quote never closed",
        lambda pw: f"host=127.0.0.1 dbname=planning password='{_libpq_escaped(pw)}",
        "host=127.0.0.1 dbname=planning password=****",
        accepted=False,
        eats_line=True,
    ),
]

# What naive masking trips on, plus any printable unicode (no control characters: libpq
# cannot hold NUL, and a line break in a password is no DSN anyone pastes).
passwords = st.text(
    alphabet=st.one_of(
        st.sampled_from("@:/'\"=% \\?#&*"),
        st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")),
    ),
    min_size=1,
    max_size=24,
)
forms = st.sampled_from(FORMS)
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _in_a_message(dsn: str, form: Form) -> tuple[str, str]:
    """A line quoting the DSN, then another line; and how it must read once masked."""
    text = f"cannot reach Postgres at {dsn} (connection refused)\nfix: check the DSN"
    tail = "" if form.eats_line else " (connection refused)"
    return text, f"cannot reach Postgres at {form.masked}{tail}\nfix: check the DSN"


# --- masking ----------------------------------------------------------------------------------


@PROPERTY
@given(password=passwords, form=forms)
def test_masking_removes_the_password_and_nothing_else(password: str, form: Form) -> None:
    dsn = form.write(password)
    assert mask_dsn(dsn) == form.masked
    text, masked = _in_a_message(dsn, form)
    assert mask_dsn(text) == masked
    assert mask_dsn(masked) == masked, "masking twice changes nothing"


@PROPERTY
@given(password=passwords, form=forms, ascii_only=st.booleans())
def test_masked_json_is_still_json_without_the_password(
    password: str, form: Form, ascii_only: bool
) -> None:
    dsn = form.write(password)
    text, masked = _in_a_message(dsn, form)
    record = {"message": text, "dsn": dsn, "steps": [{"dsn": dsn, "n": 1}], "ok": None}
    expected = {
        "message": masked,
        "dsn": form.masked,
        "steps": [{"dsn": form.masked, "n": 1}],
        "ok": None,
    }

    document = mask_dsn(json.dumps(record, ensure_ascii=ascii_only))
    assert json.loads(document) == expected
    pretty = mask_dsn(json.dumps(record, ensure_ascii=ascii_only, indent=2))
    assert json.loads(pretty) == expected

    nested = mask_dsn(json.dumps({"record": json.dumps(record, ensure_ascii=ascii_only)}))
    assert json.loads(json.loads(nested)["record"]) == expected

    lines = mask_dsn(f"{json.dumps(record)}\n{json.dumps({'dsn': dsn})}\n")
    first, second = lines.splitlines()
    assert json.loads(first) == expected and json.loads(second) == {"dsn": form.masked}

    # JSON quoted inside a plain message (an HTTP body, say): the fragment stays JSON too.
    body = f"found 500 {json.dumps({'error': dsn})}, expected 202"
    assert mask_dsn(body) == f"found 500 {json.dumps({'error': form.masked})}, expected 202"


@PROPERTY
@given(password=passwords, ascii_only=st.booleans())
def test_known_secrets_are_masked_in_every_encoding(password: str, ascii_only: bool) -> None:
    """What the suite knows (a token, the DSN's password) is masked raw, percent-encoded and
    JSON-escaped, and JSON stays JSON."""
    secret = f"{password}Zq9"
    text = f"token {secret} and {quote(secret, safe='')}"
    masked = mask_dsn(text, [secret])
    assert secret not in masked and quote(secret, safe="") not in masked
    document = mask_dsn(json.dumps({"message": text}, ensure_ascii=ascii_only), [secret])
    assert json.loads(document) == {"message": masked}


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            "PLANNING_DATABASE_URL='postgresql+psycopg2://admin:S3cretPassw0rd@127.0.0.1:9/planning'",
            "PLANNING_DATABASE_URL='postgresql+psycopg2://admin:****@127.0.0.1:9/planning'",
        ),
        (
            "cannot reach Postgres at postgresql://admin:S3cret@Passw0rd@127.0.0.1:5432/planning",
            "cannot reach Postgres at postgresql://admin:****@127.0.0.1:5432/planning",
        ),
        ("host=db password='S3cret Passw0rd", "host=db password=****"),
        ("host=db password='S3cret \\' Passw0rd' user=u", "host=db password=**** user=u"),
        (
            '{"message": "jdbc:postgresql://127.0.0.1:9/planning?user=admin&password=S3cret"}',
            '{"message": "jdbc:postgresql://127.0.0.1:9/planning?user=admin&password=****"}',
        ),
        (
            '{"message": "hostname=127.0.0.1 dbname=planning password=S3cret"}',
            '{"message": "hostname=127.0.0.1 dbname=planning password=****"}',
        ),
        (
            '"host=db password=a"b dbname=planning" is refused',
            '"host=db password=**** dbname=planning" is refused',
        ),
        (
            'found 500 {"url": "postgres:\\/\\/u:S3cret@db\\/x"}',
            'found 500 {"url": "postgres:\\/\\/u:****@db\\/x"}',
        ),
        ("postgresql://admin:@db/x and postgresql://admin@db/x", None),
        ("the password is checked on login", None),
    ],
    ids=[
        "sqlalchemy",
        "unescaped-at",
        "unclosed-quote",
        "escaped-quote",
        "jdbc-in-json",
        "key-value-in-json",
        "quote-in-an-unquoted-password",
        "json-escaped-slashes",
        "no-password",
        "prose",
    ],
)
def test_the_forms_of_the_issue(text: str, masked: str | None) -> None:
    assert mask_dsn(text) == (masked or text)


# --- reading ----------------------------------------------------------------------------------


class _NoOptions:
    """What read_config asks of pytest's config when no option is given."""

    def getoption(self, name: str, default: object = None) -> object:
        return default


def _staging_env(dsn: str) -> dict[str, str]:
    """This process's environment with a staging configured and only the given DSN varying."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANNING_")}
    env = {k: v for k, v in env.items() if k not in SUITE_VARIABLES}
    env.update(
        {
            "PLANNING_API_URL": "http://127.0.0.1:9",
            "PLANNING_API_TOKEN": "opaque-token-1",
            "PLANNING_DATABASE_URL": dsn,
        }
    )
    return env


@PROPERTY
@given(password=passwords, form=forms)
def test_config_accepts_the_dsn_or_refuses_it_in_one_line_without_the_password(
    password: str, form: Form
) -> None:
    secret = f"{password}Zq9"  # so that no fixed word of a message can contain it by chance
    dsn = form.write(secret)
    shown = {secret, quote(secret, safe=""), quote(secret, safe="@"), _libpq_escaped(secret)}
    with mock.patch.dict(os.environ, _staging_env(dsn), clear=True):
        try:
            config = read_config(cast(pytest.Config, _NoOptions()))
        except pytest.UsageError as error:
            message = str(error)
            assert not form.accepted, message
            assert "\n" not in message
            assert "percent-encoded: @ → %40" in message
            assert "PLANNING_DATABASE_URL is not a usable Postgres DSN" in message
            assert not any(form_of_it in message for form_of_it in shown), message
            with pytest.raises(ConfigurationError):
                read_dsn(dsn)
            assert not any(s in describe_target(dsn) for s in shown)
            return
    assert form.accepted, f"{form.name} should be refused"
    assert read_dsn(dsn)["password"] == secret
    assert config.database_url == dsn
    assert secret in known_secrets(config)
    assert not any(s in describe_target(dsn) for s in shown)
    assert not any(s in config.describe() for s in shown)


@pytest.mark.parametrize(
    ("dsn", "reason"),
    [
        ("postgresql+psycopg2://admin:S3cretPassw0rd@127.0.0.1:9/planning", "SQLAlchemy URL"),
        ("mysql://admin:S3cretPassw0rd@127.0.0.1:9/planning", "the mysql:// scheme"),
        ("postgresql://admin:S3cret@Passw0rd@127.0.0.1:5432/planning", "unescaped @"),
        ("postgresql://admin:S3cret/Passw0rd@127.0.0.1:5432/planning", "unescaped / or @"),
        ("postgresql://admin:S3cret Passw0rd@127.0.0.1:5432/planning", "percent-encode"),
        ("postgresql://admin:S3cret%Passw0rd@127.0.0.1:5432/planning", "percent-encode"),
        ("postgresql://admin:S3cretPassw0rd@127.0.0.1:port/planning", "port is not a number"),
        ("jdbc:postgresql://127.0.0.1:9/planning?user=admin&password=S3cretPassw0rd", "JDBC"),
        ("hostname=127.0.0.1 dbname=planning password=S3cretPassw0rd", "hostname is not"),
        ("host=127.0.0.1 password='S3cret Passw0rd", "never closed"),
        ("host=127.0.0.1 password= S3cret Passw0rd", "not key=value"),
        ("S3cretPassw0rd", "neither a URL nor key=value"),
    ],
)
def test_an_unreadable_dsn_is_refused_with_the_reason_and_never_the_password(
    dsn: str, reason: str
) -> None:
    with pytest.raises(ConfigurationError) as refused:
        read_dsn(dsn)
    message = str(refused.value)
    assert reason in message
    assert "S3cret" not in message and "Passw0rd" not in message
    assert "\n" not in message


# --- end to end: the suite as QA runs it --------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _everything_written(tmp_path: Path, output: str) -> Iterator[tuple[str, str]]:
    yield "console", output
    for path in (tmp_path / "reports").rglob("*"):
        if path.is_file():
            yield path.name, path.read_text(encoding="utf-8", errors="replace")


def _staging(dsn: str) -> dict[str, str]:
    """A staging nothing answers for; the API is given up on after 2 s (what is tested here is
    what the reports hold, not how long a down API is waited for)."""
    return {
        "PLANNING_API_DOWN_S": "2",
        "PLANNING_API_URL": f"http://127.0.0.1:{_closed_port()}",
        "PLANNING_DATABASE_URL": dsn,
        "PLANNING_API_TOKEN": mint_token("qa-user", JWT_SECRET),
    }


@pytest.mark.parametrize(
    "dsn",
    [
        "postgresql://admin:S3cret@Passw0rd@127.0.0.1:{port}/planning",
        "postgresql+psycopg2://admin:S3cretPassw0rd@127.0.0.1:{port}/planning",
        "jdbc:postgresql://127.0.0.1:{port}/planning?user=admin&password=S3cretPassw0rd",
        "host=127.0.0.1 port={port} dbname=planning password='S3cret Passw0rd",
    ],
    ids=["unescaped-at", "sqlalchemy", "jdbc", "unclosed-quote"],
)
def test_the_suite_stops_at_once_on_an_unreadable_dsn(tmp_path: Path, dsn: str) -> None:
    run = run_suite(tmp_path, _staging(dsn.format(port=_closed_port())), timeout_s=60)
    assert run.exit_code == 4, run.output[-2000:]
    lines = [line for line in run.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("ERROR: PLANNING_DATABASE_URL"), lines
    assert "percent-encoded" in lines[0]
    for where, text in _everything_written(tmp_path, run.output):
        assert "S3cret" not in text and "Passw0rd" not in text, where


@pytest.mark.parametrize(
    ("dsn", "password"),
    [
        (
            "postgresql://admin:S3cret%40Pass%3Aw0rd%2F%22%C3%A9@127.0.0.1:{port}/planning",
            'S3cret@Pass:w0rd/"é',
        ),
        (
            "host=127.0.0.1 port={port} dbname=planning user=admin "
            "password='S3cret Pass\\'w0rd \"é=%'",
            "S3cret Pass'w0rd \"é=%",
        ),
    ],
    ids=["url-percent-encoded", "key-value-quoted"],
)
def test_a_staging_that_cannot_be_reached_leaks_no_password_anywhere(
    tmp_path: Path, dsn: str, password: str
) -> None:
    """The DSN is valid, so the run goes on, fails, and writes every report: none may hold the
    password in any form, and no report may be cut short by a masking error (INTERNALERROR)."""
    written = dsn.format(port=_closed_port())
    assert read_dsn(written)["password"] == password
    run = run_suite(tmp_path, _staging(written), timeout_s=120)
    assert run.exit_code == 1, run.output[-3000:]
    assert "INTERNALERROR" not in run.output
    assert (
        "cannot reach Postgres at 127.0.0.1"
        in run.with_status("failed")["test_the_database_answers"]
    )
    reports = {path.name for path in (tmp_path / "reports").iterdir()}
    assert {"junit.xml", "cucumber.json", "verdict.json", "signoff.html"} <= reports
    json.loads((tmp_path / "reports" / "cucumber.json").read_text(encoding="utf-8"))
    forms_of_it = {"S3cret", "Pass%3Aw0rd", "Pass\\'w0rd", json.dumps(password)[1:-1]}
    for where, text in _everything_written(tmp_path, run.output):
        assert not any(form in text for form in forms_of_it), where
