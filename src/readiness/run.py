"""`stream5-readiness`: run the readiness suite from an installed wheel, anywhere.

In a checkout this is `pytest features/`. A wheel carries the feature files, the step
definitions and the suite's conftest.py under `readiness/suite/`; this command points pytest at
them, with the current directory as the place for `reports/`.
"""

import sys
from collections.abc import Sequence
from pathlib import Path

_PACKAGED = Path(__file__).parent / "suite"
_CHECKOUT = Path(__file__).resolve().parents[2]


def suite_root() -> Path:
    """Where features/, steps/ and conftest.py live: inside the wheel, or at the checkout's top."""
    return _PACKAGED if (_PACKAGED / "features").is_dir() else _CHECKOUT


HELP = """usage: stream5-readiness [options] [pytest options]
       stream5-readiness watch --every SECONDS --for SECONDS [--plans N] [--keep-going]
       stream5-readiness alert-rules [--api-profile runbook|athlete-ally]

Checks a Stream 5 deployment (movement seeding and plan scoring) against the staging readiness
runbook and answers GO, NO-GO or INCOMPLETE, with the evidence. Without PLANNING_API_URL it
checks the reference planning engine on an embedded Postgres (a rehearsal, not a sign-off).

settings (environment):
  PLANNING_API_URL            the staging planning API (unset: the embedded target)
  PLANNING_DATABASE_URL       its Postgres: postgresql://user:password@host:port/db
                              (percent-encode @ : / % in the password)
  PLANNING_API_TOKEN          bearer token of the test user (or STAGING_TOKEN)
  PLANNING_API_TOKEN_2        a second user's token (job privacy check)
  PLANNING_JWT_SECRET         the staging's signing key (expired and other-audience tokens)
  PLANNING_ENGINE_LOG_COMMAND a command that prints the engine log (or PLANNING_ENGINE_LOG_FILE)
  PLANNING_DEPLOYED_AT        when the release went live, ISO 8601 (--deployed-at; default:
                              the engine's start on /metrics, else its log's first flag line)
  PLANNING_HISTORY            the history file (--history; default REPORTS_DIR/history.sqlite
                              for a staging): every run is appended, compared with the last GO
  FEATURE_V1_PLANNING_SCORING the flag state the staging should have (true)

options:
  --max-duration S     the run's time budget (PLANNING_MAX_DURATION, 300)
  --job-deadline S     how long a test plan may take (PLANNING_JOB_DEADLINE_S, 60)
  --sla-ms MS          time limit of each runbook query (PLANNING_SLA_MS, 500)
  --schema-profile P   the deployed schema's shape: runbook or athlete-ally
                       (PLANNING_SCHEMA_PROFILE; default: detected from its columns)
  --reports-dir DIR    where the reports go (PLANNING_REPORTS_DIR, reports)
  --allow-incomplete   exit 0 on INCOMPLETE too
  --allow-destructive  run the rollback drills against a staging the suite did not start
  --rehearsal          under CI (CI set) with no staging configured, check the embedded
                       engine anyway (a rehearsal, never a sign-off; without it: exit 4)
  -m MARKER, -k EXPR   run part of the runbook (the verdict is then INCOMPLETE)
  --version            the suite's version
  --pytest-help        every pytest option (they all work here)

exit codes: 0 GO (or INCOMPLETE with --allow-incomplete)
            1 NO-GO, or INCOMPLETE
            2 interrupted (Ctrl-C, SIGTERM): INCOMPLETE, the reports say so
            3 internal error of the suite or of pytest (a bug: report it)
            4 configuration error (one line says what to fix)
            5 no scenario selected (-k, -m matched nothing): nothing checked, reports untouched

reports: DIR/signoff.html (the sign-off page), junit.xml, cucumber.json, verdict.json,
         announcement.md (on a GO against a staging only), history.sqlite (kept, never
         removed), trend.html (written by `watch`)

watch:        rounds of the monitoring checks and the runbook's three alerts; exits 1 as soon
              as an alert fires; `stream5-readiness watch --help` for its options
alert-rules:  the same alerts as Prometheus rules, for the deployment's own metrics
"""


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["watch"]:
        from readiness.watch.cli import main as watch

        return watch(arguments[1:])
    if arguments[:1] == ["alert-rules"]:
        from readiness.alert_rules import main as alert_rules

        return alert_rules(arguments[1:])
    if "-h" in arguments or "--help" in arguments:
        print(HELP, end="")
        return 0
    if "--version" in arguments:
        from readiness.report.identity import suite_version

        print(f"stream5-readiness {suite_version()}")
        return 0
    if "--pytest-help" in arguments:
        arguments = ["--help"]
    try:
        import pytest
    except ImportError:
        print(
            "stream5-readiness needs pytest and its plugins: pip install 'stream5-readiness[suite]'",
            file=sys.stderr,
        )
        return 4
    root = suite_root()
    # The same plugin choices as the checkout's pyproject.toml (which an installed wheel lacks).
    plugins = ["-p", "no:schemathesis", "-p", "no:hypothesispytest"]
    # pytest's cache (--lf, --ff, --sw) in the current directory, not inside the installed wheel.
    cache = ["-o", f"cache_dir={Path.cwd() / '.pytest_cache'}"]
    pytest_arguments = [
        "--rootdir",
        str(root),
        *plugins,
        *cache,
        str(root / "features"),
        *arguments,
    ]
    return int(pytest.main(pytest_arguments))


if __name__ == "__main__":
    sys.exit(main())
