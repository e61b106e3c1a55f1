"""The planning API as the runbook's curl commands use it, with timeouts, deadlines and evidence.

The routes are the deployment's (readiness.api_profiles): detected at the first call that needs
them, unless the configuration names the profile. A gateway's rate limits are waited out within
the run's budget: a 429 makes the run longer, never a finding, unless the budget runs out.
Bearer tokens go in the request headers only; evidence keeps bodies, never headers.
"""

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from readiness.api_profiles import NO_ROUTE, RUNBOOK_ROUTES, ApiRoutes, Detection, detect
from readiness.budget import UNLIMITED, RunBudget
from readiness.checks import fail
from readiness.evidence import Evidence
from readiness.fixes import Fix
from readiness.target.job_waiting import (
    FINAL_STATUSES,
    NOT_PICKED_UP,
    JobBatch,
    JobNotFinished,
    Stall,
)

# How long a 429 is waited out at most in one go when it names no Retry-After.
DEFAULT_RETRY_AFTER_S = 5.0
# A connection refused or reset, or these answers from a proxy in front of it: the service is
# restarting until it has been so for PLANNING_API_DOWN_S.
RESTARTING_STATUSES = frozenset({502, 503, 504})
RECONNECT_BACKOFF_S = (0.05, 0.1, 0.2, 0.4, 0.8, 1.0)


class PlanningApi:
    def __init__(
        self,
        base_url: str,
        timeout_s: float,
        budget: RunBudget = UNLIMITED,
        probe_token: str | None = None,
        profile: str | None = None,
        on_routes: Callable[[Detection], None] | None = None,
        down_after_s: float = 15.0,
    ) -> None:
        """`probe_token` opens the routes detection asks; `profile` forces the API profile
        (None: detected); `on_routes` hears which routes were found, once."""
        self.base_url = base_url
        self.timeout_s = timeout_s
        self.budget = budget
        self._client = httpx.Client(base_url=base_url, timeout=timeout_s)
        self._timeouts_in_a_row = 0
        self._down: str | None = None
        self._metrics_silent = False
        self._probe_token, self._profile, self._on_routes = probe_token, profile, on_routes
        self._routes: ApiRoutes | None = None
        self._unserved: str | None = None  # why no known route can be used
        self._paced_until: dict[str, float] = {}  # path -> when its rate-limit window resets
        self.rate_limited_s = 0.0  # time spent waiting out rate limits in this run
        self.down_after_s = down_after_s

    @property
    def down_reason(self) -> str | None:
        """Why the API is not asked any more in this run, if it is not."""
        return self._down

    @property
    def routes(self) -> ApiRoutes:
        """The deployment's routes, detected at the first call that needs them. A target that
        serves none of the known routes fails every call that needs them with that one cause;
        a token refused on every route leaves the runbook's, where the refusal shows as such."""
        if self._routes is None:
            detection = detect(self._probe, self._profile)
            self._routes = detection.routes or RUNBOOK_ROUTES
            if detection.routes is None and detection.how == NO_ROUTE:
                answers = "; ".join(f"GET {r}: {a}" for r, a in detection.answers.items())
                self._unserved = f"the planning API at {self.base_url} serves none of the known routes ({answers})"
            if self._on_routes is not None:
                self._on_routes(detection)
        if self._unserved:
            fail(self._unserved, Fix.API_PROFILE)
        return self._routes

    def _probe(self, path: str) -> tuple[int, Any]:
        response = self.request("GET", path, None, self._probe_token)
        return response.status_code, _body(response)

    def request(
        self,
        method: str,
        path: str,
        evidence: Evidence | None,
        token: str | None = None,
        body: Any = None,
        record: bool = True,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One call; a 429 is waited out (Retry-After, within the run's budget) and repeated."""
        started = time.perf_counter()
        while True:
            self._pace(path)
            response = self._send(method, path, token, body, headers)
            if response.status_code != 429:
                break
            self._wait_out(path, response)
        self._note_window(path, response)
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

    def _send(
        self,
        method: str,
        path: str,
        token: str | None,
        body: Any,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One exchange. A refused or reset connection, or a gateway's 502-504, is a restart
        until it has lasted `down_after_s`: waited out with a backoff, within the run's budget.
        An API down longer, unresolvable, or timing out twice in a row is not asked again in
        this run: every later step fails at once with the same reason instead of waiting."""
        outage_started: float | None = None
        backoff = iter(RECONNECT_BACKOFF_S)
        while True:
            if self._down:
                fail(self._down, Fix.API)
            self.budget.check(f"{method} {path} on the planning API")
            try:
                response = self._exchange(method, path, token, body, headers)
            except httpx.TransportError as error:
                if _unresolvable(error):
                    self._down = self._unreachable(error)
                    fail(self._down, Fix.API)
                problem: str | httpx.Response = self._unreachable(error)
            else:
                if response.status_code not in RESTARTING_STATUSES:
                    return response
                problem = response
            outage_started = outage_started or time.monotonic()
            if time.monotonic() - outage_started >= self.down_after_s:
                if isinstance(problem, httpx.Response):
                    return problem  # a proxy that keeps answering 502: its answer is the finding
                self._down = f"{problem}, for {self.down_after_s:g} s"
                fail(self._down, Fix.API)
            pause = min(next(backoff, RECONNECT_BACKOFF_S[-1]), max(0.0, self.budget.remaining()))
            time.sleep(pause)  # a restarting service: nothing to poll but the service itself

    def _exchange(
        self,
        method: str,
        path: str,
        token: str | None,
        body: Any,
        extra_headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        headers = {
            **(extra_headers or {}),
            **({"Authorization": f"Bearer {token}"} if token else {}),
        }
        timeout = self.budget.cap(self.timeout_s)
        try:
            response = self._client.request(
                method, path, json=body, headers=headers, timeout=timeout
            )
        except httpx.TimeoutException:
            self._timeouts_in_a_row += 1
            self.budget.check(f"{method} {path} on the planning API")
            problem = f"the planning API at {self.base_url} did not answer within {timeout:g} s"
            if self._timeouts_in_a_row >= 2:
                self._down = problem
            fail(problem, Fix.API)
        self._timeouts_in_a_row = 0
        return response

    def _unreachable(self, error: httpx.TransportError) -> str:
        return f"cannot reach the planning API at {self.base_url} ({type(error).__name__}: {error})"

    def _wait_out(self, path: str, response: httpx.Response) -> None:
        """A 429: wait as long as Retry-After says, if the run's budget allows it."""
        try:
            wait_s = max(0.5, float(response.headers.get("Retry-After", "")))
        except ValueError:
            wait_s = DEFAULT_RETRY_AFTER_S
        if wait_s >= self.budget.remaining():
            fail(
                f"{_route(path)} is rate-limited (429, Retry-After {wait_s:g} s) and the run's "
                f"budget cannot wait that out ({self.budget.remaining():.0f} s left): "
                f"{_body(response)}",
                Fix.RATE_LIMIT,
            )
        self._sleep(wait_s)

    def _note_window(self, path: str, response: httpx.Response) -> None:
        """A gateway that says this path's window is used up (X-RateLimit-Remaining 0) is not
        asked on it again before the window resets: the suite paces itself, not only reacts."""
        if response.headers.get("X-RateLimit-Remaining") != "0":
            return
        try:
            self._paced_until[_route(path)] = float(response.headers["X-RateLimit-Reset"])
        except (KeyError, ValueError):
            return

    def _pace(self, path: str) -> None:
        """Wait for the window the gateway said is used up, if the run's budget allows; a wait
        it cannot afford fails now, rather than spending the budget on it."""
        until = self._paced_until.get(_route(path))
        if until is None or until <= time.time():
            return
        wait_s = until - time.time()
        if wait_s >= self.budget.remaining():
            fail(
                f"{_route(path)} is rate-limited (X-RateLimit-Remaining 0 until the window resets "
                f"in {wait_s:.0f} s) and the run's budget cannot wait that out "
                f"({self.budget.remaining():.0f} s left)",
                Fix.RATE_LIMIT,
            )
        self._paced_until.pop(_route(path), None)
        self._sleep(wait_s)

    def _sleep(self, seconds: float) -> None:
        time.sleep(seconds)  # a rate limit's window: nothing to poll, only to wait out
        self.rate_limited_s += seconds

    def generate(
        self,
        body: dict[str, Any],
        token: str | None,
        evidence: Evidence | None,
        idempotency_key: str | None = None,
    ) -> httpx.Response:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return self.request(
            "POST", self.routes.generate_path, evidence, token, body, headers=headers
        )

    def documents(self, name: str, token: str) -> bool | None:
        """Whether the API's OpenAPI document names `name` (a header, a field); None where the
        API serves no such document."""
        response = self.request("GET", "/openapi.json", None, token)
        if response.status_code != 200:
            return None
        try:
            document = response.json()
        except ValueError:
            return None
        return name.lower() in json.dumps(document).lower()

    def job(
        self, job_id: str, token: str | None, evidence: Evidence | None, record: bool = True
    ) -> httpx.Response:
        return self.request("GET", self.routes.status_path(job_id), evidence, token, record=record)

    def wait_for_job(
        self,
        job_id: str,
        token: str,
        deadline_s: float,
        evidence: Evidence | None,
        on_wait: Callable[[str, float], None] | None = None,
        batch: "JobBatch | None" = None,
        stall_s: float | None = None,
        queue_moved: Callable[[float], bool] | None = None,
        blocked: Callable[[], str] | None = None,
    ) -> dict[str, Any]:
        """Poll until the job is completed or failed; a deadline (within the run's budget), never
        a fixed sleep. Time spent waiting out rate limits does not count against the deadline.
        A job still unfinished at the deadline raises `JobNotFinished`, and so does one whose
        queue has stalled (`Stall`) for `stall_s`, unless `queue_moved(seconds)` says the queue
        served other jobs meanwhile (busy, not stuck), or whose jobs have not moved for `stall_s`
        while `blocked()` names what blocks them. With a `batch`, every job of it is polled in
        the same rounds, so the plans requested together are awaited together."""
        started = time.monotonic()
        deadline_s = min(deadline_s, max(0.0, self.budget.remaining()))
        limited_before = self.rate_limited_s
        stall = Stall(stall_s) if stall_s is not None else None
        interval = 0.02
        while True:
            if batch is not None and job_id in batch.finished:
                job = batch.finished.pop(job_id)
                self._record_job(evidence, job_id, job, time.monotonic() - started)
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
            waited = elapsed - (self.rate_limited_s - limited_before)
            if waited > deadline_s:
                raise JobNotFinished(job_id, str(status), waited, self.budget.exhausted)
            if stall is not None:
                states = {job_id: (status, job.get("progress") if isinstance(job, dict) else None)}
                if batch is not None:
                    states |= {j: batch.states[j] for j in batch.outstanding if j in batch.states}
                stuck = stall.stuck_for(states)
                if stuck is not None and queue_moved is not None and queue_moved(stall.limit_s):
                    stall.moved_at, stuck = time.monotonic(), None
                if stuck is None and blocked is not None:
                    stuck = stall.blocked_for(blocked)
                if stuck is not None:
                    raise JobNotFinished(
                        job_id, str(status), waited, False, stalled=(len(states), stuck)
                    )
            if on_wait is not None:
                on_wait(f"waiting for job {job_id} ({status})", elapsed)
            time.sleep(interval)  # the condition is polled; the interval only paces the polling
            interval = min(interval * 2, 0.25)

    def poll(self, job_id: str, token: str) -> tuple[Any, Any]:
        """The job as the API answers it now, and its status; a refusal fails the step. Where the
        deployment makes a job's row asynchronously, a 404 `not_found` is a job not yet picked
        up, waited for like a queued one."""
        response = self.job(job_id, token, None, record=False)
        job = _body(response)
        if (
            response.status_code == 404
            and self.routes.answers_404_before_pickup
            and isinstance(job, dict)
            and job.get("status") == NOT_PICKED_UP
        ):
            return job, NOT_PICKED_UP
        if response.status_code != 200:
            if response.status_code >= 500:
                fail(f"GET job {job_id} answered {response.status_code}: {job}", Fix.API_ERROR)
            fail(
                f"GET job {job_id} answered {response.status_code}: {job}",
                Fix.TOKEN if response.status_code in (401, 403) else Fix.JOBS,
            )
        return job, job.get("status") if isinstance(job, dict) else None

    def _record_job(
        self, evidence: Evidence | None, job_id: str, job: Any, elapsed_s: float
    ) -> None:
        if evidence is not None:
            url = f"{self.base_url}{self.routes.status_path(job_id)}"
            evidence.http("GET", url, 200, None, job, elapsed_s * 1000)

    def metrics(self, evidence: Evidence | None) -> dict[str, float] | None:
        """Prometheus samples by `name{labels}`, or None when the target exposes no /metrics."""
        if self._down or self._metrics_silent:
            return None
        try:
            response = self._get_through_restart("/metrics")
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

    def health(self) -> tuple[int, dict[str, Any]] | None:
        """/health's status and body, or None when it does not answer with JSON."""
        if self._down:
            return None
        try:
            response = self._get_through_restart("/health")
        except httpx.HTTPError:
            return None
        body = _body(response)
        return (response.status_code, body) if isinstance(body, dict) else None

    def unreachable(self) -> str | None:
        """Why the API does not answer at all (refused or reset past a restart's wait, timed
        out), or None when it answers, whatever it answers."""
        try:
            self._get_through_restart("/health")
        except httpx.TimeoutException:
            return f"the planning API at {self.base_url} did not answer within {self.timeout_s:g} s"
        except httpx.TransportError as error:
            return self._unreachable(error)
        return None

    def _get_through_restart(self, path: str) -> httpx.Response:
        """A GET that needs no token, a refused connection waited out as a restart would be."""
        started = time.monotonic()
        backoff = iter(RECONNECT_BACKOFF_S)
        while True:
            try:
                return self._client.get(path, timeout=self.budget.cap(self.timeout_s))
            except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError):
                waited = time.monotonic() - started
                if waited >= self.down_after_s or waited >= self.budget.remaining():
                    raise
                time.sleep(next(backoff, RECONNECT_BACKOFF_S[-1]))  # a restart: nothing to poll

    def queue_status(self, token: str) -> dict[str, Any] | None:
        """The athlete-ally service's in-memory queue (`GET /queue/status`), or None."""
        try:
            response = self._client.get(
                "/queue/status",
                headers={"Authorization": f"Bearer {token}"},
                timeout=self.budget.cap(self.timeout_s),
            )
        except httpx.HTTPError:
            return None
        body = _body(response)
        queue = body.get("queue") if isinstance(body, dict) else None
        return queue if response.status_code == 200 and isinstance(queue, dict) else None

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "PlanningApi":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _unresolvable(error: httpx.TransportError) -> bool:
    """A host name that does not resolve will not start answering within a restart."""
    text = str(error)
    return "Name or service not known" in text or "nodename nor servname" in text


def _route(path: str) -> str:
    """A path as a gateway's limiter counts it: without its query string."""
    return path.split("?", 1)[0]


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text[:2000]
