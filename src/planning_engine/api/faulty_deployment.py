"""A broken deployment's API, rehearsed around the healthy routes (PLANNING_ENGINE_FAULTS).

The routes know nothing of faults: this middleware changes what reaches them and what they
answer, the way a deployment broken in that place would. Tokens (`no_auth`, the skipped token
checks) are RequestGuard's; scoring faults inside the worker are `planning_engine.faults`'.

- `no_idempotency`: the Idempotency-Key header is documented and ignored (dropped);
- `no_ownership_check`: a job is answered to whoever asks, as to its owner;
- `others_jobs_not_found` (healthy): another user's job is a 404, as if it did not exist;
- `scoring_not_persisted`: the job answers scoring its stored result does not hold;
- `scoring_response_differs`: the job answers a total 0.05 lower than the one stored.
"""

import json
import re
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from planning_engine.faults import API_FAULTS, HEALTHY_VARIATIONS, TOKEN_FAULTS
from planning_engine.guard import SUBJECT_STATE_KEY
from planning_engine.profiles.backend import JobStore

# The API's faults but those of its tokens, which RequestGuard rehearses.
HANDLED = frozenset(API_FAULTS - TOKEN_FAULTS - {"no_auth"}) | HEALTHY_VARIATIONS
_JOB = re.compile(r"^/api/plans/jobs/([^/]+)$")
_NOT_FOUND = {"error": "not_found", "message": "no such job"}


class FaultyDeployment:
    """ASGI middleware; inside RequestGuard, so the caller is known when it runs."""

    def __init__(self, app: ASGIApp, faults: frozenset[str], store: JobStore) -> None:
        self.app, self.faults, self.store = app, faults & HANDLED, store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.faults:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "POST" and "no_idempotency" in self.faults:
            headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"idempotency-key"]
            scope = {**scope, "headers": headers}
        job_id = _job_id(scope)
        if job_id is None:
            await self.app(scope, receive, send)
            return
        if "no_ownership_check" in self.faults:
            await self._as_owner(scope, job_id)
        status, headers, body = await _answer(self.app, scope, receive)
        if status == 403 and "others_jobs_not_found" in self.faults:
            status, body = 404, json.dumps(_NOT_FOUND).encode()
        elif status == 200 and self.faults & {"scoring_not_persisted", "scoring_response_differs"}:
            body = json.dumps(await self._misreported(scope, job_id, json.loads(body))).encode()
        await _send(send, status, headers, body)

    async def _as_owner(self, scope: Scope, job_id: uuid.UUID) -> None:
        async with scope["app"].state.pool.connection() as conn:
            job = await self.store.get_job(conn, job_id)
        if job is not None and SUBJECT_STATE_KEY in scope.get("state", {}):
            scope["state"][SUBJECT_STATE_KEY] = job["user_id"]

    async def _misreported(
        self, scope: Scope, job_id: uuid.UUID, view: dict[str, Any]
    ) -> dict[str, Any]:
        """The job's answer with scoring that is not what the database holds."""
        result = dict(view.get("resultData") or {})
        if "scoring_not_persisted" in self.faults and "scoring" not in result:
            async with scope["app"].state.pool.connection() as conn:
                scoring = await self.store.plan_scoring(conn, job_id)
            if scoring is not None:
                result["scoring"] = scoring
        if "scoring_response_differs" in self.faults and isinstance(result.get("scoring"), dict):
            total = result["scoring"]["total"]
            result["scoring"] = {**result["scoring"], "total": round(max(0.0, total - 0.05), 4)}
        return {**view, "resultData": result or None}


def _job_id(scope: Scope) -> uuid.UUID | None:
    match = _JOB.match(scope["path"]) if scope["method"] == "GET" else None
    try:
        return uuid.UUID(match.group(1)) if match else None
    except ValueError:
        return None


async def _answer(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[int, list[Any], bytes]:
    """The route's whole answer (a job's JSON), to be changed before it is sent."""
    start: Message = {}
    chunks: list[bytes] = []

    async def keep(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, keep)
    return start["status"], list(start.get("headers", [])), b"".join(chunks)


async def _send(send: Send, status: int, headers: list[Any], body: bytes) -> None:
    kept = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    kept.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": kept})
    await send({"type": "http.response.body", "body": body})
