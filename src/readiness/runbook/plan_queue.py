"""The plan queue as the deployment shows it: a stuck queue is found once per run, not per plan.

When a test plan misses its deadline, the queue is described from `plan_jobs` (how many jobs
wait, the oldest one's age, jobs `processing` past their lease) and that finding is kept: every
later test plan of the run fails at once with it, instead of each waiting out its own deadline.
The finding names what holds the queue where the deployment shows it: a lock another session
holds, jobs stranded in the engine's in-memory queue (`GET /queue/status`), or a plan-cache hit
that wrote the job's plan and left the job queued.
"""

from readiness.checks import ReadinessFailure
from readiness.fixes import Fix
from readiness.target.api_client import PlanningApi
from readiness.target.db_probe import DatabaseProbe


class PlanQueue:
    def __init__(
        self, database: DatabaseProbe, api: PlanningApi | None = None, token: str | None = None
    ) -> None:
        self.database, self.api, self.token = database, api, token
        self.finding: str | None = None
        self.cause = Fix.JOBS

    def stuck(self, problem: str, job_id: str = "", status: str = "") -> tuple[str, Fix]:
        """Keep `problem` (a plan that missed its deadline) with the queue's state as the run's
        finding about the queue; return it with its cause."""
        holders = self.database.lock_holders()
        why, self.cause = "", Fix.JOBS
        if holders:
            why, self.cause = f"; workers are blocked by a lock: {holders}", Fix.LOCK
        elif stranded := self._stranded():
            why, self.cause = f"; {stranded}", Fix.QUEUE_STRANDED
        elif job_id and (copy := self._cache_copy(job_id)):
            why, self.cause = f"; {copy}", Fix.PLAN_CACHE
        self.finding = f"{problem}{why}; {self.describe()}"
        return self.finding, self.cause

    def _stranded(self) -> str | None:
        if self.api is None or self.token is None or not self.api.routes.drifts:
            return None
        queue = self.api.queue_status(self.token)
        if not queue or not isinstance(queue.get("queueLength"), int) or queue["queueLength"] <= 0:
            return None
        return (
            f"{queue['queueLength']} job(s) wait in the engine's in-memory queue with "
            f"{queue.get('processingCount')} processing (GET /queue/status): nothing drains it"
        )

    def _cache_copy(self, job_id: str) -> str | None:
        try:
            plan_id = self.database.run("plan_cache_copy", None, (job_id,)).scalar()
        except ReadinessFailure:
            return None
        if plan_id is None:
            return None
        return (
            f"a plan-cache hit: plan {plan_id} was written for its user, with an earlier plan's "
            "scoring, and the job left queued"
        )

    def moved_within(self, seconds: float) -> bool:
        """Whether the queue served any job, anyone's, in the last `seconds` (busy, not stuck).
        A database that cannot say is taken as not moving: the stall stands."""
        try:
            moved = self.database.run("queue_moved", None, {"seconds": seconds}).scalar()
        except ReadinessFailure:
            return False
        return bool(moved)

    def describe(self) -> str:
        try:
            row = self.database.run("queue_state").as_dicts()[0]
        except ReadinessFailure as unreadable:
            return f"the queue could not be read from the database ({unreadable})"
        parts = [f"{row['queued']} {self.database.profile.queued_status}"]
        if row["oldest_queued_s"] is not None:
            parts[0] += f" (the oldest for {row['oldest_queued_s']:.0f} s)"
        processing = f"{row['processing']} processing"
        if row["past_lease"]:
            processing += f", {row['past_lease']} of them past their lease"
        if row["oldest_processing_s"] is not None:
            processing += f" (the oldest untouched for {row['oldest_processing_s']:.0f} s)"
        return "the queue in plan_jobs: " + ", ".join([*parts, processing])
