"""API profiles: the routes, job lifecycle and logs of one kind of deployment, as schema
profiles are its tables.

`runbook` is the API the runbook's curl commands call (`POST /api/plans/generate`,
`GET /api/plans/jobs/{jobId}`), as the reference engine serves it. `athlete-ally` is the API of
the engine the runbook was written for (DEPLOYED_API_ATHLETE_ALLY.md): its own routes
(`POST /generate`, `GET /status/{jobId}`) or its gateway's (`POST /api/v1/plans/generate`,
`GET /api/v1/plans/status?jobId=`), a job that answers 404 until its request is picked up,
tokens that name their user in `userId`, logs in four formats and none of the runbook's metrics.

The profile is detected from the target's answers to a job that does not exist (read-only: a
route that exists answers "no such job", a missing one "Route ... not found");
`--api-profile` / PLANNING_API_PROFILE forces one.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

RUNBOOK = "runbook"
ATHLETE_ALLY = "athlete-ally"
API_PROFILES = (RUNBOOK, ATHLETE_ALLY)
VARIABLE = "PLANNING_API_PROFILE"
NO_ROUTE = "no known route answers"


@dataclass(frozen=True)
class ApiRoutes:
    """One set of routes a deployment serves."""

    profile: str
    name: str  # as the report shows them
    generate_path: str
    status_template: str  # `{job_id}` where the job id goes
    # A job may answer 404 for a moment after its 202 (its row is made asynchronously).
    answers_404_before_pickup: bool = False
    # The runbook's own curl and greps do not work on this deployment (see `api_drift`).
    drifts: bool = False

    def status_path(self, job_id: str) -> str:
        return self.status_template.format(job_id=quote(job_id, safe=""))

    def describe(self) -> str:
        status = self.status_template.replace("{job_id}", "{jobId}")
        return f"{self.name}: POST {self.generate_path}, GET {status}"


RUNBOOK_ROUTES = ApiRoutes(
    RUNBOOK, "runbook routes", "/api/plans/generate", "/api/plans/jobs/{job_id}"
)
ENGINE_ROUTES = ApiRoutes(
    ATHLETE_ALLY, "engine routes", "/generate", "/status/{job_id}", True, True
)
GATEWAY_ROUTES = ApiRoutes(
    ATHLETE_ALLY,
    "gateway routes",
    "/api/v1/plans/generate",
    "/api/v1/plans/status?jobId={job_id}",
    True,
    True,
)
CANDIDATES = {RUNBOOK: (RUNBOOK_ROUTES,), ATHLETE_ALLY: (ENGINE_ROUTES, GATEWAY_ROUTES)}


class UnknownApiProfile(ValueError):
    pass


def check_profile_name(name: str) -> str:
    if name not in API_PROFILES:
        raise UnknownApiProfile(
            f"unknown API profile {name!r}: expected one of {', '.join(API_PROFILES)}"
        )
    return name


def route_missing(status: int, body: Any) -> bool:
    """The answer of a server that has no such route (rather than no such job): Fastify's
    "Route GET:/x not found", Starlette's or the reference engine's bare "Not Found", a 405,
    or a proxy's page that is not JSON."""
    if status == 405:
        return True
    if status != 404:
        return False
    if not isinstance(body, dict):
        return True
    message = str(body.get("message") or body.get("detail") or "")
    return (
        message.startswith("Route ") and message.endswith(" not found")
    ) or message == "Not Found"


@dataclass(frozen=True)
class Detection:
    routes: ApiRoutes | None
    how: str
    answers: dict[str, str]  # route probed -> what it answered

    def runbook_route_answer(self) -> str:
        return self.answers.get(RUNBOOK_ROUTES.status_template, "")


def detect(get: Callable[[str], tuple[int, Any]], forced: str | None = None) -> Detection:
    """Ask for a job that does not exist on each candidate's status route, the runbook's first;
    the first route that exists is the deployment's. `get(path)` answers (status, body)."""
    probe = f"readiness-probe-{uuid.uuid4()}"
    candidates = CANDIDATES[forced] if forced else (*CANDIDATES[RUNBOOK], *CANDIDATES[ATHLETE_ALLY])
    answers: dict[str, str] = {}
    refused = 0
    for routes in candidates:
        job_id = str(uuid.uuid4()) if routes.profile == RUNBOOK else probe
        status, body = get(routes.status_path(job_id))
        answers[routes.status_template] = f"{status} {_short(body)}"
        if status == 401:  # this token opens no route: nothing to tell them apart by
            refused += 1
            continue
        if not route_missing(status, body):
            how = (
                "set by --api-profile / PLANNING_API_PROFILE"
                if forced
                else "detected from the target's answers"
            )
            return Detection(routes, how, answers)
    if forced and len(candidates) == 1:
        return Detection(candidates[0], "set by --api-profile / PLANNING_API_PROFILE", answers)
    how = "the token was refused on every route" if refused == len(candidates) else NO_ROUTE
    return Detection(None, how, answers)


def _short(body: Any, limit: int = 120) -> str:
    text = str(body)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Drift:
    """A line of the runbook that does not work on this deployment, and what the suite did."""

    runbook: str
    deployment: str
    used: str

    def as_dict(self) -> dict[str, str]:
        return {"runbook": self.runbook, "deployment": self.deployment, "used": self.used}


def api_drift(routes: ApiRoutes, runbook_route_answer: str = "") -> list[Drift]:
    """The runbook's curl, greps and metrics that do not work on a deployment of these routes."""
    if not routes.drifts:
        return []
    missing = runbook_route_answer or "404 Route … not found"
    status = routes.status_template.replace("{job_id}", "{jobId}")
    return [
        Drift(
            "POST /api/plans/generate", f"no such route ({missing})", f"POST {routes.generate_path}"
        ),
        Drift("GET /api/plans/jobs/{jobId}", f"no such route ({missing})", f"GET {status}"),
        Drift(
            "POST /api/plans/generate (now includes scoring in response)",
            "the 202 never carries scoring; the job's status does once it is completed",
            f"GET {status} after completion",
        ),
        Drift(
            'grep "feature.v1_planning_scoring"',
            "never matches: no routine line names the flag",
            "\"Feature flag override from environment\" after the run's first plan, and the plan's scoring",
        ),
        Drift(
            'grep "Applied fixed-weight scoring"',
            "plain text: { jobId: '…', scoring: N } Applied fixed-weight scoring to plan candidate",
            "that line, by job id and total",
        ),
        Drift(
            'grep "Movement import"',
            'never matches: the import CLI prints "Starting movement import from …" on its own output',
            "the library's SQL checks",
        ),
        Drift(
            'grep "scorePlanCandidate"',
            "never matches: scoring failures fail the job, logged on stderr",
            '"Plan generation failed after max retries" lines',
        ),
        Drift(
            "key metrics (movement count, import failures, scoring errors)",
            "none of them is exposed on /metrics",
            "computed from the database where it can be; otherwise not verified",
        ),
    ]
