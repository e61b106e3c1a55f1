"""When the release under test went live: the point that splits the target's data into the
baseline (before) and the release (after).

Given with `--deployed-at` / PLANNING_DEPLOYED_AT, or read from the target: the engine's
start time on /metrics (`process_start_time_seconds`), else the first flag-evaluation line of
its log. A target that shows neither, or whose engine started during this run (restarted, or
booted by the run), is judged from this run's start: everything older is the baseline, and the
page says so (and how to give the real time).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from readiness.runbook.log_checks import FLAG_LINE
from readiness.target.engine_log import EngineLog, entry_time

START_METRIC = "process_start_time_seconds"
# The lines a deployment writes when it evaluates the scoring flag (environment or LaunchDarkly).
FLAG_LINES = (FLAG_LINE, "Feature flag source: LaunchDarkly")
GIVEN = "given (--deployed-at / PLANNING_DEPLOYED_AT)"
# The engine a run restarts (or boots) starts after the run's own first jobs: its start is no
# deploy, and the run's jobs must never count as "before the deploy".
STARTED_DURING_RUN = (
    "this run's start: the engine started during this run ({}, a restart or the embedded "
    "engine), so its start is not the deploy's (give it with --deployed-at)"
)
RUN_START = (
    "this run's start: the target shows no start time on /metrics and no flag evaluation in a "
    "readable log (give the real time with --deployed-at / PLANNING_DEPLOYED_AT)"
)


@dataclass(frozen=True)
class DeployTime:
    at: datetime
    source: str

    @property
    def epoch(self) -> float:
        return self.at.timestamp()

    def shown(self) -> str:
        return self.at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_deployed_at(raw: str, now: datetime) -> datetime:
    """An ISO 8601 time; without a zone it is UTC. ValueError says what is wrong with it."""
    try:
        at = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("is not an ISO 8601 time: expected e.g. 2026-12-03T09:30:00Z") from None
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    if at > now:
        raise ValueError(f"is in the future (now is {now.isoformat(timespec='seconds')})")
    return at


def from_metrics(samples: Mapping[str, float] | None) -> DeployTime | None:
    started = (samples or {}).get(START_METRIC)
    if not started:
        return None
    return DeployTime(datetime.fromtimestamp(started, UTC), f"/metrics {START_METRIC}")


def from_log(log: EngineLog | None) -> DeployTime | None:
    """The first flag evaluation's time; a line without its own time takes the last time
    written before it."""
    if log is None:
        return None
    last_seen: datetime | None = None
    for entry in log.entries():
        last_seen = entry_time(entry) or last_seen
        if last_seen and any(line in str(entry.get("message", "")) for line in FLAG_LINES):
            return DeployTime(last_seen, f'the engine log\'s first "{FLAG_LINE}" line')
    return None


def resolve(
    given: datetime | None,
    samples: Mapping[str, float] | None,
    log: EngineLog | None,
    run_started: datetime,
) -> DeployTime:
    if given is not None:
        return DeployTime(given, GIVEN)
    found = from_metrics(samples) or from_log(log)
    if found is None:
        return DeployTime(run_started, RUN_START)
    if found.at > run_started:  # a restart during the run, or the engine the run started
        return DeployTime(run_started, STARTED_DURING_RUN.format(found.source))
    return found
