"""The plan queue as the database shows it: a stuck queue is found once per run, not per plan.

When a test plan misses its deadline, the queue is described from `plan_jobs` (how many jobs
wait, the oldest one's age, jobs `processing` past their lease) and that finding is kept: every
later test plan of the run fails at once with it, instead of each waiting out its own deadline.
"""

from readiness.checks import ReadinessFailure
from readiness.target.db_probe import DatabaseProbe


class PlanQueue:
    def __init__(self, database: DatabaseProbe) -> None:
        self.database = database
        self.finding: str | None = None
        self.cause = "jobs"

    def stuck(self, problem: str) -> tuple[str, str]:
        """Keep `problem` (a plan that missed its deadline) with the queue's state as the run's
        finding about the queue; return it with its cause. Workers blocked by a lock another
        session holds on a table they read are the lock's fault, not the queue's."""
        holders = self.database.lock_holders()
        self.cause = "lock" if holders else "jobs"
        blocked = f"; workers are blocked by a lock: {holders}" if holders else ""
        self.finding = f"{problem}; {self.describe()}{blocked}"
        return self.finding, self.cause

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
