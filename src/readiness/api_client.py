"""The planning API as the runbook's curl commands use it, with timeouts, deadlines and evidence.

Bearer tokens go in the request headers only; evidence keeps bodies, never headers.
"""

import time
from collections.abc import Callable
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from readiness.checks import fail
from readiness.evidence import Evidence

FINAL_STATUSES = ("completed", "failed")


class PlanningApi:
    def __init__(self, base_url: str, timeout_s: float) -> None:
        self.base_url = base_url
        self._client = httpx.Client(base_url=base_url, timeout=timeout_s)
        self._timeouts_in_a_row = 0
        self._down: str | None = None

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
            fail(self._down, "check PLANNING_API_URL and that the service is running")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        started = time.perf_counter()
        problem: str | None = None
        try:
            response = self._client.request(method, path, json=body, headers=headers)
            self._timeouts_in_a_row = 0
        except httpx.TimeoutException:
            self._timeouts_in_a_row += 1
            problem = f"the planning API at {self.base_url} did not answer within {self._client.timeout.read} s"
            if self._timeouts_in_a_row >= 2:
                self._down = problem
        except httpx.TransportError as error:
            problem = f"cannot reach the planning API at {self.base_url} ({type(error).__name__}: {error})"
            self._down = problem
        if problem:
            fail(problem, "check PLANNING_API_URL and that the service is running")
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
    ) -> dict[str, Any]:
        """Poll until the job is completed or failed; a deadline, never a fixed sleep."""
        started = time.monotonic()
        interval = 0.02
        while True:
            response = self.job(job_id, token, None, record=False)
            job = _body(response)
            status = job.get("status") if isinstance(job, dict) else None
            if response.status_code != 200:
                fail(
                    f"GET job {job_id} answered {response.status_code}: {job}",
                    "token" if response.status_code in (401, 403) else "jobs",
                )
            elapsed = time.monotonic() - started
            if status in FINAL_STATUSES:
                if evidence is not None:
                    evidence.http(
                        "GET",
                        f"{self.base_url}/api/plans/jobs/{job_id}",
                        200,
                        None,
                        job,
                        elapsed * 1000,
                    )
                return dict(job)
            if elapsed > deadline_s:
                fail(f"job {job_id} is still {status} after {deadline_s:g} s", "jobs")
            if on_wait is not None:
                on_wait(f"waiting for job {job_id} ({status})", elapsed)
            time.sleep(interval)  # the condition is polled; the interval only paces the polling
            interval = min(interval * 2, 0.25)

    def metrics(self, evidence: Evidence | None) -> dict[str, float] | None:
        """Prometheus samples by `name{labels}`, or None when the target exposes no /metrics."""
        if self._down:
            return None
        try:
            response = self._client.get("/metrics")
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
            response = self._client.get("/health")
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
