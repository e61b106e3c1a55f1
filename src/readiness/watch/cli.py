"""`stream5-readiness watch --every SECONDS --for SECONDS`: rounds of the monitoring checks
against a staging, each appended to the history and drawn in reports/trend.html.

It exits 1 as soon as an alert fires (with --keep-going: at the end, with a summary), 0 when
none fired, 2 when interrupted (Ctrl-C; the page is written first) and 4 on a configuration
error, as the readiness run does."""

import argparse
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import httpx

from planning_engine.dsn import describe_target
from readiness.budget import RunBudget
from readiness.checks import ReadinessFailure
from readiness.config import ConfigurationProblem, SuiteConfig, read_config
from readiness.history.recording import key_of
from readiness.history.store import FILE_NAME, ROUND, Entry, History, HistoryFileError
from readiness.options import OptionValues
from readiness.since_deploy.deploy_time import DeployTime, resolve
from readiness.target.api_client import PlanningApi
from readiness.target.deployment import Target, connect_staging
from readiness.watch.round import ALERT, RoundResult, run_round
from readiness.watch.trend_page import render

TREND_PAGE = "trend.html"
TREND_ENTRIES = 200
EXAMPLE = "stream5-readiness watch --every 300 --for 86400   # every 5 minutes for 24 hours"


class _Unusable(Exception):
    """An option argparse cannot read: said in one line, exit 4."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _Unusable(f"{message} (see --help)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="stream5-readiness watch",
        description="Repeat the runbook's read-only monitoring checks against the configured "
        "staging (the same PLANNING_* settings as a readiness run), with at most --plans test "
        "plans a round, and evaluate the runbook's three alerts each round: movement count "
        "below 8, scoring calculation errors above 0, plan generation errors increasing.",
        epilog=f"example: {EXAMPLE}\nexit codes: 0 no alert fired, 1 an alert fired, "
        "2 interrupted, 4 configuration error",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--every",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="seconds from one round's start to the next (default 300)",
    )
    parser.add_argument(
        "--for",
        dest="duration",
        type=float,
        default=3600.0,
        metavar="SECONDS",
        help="how long to watch: rounds start while this has not passed (default 3600)",
    )
    parser.add_argument(
        "--plans",
        type=int,
        default=1,
        metavar="N",
        help="test plans generated each round (default 1; 0: read only)",
    )
    parser.add_argument(
        "--keep-going",
        action="store_true",
        help="do not stop at the first alert: exit 1 at the end, with a summary",
    )
    parser.add_argument(
        "--reports-dir",
        default=os.environ.get("PLANNING_REPORTS_DIR", "reports"),
        help="where trend.html goes (default reports/)",
    )
    parser.add_argument(
        "--history",
        default=None,
        help="the history file (default PLANNING_HISTORY, else REPORTS_DIR/history.sqlite)",
    )
    parser.add_argument(
        "--deployed-at",
        default=None,
        help="when the release went live, ISO 8601 (default "
        "PLANNING_DEPLOYED_AT, else read from the target)",
    )
    parser.add_argument("--schema-profile", default=None)
    parser.add_argument("--api-profile", default=None)
    return parser


def main(argv: Sequence[str]) -> int:
    try:
        args = _parser().parse_args(list(argv))
    except _Unusable as problem:
        return _refuse(str(problem))
    if args.every <= 0 or args.duration <= 0 or args.plans < 0:
        return _refuse("--every and --for must be positive and --plans not negative")
    try:
        config = read_config(
            OptionValues(
                {
                    "deployed_at": args.deployed_at,
                    "history": args.history,
                    "schema_profile": args.schema_profile,
                    "api_profile": args.api_profile,
                }
            )
        )
    except ConfigurationProblem as problem:
        return _refuse(str(problem))
    if config.embedded:
        return _refuse(
            "watch needs a staging: set PLANNING_API_URL, PLANNING_DATABASE_URL and "
            "STAGING_TOKEN (or PLANNING_API_TOKEN), as for a readiness run"
        )
    reports = Path(args.reports_dir)
    if reports.exists() and not reports.is_dir():
        return _refuse(f"--reports-dir {reports} is a file: name a folder")
    return Watch(config, args, reports).run()


def _refuse(problem: str) -> int:
    print(f"stream5-readiness watch: {problem}", file=sys.stderr)
    return 4


class Watch:
    def __init__(self, config: SuiteConfig, args: argparse.Namespace, reports: Path) -> None:
        self.config, self.args = config, args
        self.page = reports / TREND_PAGE
        self.history = History(config.history or reports / FILE_NAME)
        self.target: Target = connect_staging(config)
        self.key = key_of(
            {
                "mode": "staging",
                "api_url": config.api_url,
                "database": describe_target(self.target.dsn),
            }
        )
        self.started = datetime.now(UTC)
        self.results: list[RoundResult] = []

    def run(self) -> int:
        deploy = self._deploy_time()
        print(
            f"watching {self.config.describe()}, every {self.args.every:g} s for "
            f"{self.args.duration:g} s; deployed at {deploy.shown()} ({deploy.source})"
        )
        try:
            return self._rounds(deploy)
        except HistoryFileError as error:
            return _refuse(str(error))
        except KeyboardInterrupt:
            self._write_page("interrupted")
            print(f"watch interrupted after {len(self.results)} round(s); trend: {self.page}")
            return 1 if self._alerted() else 2

    def _rounds(self, deploy: DeployTime) -> int:
        begun = time.monotonic()
        number = 0
        while True:
            number += 1
            previous = next((r.measured for r in reversed(self.results) if not r.problem), None)
            result = run_round(
                number,
                self.target,
                self.config,
                deploy,
                previous,
                self.args.plans,
                self._round_budget(),
            )
            self.results.append(result)
            self._keep(result, deploy)
            print(result.line(), flush=True)
            if result.verdict == ALERT and not self.args.keep_going:
                print(f"watch: an alert fired in round {number}; trend: {self.page}")
                return 1
            next_start = number * self.args.every
            if next_start >= self.args.duration:
                return self._summary()
            time.sleep(max(0.0, next_start - (time.monotonic() - begun)))

    def _round_budget(self) -> float:
        """A round may take the interval, within the job deadline and at least 30 s."""
        return max(30.0, min(float(self.args.every), self.config.job_deadline_s + 30.0))

    def _keep(self, result: RoundResult, deploy: DeployTime) -> None:
        measured: dict[str, Any] = {
            **result.measured,
            "round": result.number,
            "watch": self.started.isoformat(timespec="seconds"),
            "alerts": [alert.line() for alert in result.alerts],
            "problem": result.problem,
        }
        self.history.append(
            Entry(
                kind=ROUND,
                target=self.key,
                started=result.started.isoformat(timespec="seconds"),
                verdict=result.verdict,
                deployed_at=deploy.shown(),
                identity={"target_url": self.config.api_url, "deployed_at_source": deploy.source},
                criteria={alert.name: "fired" for alert in result.alerts},
                measured=measured,
            )
        )
        self._write_page()

    def _write_page(self, note: str = "") -> None:
        entries = self.history.entries(self.key, last=TREND_ENTRIES)
        self.page.parent.mkdir(parents=True, exist_ok=True)
        staged = self.page.with_suffix(".html.part")
        staged.write_text(render(entries, self.key, note), encoding="utf-8")
        staged.replace(self.page)

    def _alerted(self) -> bool:
        return any(result.verdict == ALERT for result in self.results)

    def _summary(self) -> int:
        alerted = [r for r in self.results if r.verdict == ALERT]
        silent = [r for r in self.results if r.problem]
        print(
            f"watch: {len(self.results)} round(s), {len(alerted)} with an alert, "
            f"{len(silent)} without an answer; trend: {self.page}"
        )
        for result in alerted:
            print(f"  {result.line()}")
        return 1 if alerted else 0

    def _deploy_time(self) -> DeployTime:
        samples = None
        if self.config.deployed_at is None:
            budget = RunBudget(self.config.http_timeout_s * 2)
            budget.start()
            try:
                with PlanningApi(
                    self.target.api_url,
                    self.config.http_timeout_s,
                    budget,
                    probe_token=self.target.token,
                    profile=self.target.api_profile,
                    down_after_s=self.config.api_down_s,
                ) as api:
                    samples = api.metrics(None)
            except (httpx.HTTPError, ReadinessFailure):
                samples = None
        try:
            return resolve(self.config.deployed_at, samples, self.target.log, self.started)
        except ReadinessFailure:  # the log cannot be read now: the rounds will say so
            return resolve(self.config.deployed_at, samples, None, self.started)
