"""`planning-engine`: the engine's command line, one entry point with subcommands.

Every failure a person can cause (bad DSN, missing table, malformed file) ends as a one-line
cause and a fix on stderr with a non-zero exit; a traceback is never the only explanation.
"""

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import psycopg

from planning_engine import __version__
from planning_engine.api_profile import API_PROFILE_VARIABLE, API_PROFILES, ATHLETE_ALLY_API
from planning_engine.database import connect, explain_connection_failure
from planning_engine.dsn import mask_dsn, resolve_dsn
from planning_engine.errors import ConfigurationError, EngineError, InvalidInput
from planning_engine.logs import configure_logging
from planning_engine.schema_profile import PROFILE_VARIABLE, PROFILES, resolve_profile

API_HELP = (
    "the API to serve: runbook (the runbook's routes) or athlete-ally (the routes, jobs, "
    "tokens, logs and metrics of the deployed athlete-ally service, and its gateway's routes; "
    f"needs --schema-profile athlete-ally); overrides {API_PROFILE_VARIABLE} (default runbook)"
)

Handler = Callable[[argparse.Namespace], int]
_COMMANDS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _COMMANDS[name] = handler
        return handler

    return register


def _open(args: argparse.Namespace) -> psycopg.Connection:
    return connect(resolve_dsn(args.dsn))


@command("migrate")
def _migrate(args: argparse.Namespace) -> int:
    from planning_engine.migrate import migrate

    profile = resolve_profile(args.schema_profile)
    with _open(args) as conn:
        applied = migrate(conn, profile)
    if applied:
        print("applied migrations: " + ", ".join(f"{m.version}_{m.name}" for m in applied))
    else:
        print("schema is up to date: no changes")
    return 0


@command("import-movements")
def _import_movements(args: argparse.Namespace) -> int:
    from planning_engine.import_runs import log_refused_import
    from planning_engine.importer import import_movements, record_run
    from planning_engine.movement_file import MovementFile

    path = Path(args.file)
    profile = resolve_profile(args.schema_profile)
    dsn = resolve_dsn(args.dsn)
    with connect(dsn) as conn:
        try:
            summary = import_movements(
                conn,
                MovementFile(path, args.format),
                actor=args.actor,
                publish=not args.no_publish,
                dry_run=args.dry_run,
                profile=profile,
            )
        except Exception as error:
            # Whatever broke it, a refused file is one clear error, a log line and (unless a
            # dry run) a ledger row: the runbook's log check and the failures metric see it.
            refusal = _import_failure(error, dsn)
            log_refused_import(path.name, args.actor, refusal)
            if not args.dry_run:
                _record_failure(conn, dsn, args.actor, path.name, str(refusal), profile)
            raise refusal from None
        if not args.dry_run:
            record_run(
                conn,
                actor=args.actor,
                source=path.name,
                summary=summary,
                error=None,
                profile=profile,
            )
    verb = "would be" if args.dry_run else "were"
    print(
        f"Movement import{' (dry run, nothing written)' if args.dry_run else ''}: "
        f"total {summary.total}, created {summary.created}, updated {summary.updated}, "
        f"unchanged {summary.unchanged}, published {summary.published}, errors {summary.errors}"
    )
    if args.dry_run and (summary.created or summary.updated or summary.published):
        print(f"{summary.created + summary.updated + summary.published} movement(s) {verb} changed")
    return 0


def _import_failure(error: Exception, dsn: str) -> EngineError:
    """Any exception of an import as the engine's error: a cause naming what happened (a
    statement timeout is not a connection timeout) and the fact that nothing was written."""
    if isinstance(error, EngineError):
        return error
    if isinstance(error, psycopg.errors.QueryCanceled):
        return _statement_timeout(error)
    if isinstance(error, psycopg.OperationalError):
        return explain_connection_failure(dsn, error)
    if isinstance(error, psycopg.Error):
        return EngineError(
            f"database error: {_first_line(error)}", "nothing was written; check the message above"
        )
    return EngineError(
        f"the import failed: {type(error).__name__}: {_first_line(error)}",
        "nothing was written; check the file, and report this message if it looks valid",
    )


def _first_line(error: Exception) -> str:
    from planning_engine.safe_json import printable

    text = str(error).strip()
    return printable(text.splitlines()[0] if text else repr(error), 300)


def _statement_timeout(error: psycopg.Error) -> EngineError:
    from planning_engine.database import STATEMENT_TIMEOUT_MS

    return EngineError(
        f"Postgres cancelled a statement after the {STATEMENT_TIMEOUT_MS / 1000:g} s "
        f"statement_timeout ({_first_line(error)})",
        "nothing was written; the database is slow or the work too large: "
        "check the server's load, or split the file",
    )


def _record_failure(
    conn: psycopg.Connection, dsn: str, actor: str, source: str, error: str, profile: str
) -> None:
    """The ledger is best effort; the import error itself is what the user must see. A
    connection the failure broke is replaced by a new one."""
    from planning_engine.importer import record_run

    with contextlib.suppress(psycopg.Error, EngineError):
        if conn.closed or conn.broken:
            with connect(dsn) as fresh:
                record_run(
                    fresh, actor=actor, source=source, summary=None, error=error, profile=profile
                )
        else:
            record_run(conn, actor=actor, source=source, summary=None, error=error, profile=profile)


@command("seed")
def _seed(args: argparse.Namespace) -> int:
    from planning_engine.importer import record_run
    from planning_engine.seeding import seed_foundational

    profile = resolve_profile(args.schema_profile)
    with _open(args) as conn:
        summary = seed_foundational(conn, actor=args.actor, profile=profile)
        record_run(
            conn,
            actor=args.actor,
            source="movements-foundational.json",
            summary=summary,
            error=None,
            profile=profile,
        )
    print(
        f"Movement import: total {summary.total}, created {summary.created}, "
        f"updated {summary.updated}, unchanged {summary.unchanged}, "
        f"published {summary.published}, errors {summary.errors}"
    )
    return 0


@command("dump-seed")
def _dump_seed(args: argparse.Namespace) -> int:
    from planning_engine.seeding import dump_seed

    profile = resolve_profile(args.schema_profile)
    with _open(args) as conn:
        count = dump_seed(conn, Path(args.out), profile)
    print(f"wrote {count} movements and their audit trail to {args.out}")
    return 0


@command("restore-seed")
def _restore_seed(args: argparse.Namespace) -> int:
    from planning_engine.seeding import restore_seed

    profile = resolve_profile(args.schema_profile)
    with _open(args) as conn:
        movements, audit = restore_seed(conn, Path(args.file), profile)
    print(f"restored {args.file}: library holds {movements} movements, audit log {audit} rows")
    return 0


# validate-scoring lists this many payloads (the first ones, then invalid ones) and this many
# findings of each; the rest are counted.
SHOWN_PAYLOADS = 50
SHOWN_FINDINGS = 20


@command("validate-scoring")
def _validate_scoring(args: argparse.Namespace) -> int:
    from planning_engine import safe_json
    from planning_engine.contract import payloads_in, validate_scoring
    from planning_engine.movement_file import MAX_BYTES_VARIABLE, max_import_bytes

    path = Path(args.file)
    # Read like a movement file: size-capped, UTF-8, and hostile JSON (deep nesting, lone
    # surrogates, 5,000-digit numbers) refused with a message instead of a traceback.
    text = safe_json.read_text(path, max_import_bytes(), "payload file", MAX_BYTES_VARIABLE)
    document = safe_json.loads(text, path.name, syntax_detail=False)
    payloads = payloads_in(document)
    if not payloads:
        raise InvalidInput(
            f"{path.name} holds no scoring payloads", fix="pass a payload, a list, or job results"
        )
    invalid = hidden = 0
    for index, (label, payload) in enumerate(payloads):
        report = validate_scoring(payload) if payload is not None else None
        valid = report is not None and report.valid
        invalid += not valid
        # A million payloads must not print a million lines: the first ones are listed, then
        # only invalid ones, up to SHOWN_PAYLOADS of them; the rest are counted.
        if (valid and index >= SHOWN_PAYLOADS) or (not valid and invalid > SHOWN_PAYLOADS):
            hidden += not valid
            continue
        if report is None:
            print(f"{label}: INVALID\n  $.resultData.scoring: absent (was the scoring flag on?)")
            continue
        print(f"{label}: {'valid' if valid else 'INVALID'}")
        findings = [f"  error   {e}" for e in report.errors] + [
            f"  warning {w}" for w in report.warnings
        ]
        for line in findings[:SHOWN_FINDINGS]:
            print(line)
        if len(findings) > SHOWN_FINDINGS:
            print(f"  … and {len(findings) - SHOWN_FINDINGS} more finding(s)")
    if hidden:
        print(f"… and {hidden} more invalid payload(s), not listed")
    print(f"{len(payloads) - invalid} of {len(payloads)} payload(s) valid against fixed-weight-v1")
    return 1 if invalid else 0


def _service() -> Any:
    """The service module, which needs the `engine` extra; without it, one line says so."""
    try:
        from planning_engine import service
    except ImportError as missing:
        raise ConfigurationError(
            f"the planning service needs {missing.name or 'its dependencies'}, which is not "
            "installed",
            "pip install 'stream5-readiness[engine]'",
        ) from None
    return service


@command("serve")
def _serve(args: argparse.Namespace) -> int:
    profile = resolve_profile(args.schema_profile)
    serve = _service().serve
    from planning_engine.settings import ServiceSettings

    settings = ServiceSettings.from_environment(
        resolve_dsn(args.dsn),
        workers=args.workers,
        schema_profile=profile,
        api_profile=args.api_profile,
    )
    _check_port_free(args.host, args.port)
    with connect(settings.dsn):
        pass  # fail now, with the runbook's fix, rather than on the first request
    serve(settings, args.host, args.port)
    return 0


def _check_port_free(host: str, port: int) -> None:
    """The address `serve` will listen on, tried first as uvicorn binds it, so that a port in
    use is one line with its fix rather than uvicorn's own error."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        family, _, _, _, address = infos[0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as error:
        raise ConfigurationError(
            f"cannot listen on {host}:{port}: {error.strerror or error}",
            "stop what serves there, or pass another --port (and --host)",
        ) from None


@command("worker")
def _worker(args: argparse.Namespace) -> int:
    profile = resolve_profile(args.schema_profile)
    run_workers = _service().run_workers
    from planning_engine.settings import ServiceSettings

    settings = ServiceSettings.from_environment(
        resolve_dsn(args.dsn),
        workers=args.concurrency,
        verifies_tokens=False,
        schema_profile=profile,
    )
    with connect(settings.dsn):
        pass
    run_workers(settings, metrics_port=args.metrics_port)
    return 0


@command("token")
def _token(args: argparse.Namespace) -> int:
    import os

    from planning_engine.auth import mint_token
    from planning_engine.settings import (
        MAX_TOKEN_TTL_VARIABLE,
        max_token_ttl_s,
        signing_secret,
    )

    secret = signing_secret()
    longest = max_token_ttl_s()
    if not 0 < args.ttl <= longest:
        # A token the engine would refuse is worse than no token: it fails later, as a 401.
        raise EngineError(
            f"--ttl {args.ttl} is outside 1..{longest:g} s, the lifetimes the engine accepts",
            f"pass a shorter --ttl, or raise {MAX_TOKEN_TTL_VARIABLE} for the engine too",
        )
    athlete_ally = (args.api_profile or os.environ.get(API_PROFILE_VARIABLE)) == ATHLETE_ALLY_API
    print(mint_token(args.user, secret, args.ttl, athlete_ally=athlete_ally))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="planning-engine", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--dsn", help="Postgres DSN; overrides PLANNING_DATABASE_URL")
    # Checked by resolve_profile rather than argparse `choices`: an unknown value is reported
    # like the other configuration errors (cause, fix, exit 1), whether it came from here or
    # from the environment.
    common.add_argument(
        "--schema-profile",
        metavar="{" + ",".join(PROFILES) + "}",
        help=f"the database's schema; overrides {PROFILE_VARIABLE} (default runbook)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("migrate", parents=[common], help="apply pending schema migrations")

    imp = sub.add_parser("import-movements", parents=[common], help="import a movement file")
    imp.add_argument("--file", required=True, help="movements as .json or .csv")
    imp.add_argument("--format", choices=["json", "csv"], help="override the file extension")
    imp.add_argument(
        "--dry-run", action="store_true", help="report what would change, write nothing"
    )
    imp.add_argument("--no-publish", action="store_true", help="leave new movements as drafts")
    imp.add_argument("--actor", default="planning-engine", help="name recorded in the audit log")

    seed = sub.add_parser("seed", parents=[common], help="import the 8 foundational movements")
    seed.add_argument("--actor", default="seed", help="name recorded in the audit log")

    dump = sub.add_parser("dump-seed", parents=[common], help="write the library as a SQL dump")
    dump.add_argument("--out", required=True, help="file to write")

    restore = sub.add_parser("restore-seed", parents=[common], help="restore a SQL seed dump")
    restore.add_argument("--file", required=True, help="a file written by dump-seed")

    serve = sub.add_parser(
        "serve", parents=[common], help="run the HTTP API with in-process workers"
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default %(default)s)"
    )
    serve.add_argument("--port", type=int, default=8080, help="port (default %(default)s)")
    serve.add_argument(
        "--workers", type=int, help="in-process workers (default PLANNING_WORKERS or 4)"
    )
    serve.add_argument("--api-profile", metavar="{" + ",".join(API_PROFILES) + "}", help=API_HELP)

    worker = sub.add_parser(
        "worker", parents=[common], help="run extra plan workers without the API"
    )
    worker.add_argument(
        "--concurrency", type=int, help="workers in this process (default PLANNING_WORKERS or 4)"
    )
    worker.add_argument(
        "--metrics-port",
        type=int,
        default=int(os.environ.get("PLANNING_METRICS_PORT") or 0) or None,
        help="serve this process's scoring counters as Prometheus text on 127.0.0.1:PORT/metrics "
        "(default PLANNING_METRICS_PORT; none)",
    )

    token = sub.add_parser("token", help="mint a test bearer token (needs PLANNING_JWT_SECRET)")
    token.add_argument("--user", required=True, help="the user id (token subject)")
    token.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds")
    token.add_argument(
        "--api-profile",
        metavar="{" + ",".join(API_PROFILES) + "}",
        help="athlete-ally: a token that API accepts (issuer, audience, userId claim); "
        f"default {API_PROFILE_VARIABLE} or runbook",
    )

    check = sub.add_parser(
        "validate-scoring", help="validate scoring payloads against the contract"
    )
    check.add_argument("--file", required=True, help="a payload, a list, or job results (JSON)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging("stdout" if args.command in ("serve", "worker") else "stderr")
    try:
        return _COMMANDS[args.command](args)
    except EngineError as error:
        _report(error)
        return 1
    except psycopg.errors.QueryCanceled as error:  # an OperationalError, but not a lost server
        _report(_statement_timeout(error))
        return 1
    except psycopg.OperationalError as error:
        _report(explain_connection_failure(resolve_dsn(getattr(args, "dsn", None)), error))
        return 1
    except psycopg.Error as error:
        _report(
            EngineError(f"database error: {error}", "nothing was changed; check the message above")
        )
        return 1
    except KeyboardInterrupt:
        return 130


def _report(error: EngineError) -> None:
    """Causes are masked on the way out: they may quote libpq or psycopg, whose messages can
    hold a DSN. A fix is the engine's own advice (it may show the postgresql://user:password@...
    form on purpose)."""
    print(f"error: {mask_dsn(error.cause)}", file=sys.stderr)
    for problem in getattr(error, "problems", []):
        print(f"  - {mask_dsn(problem)}", file=sys.stderr)
    if error.fix:
        print(f"fix: {error.fix}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
