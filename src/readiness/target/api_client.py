"""The planning API as the runbook's curl commands use it, with timeouts, deadlines and evidence.

Bearer tokens go in the request headers only; evidence keeps bodies, never headers.
"""

import time
from collections.abc import Callable
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from readiness.budget import UNLIMITED, RunBudget
from readiness.checks import FIXES, ReadinessFailure, fail
from readiness.evidence import Evidence

FINAL_STATUSES = ("completed", "failed")


class JobNotFinished(ReadinessFailure):
    """A test plan's job was still queued or processing at its deadline (or at the end of the
    run's budget). Callers that can look at the queue explain it (readiness.runbook.plans)."""

    def __init__(self, job_id: str, status: str, waited_s: float, budget_spent: bool) -> None:
        self.job_id, self.status, self.waited_s = job_id, status, waited_s
        self.budget_spent = budget_spent
        limit = "the run budget was exhausted" if budget_spent else "its deadline passed"
        self.problem = f"job {job_id} is still {status} after {waited_s:.0f} s ({limit})"
        super().__init__(f"{self.problem}: {FIXES['jobs']}", "jobs")


class JobBatch:
    """Jobs requested together: polled in the same rounds, whichever of them is awaited."""

    def __init__(self) -> None:
        self.outstanding: set[str] = set()
        self.finished: dict[str, dict[str, Any]] = {}

    def poll_others(self, api: "PlanningApi", token: str, awaited: str) -> None:
        for job_id in sorted(self.outstanding - {awaited}):
            job, status = api.poll(job_id, token)
            if status in FINAL_STATUSES:
                self.outstanding.discard(job_id)
                self.finished[job_id] = dict(job)


class PlanningApi:
    def __init__(self, base_url: str, timeout_s: float, budget: RunBudget = UNLIMITED) -> None:
        self.base_url = base_url
        self.timeout_s = timeout_s
        self.budget = budget
        self._client = httpx.Client(base_url=base_url, timeout=timeout_s)
        self._timeouts_in_a_row = 0
        self._down: str | None = None
        self._metrics_silent = False

    def request(
        self,
        method: str,
        path: str,
        evidence: Evidence | None,
        token: str | None = None,
        body: Any = None,
        record: bool = True,
    ) -> httpx.Response:
        # An API that refused, could not be resolved or timed out twice in a row is not asked again
        # in this run: every later step fails at once with the same reason instead of waiting.
        if self._down:
            fail(self._down, "api")
        self.budget.check(f"{method} {path} on the planning API")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        started = time.perf_counter()
        problem: str | None = None
        timeout = self.budget.cap(self.timeout_s)
        try:
            response = self._client.request(
                method, path, json=body, headers=headers, timeout=timeout
            )
            self._timeouts_in_a_row = 0
        except httpx.TimeoutException:
            self._timeouts_in_a_row += 1
            self.budget.check(f"{method} {path} on the planning API")
            problem = f"the planning API at {self.base_url} did not answer within {timeout:g} s"
            if self._timeouts_in_a_row >= 2:
                self._down = problem
        except httpx.TransportError as error:
            problem = f"cannot reach the planning API at {self.base_url} ({type(error).__name__}: {error})"
            self._down = problem
        if problem:
            fail(problem, "api")
        if evidence is not None and record:
            evidence.http(
                method,
                f"{self.base_url}{path}",
                response.status_code,
                body,
                _body(response),
                (time.perf_counter() - started) * 1000,
            )
        return response

    def generate(
        self, body: dict[str, Any], token: str, evidence: Evidence | None
    ) -> httpx.Response:
        return self.request("POST", "/api/plans/generate", evidence, token, body)

    def job(
        self, job_id: str, token: str | None, evidence: Evidence | None, record: bool = True
    ) -> httpx.Response:
        return self.request("GET", f"/api/plans/jobs/{job_id}", evidence, token, record=record)

    def wait_for_job(
        self,
        job_id: str,
        token: str,
        deadline_s: float,
        evidence: Evidence | None,
        on_wait: Callable[[str, float], None] | None = None,
        batch: "JobBatch | None" = None,
    ) -> dict[str, Any]:
        """Poll until the job is completed or failed; a deadline (within the run's budget), never
        a fixed sleep. A job still unfinished at the deadline raises `JobNotFinished`. With a
        `batch`, every job of it is polled in the same rounds, so the plans requested together
        are awaited together."""
        started = time.monotonic()
        deadline_s = min(deadline_s, max(0.0, self.budget.remaining()))
        interval = 0.02
        while True:
            if batch is not None and job_id in batch.finished:
                job = batch.finished.pop(job_id)
                status, elapsed = job["status"], time.monotonic() - started
                self._record_job(evidence, job_id, job, elapsed)
                return job
            job, status = self.poll(job_id, token)
            if batch is not None:
                batch.poll_others(self, token, job_id)
            elapsed = time.monotonic() - started
            if status in FINAL_STATUSES:
                if batch is not None:
                    batch.outstanding.discard(job_id)
                self._record_job(evidence, job_id, job, elapsed)
                return dict(job)
            if elapsed > deadline_s:
                raise JobNotFinished(job_id, str(status), elapsed, self.budget.exhausted)
            if on_wait is not None:
                on_wait(f"waiting for job {job_id} ({status})", elapsed)
            time.sleep(interval)  # the condition is polled; the interval only paces the polling
            interval = min(interval * 2, 0.25)

    def poll(self, job_id: str, token: str) -> tuple[Any, Any]:
        """The job as the API answers it now, and its status; a refusal fails the step."""
        response = self.job(job_id, token, None, record=False)
        job = _body(response)
        if response.status_code != 200:
            fail(
                f"GET job {job_id} answered {response.status_code}: {job}",
                "token" if response.status_code in (401, 403) else "jobs",
            )
        return job, job.get("status") if isinstance(job, dict) else None

    def _record_job(
        self, evidence: Evidence | None, job_id: str, job: Any, elapsed_s: float
    ) -> None:
        if evidence is not None:
            url = f"{self.base_url}/api/plans/jobs/{job_id}"
            evidence.http("GET", url, 200, None, job, elapsed_s * 1000)

    def metrics(self, evidence: Evidence | None) -> dict[str, float] | None:
        """Prometheus samples by `name{labels}`, or None when the target exposes no /metrics."""
        if self._down or self._metrics_silent:
            return None
        try:
            response = self._client.get("/metrics", timeout=self.budget.cap(self.timeout_s))
        except httpx.TimeoutException:
            self._metrics_silent = True  # asked once per run: a hung endpoint is not asked again
            return None
        except httpx.HTTPError:
            return None
        if response.status_code != 200:
            return None
        samples: dict[str, float] = {}
        try:
            for family in text_string_to_metric_families(response.text):
                for sample in family.samples:
                    labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
                    samples[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
        except ValueError:  # e.g. a login page or a proxy's HTML: not Prometheus text
            return None
        if evidence is not None:
            evidence.note(f"GET {self.base_url}/metrics", samples=len(samples))
        return samples

    def health(self) -> dict[str, Any] | None:
        if self._down:
            return None
        try:
            response = self._client.get("/health", timeout=self.budget.cap(self.timeout_s))
        except httpx.HTTPError:
            return None
        body = _body(response)
        return body if isinstance(body, dict) else None

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "PlanningApi":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text[:2000]
