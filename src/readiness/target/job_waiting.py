"""Waiting for plan jobs: the jobs requested together and polled together, the stall that says
a queue is stuck before the deadline, and the failure of a job still unfinished."""

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from readiness.checks import ReadinessFailure
from readiness.fixes import Fix

if TYPE_CHECKING:
    from readiness.target.api_client import PlanningApi

FINAL_STATUSES = ("completed", "failed")
NOT_PICKED_UP = "not_found"  # a job whose request no consumer has picked up yet (404)
WAITING_STATUSES = frozenset({"queued", "pending", NOT_PICKED_UP})


class JobNotFinished(ReadinessFailure):
    """A test plan's job was still queued or processing at its deadline (or at the end of the
    run's budget). Callers that can look at the queue explain it (readiness.runbook.plans)."""

    def __init__(
        self,
        job_id: str,
        status: str,
        waited_s: float,
        budget_spent: bool,
        stalled: tuple[int, float] | None = None,
    ) -> None:
        self.job_id, self.status, self.waited_s = job_id, status, waited_s
        self.budget_spent = budget_spent
        limit = "the run budget was exhausted" if budget_spent else "its deadline passed"
        if stalled is not None:
            count, stuck_s = stalled
            limit = f"none of the run's {count} waiting job(s) has moved for {stuck_s:.0f} s"
        if status == NOT_PICKED_UP:
            self.problem = (
                f"job {job_id} was accepted (202) but the API still answers 404 not_found after "
                f"{waited_s:.0f} s ({limit}): nothing picked its request up"
            )
        else:
            self.problem = f"job {job_id} is still {status} after {waited_s:.0f} s ({limit})"
        super().__init__(f"{self.problem}: {Fix.JOBS.remedy}", Fix.JOBS)


T = TypeVar("T")
CONCURRENT_REQUESTS = 8  # at most this many requests of the suite in flight at once


def at_once(call: Callable[[Any], T], items: Sequence[Any]) -> list[T]:
    """`call` on each item, concurrently (the API client is shared: httpx's is thread-safe),
    results in the items' order; the first failure is raised once all have ended."""
    if len(items) <= 1:
        return [call(item) for item in items]
    with ThreadPoolExecutor(min(CONCURRENT_REQUESTS, len(items))) as pool:
        return list(pool.map(call, items))


class JobBatch:
    """Jobs requested together: polled in the same rounds, whichever of them is awaited."""

    def __init__(self) -> None:
        self.outstanding: set[str] = set()
        self.finished: dict[str, dict[str, Any]] = {}
        self.states: dict[str, tuple[Any, Any]] = {}  # job -> (status, progress) last seen

    def poll_others(self, api: "PlanningApi", token: str, awaited: str) -> None:
        others = sorted(self.outstanding - {awaited})
        for job_id, (job, status) in zip(
            others, at_once(lambda job_id: api.poll(job_id, token), others), strict=True
        ):
            self.states[job_id] = (status, job.get("progress") if isinstance(job, dict) else None)
            if status in FINAL_STATUSES:
                self.outstanding.discard(job_id)
                self.finished[job_id] = dict(job)


class Stall:
    """Whether the run's jobs are stuck waiting: none of them has moved (status or progress)
    for `limit_s` while every unfinished one still waits to be picked up. A job processing is
    not stalled (generation may take long); it is bounded by the job deadline, unless something
    says it is blocked (`blocked_for`)."""

    def __init__(self, limit_s: float) -> None:
        self.limit_s = limit_s
        self.seen: dict[str, tuple[Any, Any]] = {}
        self.moved_at = time.monotonic()
        self.asked_at = 0.0  # when `blocked` was last asked

    def stuck_for(self, states: dict[str, tuple[Any, Any]]) -> float | None:
        """Seconds the jobs have been stuck, once that is beyond the limit; else None."""
        if states != self.seen:
            self.seen, self.moved_at = dict(states), time.monotonic()
            return None
        waiting = all(status in WAITING_STATUSES for status, _ in states.values())
        stuck = time.monotonic() - self.moved_at
        return stuck if waiting and stuck > self.limit_s else None

    def blocked_for(self, blocked: Callable[[], str]) -> float | None:
        """Seconds the jobs, whatever their status, have not moved, once beyond the limit and
        `blocked()` names what blocks them (a lock on their tables); asked once a limit's time."""
        unmoved = time.monotonic() - self.moved_at
        if unmoved <= self.limit_s or time.monotonic() - self.asked_at < self.limit_s:
            return None
        self.asked_at = time.monotonic()
        return unmoved if blocked() else None
