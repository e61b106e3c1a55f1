"""Requesting test plans and waiting for them: the runbook's curl-and-poll, as one service."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from readiness.checks import expect, fail
from readiness.config import SuiteConfig
from readiness.evidence import Evidence
from readiness.expectations import RUNBOOK_PLAN_REQUEST
from readiness.fixes import Fix
from readiness.runbook.plan_queue import PlanQueue
from readiness.target.api_client import PlanningApi
from readiness.target.deployment import Target
from readiness.target.job_waiting import JobBatch, JobNotFinished, at_once

Progress = Callable[[str, float], None]
Job = dict[str, Any]  # a plan job as the API answers it


def scoring_of(job: Job) -> dict[str, Any]:
    """The scoring of a test plan's job, or the runbook's failure when it has none."""
    scoring = (job.get("resultData") or {}).get("scoring")
    if not isinstance(scoring, dict):
        fail(f"job {job['jobId']} completed without resultData.scoring", Fix.FLAG)
    return scoring


@dataclass
class PlanRequests:
    api: PlanningApi
    target: Target
    config: SuiteConfig
    evidence: Evidence
    progress: Progress
    queue: PlanQueue
    batch: "PlanBatch" = field(default_factory=lambda: PlanBatch([]))

    def request(self, profile: dict[str, Any] | None = None) -> str:
        sent = self.batch.sent(self.api, self.target, profile) if profile else None
        if sent is not None:  # requested with the run's other profiles, at the first request
            response, evidence = sent
            self.evidence.items.extend(evidence.items)
        else:
            body = {"userId": self.target.plan_user, **(profile or RUNBOOK_PLAN_REQUEST)}
            response = self.api.generate(body, self.target.token, self.evidence)
            if response.status_code == 202:
                self.batch.requested_at[str(response.json()["jobId"])] = time.monotonic()
        if response.status_code >= 500 and (refusal := self.queue.database.refuses_writes()):
            fail(f"{refusal}, and the API answers {response.status_code}", Fix.READ_ONLY)
        expect(
            response.status_code == 202,
            found=f"{response.status_code} {response.text[:300]}",
            expected="202 with a jobId",
            fix=_refusal_cause(response.status_code),
        )
        return str(response.json()["jobId"])

    def completed(self, job_id: str) -> dict[str, Any]:
        """The job, once completed with a result. A plan queue found stuck earlier in the run
        fails this plan at once with that finding, rather than waiting out another deadline."""
        if self.queue.finding is not None:
            fail(
                f"{self.queue.finding} (found earlier in this run; job {job_id} not awaited)",
                self.queue.cause,
            )
        try:
            job = self.api.wait_for_job(
                job_id,
                self.target.token,
                self.config.job_deadline_s,
                self.evidence,
                self.progress,
                self.batch.jobs,
                self.config.queue_stall_s,
                self.queue.moved_within,
                self.queue.database.lock_holders,
            )
        except JobNotFinished as late:
            fail(*self.queue.stuck(late.problem, late.job_id, late.status))
        if job["status"] != "completed":
            if self.queue.database.run("count_movements").scalar() == 0:
                fail(f"{self._failure(job)}; movement_library has 0 rows", Fix.SEED)
            fail(self._failure(job), Fix.JOB_ERRORS)
        if job.get("resultData") is None and self.api.routes.drifts:
            job = {**job, "resultData": {}}  # that service stores nothing when it has no score
        expect(
            isinstance(job.get("resultData"), dict),
            found=f"job {job_id} completed with resultData {job.get('resultData')}",
            expected="a resultData object",
            fix=Fix.JOBS,
        )
        seconds = _seconds(job)
        if seconds is None and job_id in self.batch.requested_at:
            seconds = time.monotonic() - self.batch.requested_at[job_id]  # as observed
        self.evidence.plan(job_id, (job["resultData"].get("scoring") or {}).get("total"), seconds)
        return job

    def _failure(self, job: Job) -> str:
        """What a job that did not complete says about it, and, where it says nothing, what
        the engine log says about it."""
        job_id, status, error = job["jobId"], job["status"], job.get("errorData")
        if error:
            return f"job {job_id} {status} with errorData {error}"
        said = f"job {job_id} {status} and gives no reason (errorData {error!r})"
        if self.target.log is None:
            return said + "; the engine log is not readable from here"
        lines = [e for e in self.target.log.about_job(job_id) if e.get("level") == "error"]
        self.evidence.note(f"engine log lines about job {job_id}", lines=lines[-5:])
        if lines:
            return f"{said}; the engine log says: {lines[-1].get('message')}"
        return said + "; the engine log says nothing about it either"

    def generate(self, profile: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.completed(self.request(profile))

    def await_batch(self) -> list[str]:
        """The run's athlete-profile test plans, requested now if they were not yet, once each
        has finished: what the score oracle recomputes besides the test plan. Each job stays
        with the batch for its own scenario, which judges it; a stuck queue ends the wait (its
        finding is kept for those scenarios) with the plans that did finish."""
        self.batch.send_all(self.api, self.target)
        jobs = self.batch.jobs
        for job_id in sorted(jobs.outstanding):
            if self.queue.finding is not None or job_id in jobs.finished:
                continue
            try:
                jobs.finished[job_id] = self.api.wait_for_job(
                    job_id,
                    self.target.token,
                    self.config.job_deadline_s,
                    None,
                    self.progress,
                    jobs,
                    self.config.queue_stall_s,
                    self.queue.moved_within,
                    self.queue.database.lock_holders,
                )
            except JobNotFinished as late:
                self.queue.stuck(late.problem, late.job_id, late.status)
        return sorted(jobs.finished)


def _refusal_cause(status: int) -> Fix:
    """A token refused, a service failing requests (500: not a queue problem), or jobs."""
    if status in (401, 403):
        return Fix.TOKEN
    return Fix.API_ERROR if status >= 500 else Fix.JOBS


def _seconds(job: dict[str, Any]) -> float | None:
    """Creation to completion, from the job's own timestamps: `completedAt`, or `updatedAt`
    where a deployment never sets it."""
    finished = str(job.get("completedAt") or job.get("updatedAt"))
    try:
        return (
            datetime.fromisoformat(finished) - datetime.fromisoformat(job["createdAt"])
        ).total_seconds()
    except (KeyError, TypeError, ValueError):
        return None


@dataclass
class PlanBatch:
    """The athlete profiles this process will request test plans for (the post-deployment
    outline's rows it selected), requested together at the first request and then awaited
    together: a slow or stuck queue shows at once for all of them, not plan after plan."""

    profiles: list[dict[str, Any]]
    jobs: JobBatch = field(default_factory=JobBatch)
    requested_at: dict[str, float] = field(default_factory=dict)  # job id -> monotonic time
    _sent: dict[str, tuple[httpx.Response, Evidence]] | None = None

    def sent(
        self, api: PlanningApi, target: Target, profile: dict[str, Any]
    ) -> tuple[httpx.Response, Evidence] | None:
        """This profile's request and its evidence, if the batch sent it; the first call sends
        every profile of the batch."""
        self.send_all(api, target)
        assert self._sent is not None
        return self._sent.pop(_key(profile), None)

    def send_all(self, api: PlanningApi, target: Target) -> None:
        """Request every profile's plan, once per run."""
        if self._sent is None:
            self._sent = {}

            def send(profile: dict[str, Any]) -> tuple[httpx.Response, Evidence]:
                evidence = Evidence()
                body = {"userId": target.plan_user, **profile}
                return api.generate(body, target.token, evidence), evidence

            # Together, not one after another: a staging far away costs one round trip for
            # the batch instead of one per profile.
            for each, (response, evidence) in zip(
                self.profiles, at_once(send, self.profiles), strict=True
            ):
                self._sent[_key(each)] = (response, evidence)
                if response.status_code == 202:
                    job_id = str(response.json()["jobId"])
                    self.jobs.outstanding.add(job_id)
                    self.requested_at[job_id] = time.monotonic()


def _key(profile: dict[str, Any]) -> str:
    return repr(sorted(profile.items()))
