"""The errors people will hit: one line of cause, one of fix, non-zero exit, password masked."""

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from planning_engine.dsn import mask_dsn
from support.database import password_login


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_host_names_the_target_and_masks_the_password(engine_cli) -> None:
    dsn = f"postgresql://stream5:s3cret-pw@127.0.0.1:{_closed_port()}/planning"
    result = engine_cli("migrate", "--dsn", dsn)
    assert result.code == 1
    assert "cannot reach Postgres at 127.0.0.1" in result.err
    assert "s3cret-pw" not in result.err + result.out


@pytest.fixture
def password_user(postgres, dsn: str) -> Iterator[str]:
    with password_login(postgres, "pw_user") as role:
        yield make_conninfo(dsn, user=role, password="wrong-password")


def test_wrong_password_is_named_and_masked(engine_cli, password_user: str) -> None:
    result = engine_cli("seed", "--dsn", password_user)
    assert result.code == 1
    assert "rejected the credentials" in result.err
    assert "wrong-password" not in result.err


def test_missing_database(engine_cli, dsn: str) -> None:
    missing = make_conninfo(dsn, dbname="no_such_db")
    result = engine_cli("seed", "--dsn", missing)
    assert result.code == 1
    assert "database missing" in result.err


def test_missing_tables_point_to_migrate(engine_cli, bare_dsn: str) -> None:
    result = engine_cli("seed", "--dsn", bare_dsn)
    assert result.code == 1
    assert "table movement_staging is missing" in result.err
    assert "planning-engine migrate" in result.err


def test_no_dsn_at_all(engine_cli, monkeypatch) -> None:
    monkeypatch.delenv("PLANNING_DATABASE_URL", raising=False)
    result = engine_cli("migrate")
    assert result.code == 1
    assert "PLANNING_DATABASE_URL" in result.err


def test_dsn_comes_from_the_environment_when_not_given(engine_cli, dsn: str, monkeypatch) -> None:
    monkeypatch.setenv("PLANNING_DATABASE_URL", dsn)
    assert engine_cli("seed").code == 0
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT count(*) FROM movement_library").fetchone() == (8,)


def test_the_console_script_exits_non_zero_without_a_traceback(tmp_path: Path, dsn: str) -> None:
    """Through the real entry point, as a shell user runs it."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "planning_engine.cli",
            "import-movements",
            "--file",
            str(tmp_path / "x.json"),
            "--dsn",
            dsn,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "not found" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "dsn",
    [
        "postgresql://u:hunter2@db.example:5432/x",
        "host=db password=hunter2 dbname=x",
        "postgres://u:hunter2@h/x?sslmode=require",
    ],
)
def test_mask_dsn_hides_every_password_form(dsn: str) -> None:
    assert "hunter2" not in mask_dsn(dsn)
    assert "****" in mask_dsn(dsn)


def test_describe_target_reads_key_value_dsns() -> None:
    assert conninfo_to_dict("host=db dbname=x")["host"] == "db"


def test_a_misspelt_fault_name_is_refused_before_serving(engine_cli, dsn: str, monkeypatch) -> None:
    """A rehearsal with a typo in PLANNING_ENGINE_FAULTS would otherwise run a healthy engine."""
    monkeypatch.setenv("PLANNING_JWT_SECRET", "x" * 40)
    monkeypatch.setenv("PLANNING_ENGINE_FAULTS", "fail_jobs,scoring_total_out_of_rnage")
    result = engine_cli("serve", "--dsn", dsn, "--port", "0")
    assert result.code == 1
    assert "unknown fault(s): scoring_total_out_of_rnage" in result.err
    assert "scoring_total_out_of_range" in result.err  # the fix lists the names that exist


def test_token_mints_a_bearer_token_for_the_user(engine_cli, monkeypatch) -> None:
    import jwt

    secret = "s" * 40
    monkeypatch.setenv("PLANNING_JWT_SECRET", secret)
    result = engine_cli("token", "--user", "qa-user", "--ttl", "60")
    assert result.code == 0
    claims = jwt.decode(result.out.strip(), secret, algorithms=["HS256"])
    assert claims["sub"] == "qa-user" and claims["exp"] - claims["iat"] == 60
    assert secret not in result.out + result.err


def test_token_without_a_signing_key_says_which_variable(engine_cli, monkeypatch) -> None:
    monkeypatch.delenv("PLANNING_JWT_SECRET", raising=False)
    result = engine_cli("token", "--user", "qa-user")
    assert result.code == 1
    assert "PLANNING_JWT_SECRET is unset" in result.err


def test_token_refuses_the_short_key_serve_refuses(engine_cli, monkeypatch) -> None:
    """A token minted with a key `serve` would not start with is no token to test with."""
    monkeypatch.setenv("PLANNING_JWT_SECRET", "short")
    result = engine_cli("token", "--user", "qa-user")
    assert result.code == 1 and result.out == ""
    assert "PLANNING_JWT_SECRET is shorter than 32 characters" in result.err
    assert "short" not in result.err.replace("shorter", "")


@pytest.mark.parametrize(
    "dsn",
    [
        "postgresql+psycopg2://admin:S3cretPassw0rd@127.0.0.1:{port}/planning",
        "mysql://admin:S3cretPassw0rd@127.0.0.1:{port}/planning",
        "postgresql://admin:S3cret@Passw0rd@127.0.0.1:{port}/planning",
        "jdbc:postgresql://127.0.0.1:{port}/planning?user=admin&password=S3cretPassw0rd",
        "host=127.0.0.1 port={port} dbname=planning password='S3cret Passw0rd",
    ],
    ids=["sqlalchemy", "mysql", "unescaped-at", "jdbc", "unclosed-quote"],
)
def test_an_unreadable_dsn_is_refused_before_connecting_and_never_shown(engine_cli, dsn) -> None:
    result = engine_cli("migrate", "--dsn", dsn.format(port=_closed_port()))
    assert result.code == 1
    assert result.err.startswith("error: --dsn is not a usable Postgres DSN")
    assert "must be percent-encoded: @ → %40" in result.err
    assert "S3cret" not in result.err + result.out and "Passw0rd" not in result.err + result.out
    assert "cannot reach" not in result.err  # refused, not tried


def test_an_unreadable_dsn_from_the_environment_names_the_variable(engine_cli, monkeypatch) -> None:
    monkeypatch.setenv("PLANNING_DATABASE_URL", "postgresql://admin:S3cret@Passw0rd@127.0.0.1/x")
    result = engine_cli("seed")
    assert result.code == 1
    assert (
        "error: PLANNING_DATABASE_URL is not a usable Postgres DSN: "
        "its password holds an unescaped @" in result.err
    )
    assert "Passw0rd" not in result.err


def test_a_percent_encoded_password_with_at_signs_is_read_whole(engine_cli) -> None:
    """The form the refusal asks for works: the engine tries the right host, shows no password."""
    dsn = f"postgresql://admin:S3cret%40Passw0rd@127.0.0.1:{_closed_port()}/planning"
    result = engine_cli("migrate", "--dsn", dsn)
    assert result.code == 1
    assert "cannot reach Postgres at 127.0.0.1:" in result.err
    assert "S3cret" not in result.err and "Passw0rd" not in result.err


def test_serve_on_a_port_in_use_says_so_with_the_fix(engine_cli, dsn: str, monkeypatch) -> None:
    import socket

    monkeypatch.setenv("PLANNING_JWT_SECRET", "s" * 40)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = engine_cli("serve", "--port", str(port), "--dsn", dsn)
    assert result.code == 1
    assert f"error: cannot listen on 127.0.0.1:{port}: Address already in use" in result.err
    assert "fix: stop what serves there, or pass another --port" in result.err
    assert "Traceback" not in result.err


def test_serve_help_shows_its_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    from planning_engine.cli import main

    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "address to listen on (default 127.0.0.1)" in shown
    assert "port (default 8080)" in shown
    assert "(default PLANNING_WORKERS or 4)" in shown
