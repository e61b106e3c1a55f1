"""`stream5-readiness alert-rules`: the runbook's suggested staging alerts as Prometheus rules.

The suite checks a deployment once, at sign-off; the runbook's "### Alerts" are what keeps
checking it afterwards. Written by hand they drift from what the deployment really exposes:
the runbook names metrics that the engine it was written for (`athlete-ally`) never exports, so
rules copied from it would load cleanly and never fire. Here each API profile gets only the
rules its metrics can answer, and an alert it cannot have says so in the file (a comment that
names what checks it instead), rather than a rule on a metric that does not exist.

The YAML is written by hand: PyYAML is only a development dependency, and it cannot write the
comments that explain a missing alert. Every string is quoted with json.dumps, which is valid
YAML (a double-quoted scalar).
"""

import argparse
import json
import os
import sys
from dataclasses import dataclass
from typing import NoReturn

from readiness.api_profiles import (
    API_PROFILES,
    ATHLETE_ALLY,
    RUNBOOK,
    VARIABLE,
    UnknownApiProfile,
    check_profile_name,
)

GROUP = "stream5-readiness"
# How far back an error alert looks: an error keeps its alert firing this long, then it resolves.
ERROR_WINDOW = "15m"
RUNBOOK_SECTION = "STAGING_DEPLOYMENT_READINESS.md, Monitoring & Observability, Alerts"
MOVEMENT_LINE = "1. **Movement count drops below 8** → Possible data loss"
SCORING_LINE = "2. **Scoring calculation errors > 0** → Scoring logic failure"
GENERATION_LINE = "3. **Plan generation errors increase** → Possible scoring regression"


@dataclass(frozen=True)
class AlertRule:
    """One alerting rule, with the runbook line it stands for and why its expression is so."""

    alert: str
    expr: str
    for_: str  # Prometheus duration: how long `expr` must hold before the alert fires
    severity: str
    summary: str
    description: str  # what it means and what to do; may use Prometheus templates ({{ $value }})
    runbook: str  # the runbook line, quoted
    why: str = ""  # why this expression, a YAML comment above the rule

    def annotations(self) -> dict[str, str]:
        return {
            "summary": self.summary,
            "description": self.description,
            "runbook": f"{RUNBOOK_SECTION}: {self.runbook}",
        }


@dataclass(frozen=True)
class NotExposed:
    """A runbook alert a deployment has no metric for: a comment in its rules file."""

    runbook: str
    explanation: str


def _movement_count() -> AlertRule:
    return AlertRule(
        alert="Stream5MovementCountBelow8",
        expr='max without (instance) (planning_movement_library_movements{status="published"}) < 8',
        for_="5m",
        severity="critical",
        summary="Fewer than 8 published movements in the movement library",
        description=(
            "The library holds {{ $value }} published movements; the seed publishes 8. "
            "Possible data loss: check movement_library and the last movement import's "
            "Errors line and exit code before generating more plans."
        ),
        runbook=MOVEMENT_LINE,
        why=(
            "A gauge read from the database at scrape time: every engine process reports the\n"
            "same count, so `max without (instance)` raises one alert, not one per process.\n"
            "`for: 5m` lets a re-import that empties the library for a moment finish first."
        ),
    )


def _scoring_errors() -> AlertRule:
    return AlertRule(
        alert="Stream5ScoringCalculationErrors",
        expr=f"sum without (instance) (increase(planning_scoring_errors_total[{ERROR_WINDOW}])) > 0",
        for_="0m",
        severity="critical",
        summary="Plan scoring raised errors",
        description=(
            f"Plans scored with an error in the last {ERROR_WINDOW}: they were saved without "
            'scoring. Scoring logic failure: read the engine log\'s "Scoring calculation error" '
            'lines (job id and exception), and follow "Rollback: Scoring Feature" if they go on.'
        ),
        runbook=SCORING_LINE,
        why=(
            "A counter per process, reset when it restarts: the runbook's `> 0` on the counter\n"
            "itself would fire until a restart and then resolve silently. increase() counts\n"
            f"the errors of the last {ERROR_WINDOW} across restarts, summed over processes."
        ),
    )


def _failed_jobs() -> AlertRule:
    return AlertRule(
        alert="Stream5PlanGenerationErrorsIncrease",
        expr=f'max without (instance) (delta(planning_jobs{{status="failed"}}[{ERROR_WINDOW}])) > 0',
        for_="0m",
        severity="warning",
        summary="More plan jobs failed",
        description=(
            f"The number of failed plan jobs rose in the last {ERROR_WINDOW}. Possible scoring "
            "regression: read the failed jobs' errors (GET /api/plans/jobs/{jobId}, or "
            'error_data in plan_jobs) and the engine log\'s "Plan generation failed" lines.'
        ),
        runbook=GENERATION_LINE,
        why=(
            'planning_jobs{status="failed"} is a gauge counted in the database, so it sees\n'
            "the jobs every process failed and survives restarts. A gauge takes delta(), not\n"
            "increase(): it goes down when failed jobs are deleted, which increase() would\n"
            "read as a counter reset and report as a rise. (planning_job_failures_total\n"
            "is a counter, would take increase(), but counts only the scraped processes' jobs.)"
        ),
    )


def _generation_errors() -> AlertRule:
    return AlertRule(
        alert="Stream5PlanGenerationErrorsIncrease",
        expr=(
            "sum without (instance) (increase(planning_engine_concurrency_operations_completed_total"
            f'{{operation="plan_generation",status="error"}}[{ERROR_WINDOW}])) > 0'
        ),
        for_="0m",
        severity="warning",
        summary="Plan generation attempts failed",
        description=(
            f"Plan generation attempts failed in the last {ERROR_WINDOW} "
            "(a job that fails adds 4: its attempt and 3 retries). Possible scoring regression: "
            'read the engine\'s stderr for "Plan generation failed after max retries" lines '
            "and the failed jobs' errors."
        ),
        runbook=GENERATION_LINE,
        why=(
            "The deployment's only measure of generation errors: a counter that counts each\n"
            "failed generation attempt, per process, so increase() summed over processes."
        ),
    )


def rules(api_profile: str) -> tuple[list[AlertRule], list[NotExposed]]:
    """The rules a deployment of this API profile can have, and the runbook alerts it cannot."""
    check_profile_name(api_profile)
    if api_profile == RUNBOOK:
        return [_movement_count(), _scoring_errors(), _failed_jobs()], []
    source = "DEPLOYED_API_ATHLETE_ALLY.md §8"
    return [_generation_errors()], [
        NotExposed(
            MOVEMENT_LINE,
            f"This deployment exposes no metric for the movement count ({source}).\n"
            "`stream5-readiness watch` checks it from the database instead.",
        ),
        NotExposed(
            SCORING_LINE,
            f"This deployment exposes no metric for scoring errors ({source}).\n"
            "A scorer exception fails its job silently, so it shows up as plan generation\n"
            "errors: Stream5PlanGenerationErrorsIncrease below.",
        ),
    ]


def _quote(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is a subset of it)."""
    return json.dumps(text, ensure_ascii=not text.isprintable())


def _comment(text: str, indent: str) -> list[str]:
    return [f"{indent}# {line}".rstrip() for line in text.splitlines()]


def _rule_lines(rule: AlertRule) -> list[str]:
    lines = _comment(f"Runbook: {rule.runbook}", "      ")
    if rule.why:
        lines += _comment(rule.why, "      ")
    lines += [
        f"      - alert: {rule.alert}",
        f"        expr: {_quote(rule.expr)}",
        f"        for: {rule.for_}",
        "        labels:",
        f"          severity: {_quote(rule.severity)}",
        "        annotations:",
    ]
    lines += [f"          {key}: {_quote(value)}" for key, value in rule.annotations().items()]
    return lines


def render(api_profile: str) -> str:
    """The Prometheus rules file of a deployment of this API profile."""
    alert_rules, not_exposed = rules(api_profile)
    lines = [
        f"# Stream 5 staging alerts ({RUNBOOK_SECTION}), API profile {api_profile}.",
        f"# Written by `stream5-readiness alert-rules --api-profile {api_profile}`.",
        "# Check: promtool check rules <this file>; load: Prometheus rule_files.",
        "groups:",
        f"  - name: {_quote(GROUP)}",
        "    rules:",
    ]
    blocks = [
        _comment(f"Runbook: {missing.runbook}\n{missing.explanation}", "      ")
        for missing in not_exposed
    ] + [_rule_lines(rule) for rule in alert_rules]
    for number, block in enumerate(blocks):
        lines += ([""] if number else []) + block
    return "\n".join(lines) + "\n"


HELP = f"""Prints Prometheus alerting rules for the staging runbook's suggested alerts
({RUNBOOK_SECTION}):
movement count below 8, scoring calculation errors, plan generation errors. Only the alerts
the deployment's metrics can answer become rules; the file says in a comment which it cannot
have and what checks them instead.

  stream5-readiness alert-rules > stream5-alerts.yml
  promtool check rules stream5-alerts.yml

then add stream5-alerts.yml to `rule_files:` in prometheus.yml and reload Prometheus.
Exit codes: 0 the rules printed, 4 an unknown API profile."""


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="stream5-readiness alert-rules",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--api-profile",
        metavar="{" + ",".join(API_PROFILES) + "}",
        help=f"the deployment's API: {RUNBOOK} (the reference engine's metrics) or "
        f"{ATHLETE_ALLY} (the engine the runbook was written for); default: {VARIABLE}, "
        f"else {RUNBOOK}",
    )
    return parser


def main(argv: list[str]) -> int:
    try:
        arguments = _parser().parse_args(argv)
        profile = check_profile_name(arguments.api_profile or os.environ.get(VARIABLE) or RUNBOOK)
    except (_UsageError, UnknownApiProfile) as error:
        print(f"stream5-readiness alert-rules: {error}", file=sys.stderr)
        return 4
    except SystemExit as exit_:  # -h
        return int(exit_.code or 0)
    sys.stdout.write(render(profile))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
