"""What a hostile client may cost the engine: bounded bytes, bounded time, no work unauthenticated.

Two layers, because uvicorn leaves both gaps open:

* `RequestGuard`, a pure ASGI middleware in front of FastAPI, refuses a request before the
  application sees it: a header that must be unique sent twice (400), a declared body above
  `max_body_bytes` (413, nothing read), a missing or invalid token on `/api/` (401, nothing
  read: an unauthenticated request costs one HMAC), and otherwise reads the body itself with a
  streaming cap (413) and a deadline (408), then hands the buffered body to the application.
* `guarded_h11_protocol` adds to uvicorn's h11 protocol the timeout it lacks for the request
  head: a connection that stays idle or trickles a partial head (slowloris) is closed.

Refusals whose body was not read close the connection: otherwise uvicorn would go on reading
(and discarding) whatever the client still sends.
"""

import asyncio
import json

import h11
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from planning_engine.auth import Unauthorized, verify_token

# Headers whose second copy makes a request ambiguous: which one would the engine believe?
UNIQUE_HEADERS = (b"authorization", b"idempotency-key")
PROTECTED_PREFIX = "/api/"
SUBJECT_STATE_KEY = "planning_subject"
ANONYMOUS = ""
TOKEN_REQUIRED = "a bearer token is required"
TOKEN_INVALID = "the bearer token is invalid or expired"


class AuthFailure(Exception):
    """No usable bearer token; the message is what the client is told."""


def authenticate(
    authorization: str | None,
    secret: str,
    max_ttl_s: float,
    allow_anonymous: bool,
    skipped: frozenset[str] = frozenset(),
) -> str:
    """The subject of the request's bearer token, parsed like FastAPI's HTTPBearer (so the
    middleware and the route dependency agree); ANONYMOUS when the `no_auth` fault allows it."""
    scheme, _, credentials = (authorization or "").partition(" ")
    credentials = credentials.strip()
    if not (scheme and credentials) or scheme.lower() != "bearer":
        if allow_anonymous:
            return ANONYMOUS
        raise AuthFailure(TOKEN_REQUIRED)
    try:
        return verify_token(credentials, secret, max_ttl_s, skipped)
    except Unauthorized:
        raise AuthFailure(TOKEN_INVALID) from None


def _json_response_parts(
    status: int, error: str, message: str, close: bool, extra: tuple[tuple[bytes, bytes], ...]
) -> tuple[list[tuple[bytes, bytes]], bytes]:
    body = json.dumps({"error": error, "message": message}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    if close:
        headers.append((b"connection", b"close"))
    return headers, body


async def _refuse(
    send: Send,
    status: int,
    error: str,
    message: str,
    *,
    close: bool,
    extra: tuple[tuple[bytes, bytes], ...] = (),
) -> None:
    headers, body = _json_response_parts(status, error, message, close, extra)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


class RequestGuard:
    """Pure ASGI middleware: nothing is buffered or parsed before the cheap checks pass."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        jwt_secret: str,
        max_body_bytes: int,
        body_timeout_s: float,
        max_token_ttl_s: float,
        allow_anonymous: bool = False,
        skipped_token_checks: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self.jwt_secret = jwt_secret
        self.max_body_bytes = max_body_bytes
        self.body_timeout_s = body_timeout_s
        self.max_token_ttl_s = max_token_ttl_s
        self.allow_anonymous = allow_anonymous
        self.skipped_token_checks = skipped_token_checks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        seen: dict[bytes, list[bytes]] = {}
        for name, value in headers:
            if name in UNIQUE_HEADERS or name in (b"content-length", b"transfer-encoding"):
                seen.setdefault(name, []).append(value)
        # A body is pending unless the head says there is none; refusing without reading it
        # means closing the connection.
        has_body = b"transfer-encoding" in seen or any(
            v.strip() not in (b"", b"0") for v in seen.get(b"content-length", [])
        )
        for name in UNIQUE_HEADERS:
            if len(seen.get(name, [])) > 1:
                await _refuse(
                    send,
                    400,
                    "ambiguous_request",
                    f"the {name.decode().title()} header was sent more than once",
                    close=has_body,
                )
                return
        declared = max((_length(v) for v in seen.get(b"content-length", [])), default=0)
        if declared > self.max_body_bytes:
            await _refuse(send, 413, "payload_too_large", self._too_large(), close=True)
            return
        if scope["path"].startswith(PROTECTED_PREFIX):
            authorization = seen.get(b"authorization", [None])[0]
            try:
                subject = authenticate(
                    authorization.decode("latin-1") if authorization is not None else None,
                    self.jwt_secret,
                    self.max_token_ttl_s,
                    self.allow_anonymous,
                    self.skipped_token_checks,
                )
            except AuthFailure as failure:
                await _refuse(
                    send,
                    401,
                    "unauthorized",
                    str(failure),
                    close=has_body,
                    extra=((b"www-authenticate", b"Bearer"),),
                )
                return
            scope.setdefault("state", {})[SUBJECT_STATE_KEY] = subject
        body = await self._read_body(receive, send)
        if body is None:
            return  # refused, or the client went away
        await self.app(scope, _replay(body, receive), send)

    def _too_large(self) -> str:
        return f"the request body is larger than {self.max_body_bytes} bytes"

    async def _read_body(self, receive: Receive, send: Send) -> bytes | None:
        """The whole body, or None after answering 413 (over the cap, chunked included) or 408
        (not complete within the body timeout)."""
        body = bytearray()
        try:
            async with asyncio.timeout(self.body_timeout_s):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return None
                    body += message.get("body", b"")
                    if len(body) > self.max_body_bytes:
                        await _refuse(send, 413, "payload_too_large", self._too_large(), close=True)
                        return None
                    if not message.get("more_body", False):
                        return bytes(body)
        except TimeoutError:
            await _refuse(
                send,
                408,
                "request_timeout",
                f"the request body was not received within {self.body_timeout_s:g} s",
                close=True,
            )
            return None


def _length(value: bytes) -> int:
    """h11 has already refused a Content-Length that is not a number."""
    try:
        return int(value)
    except ValueError:
        return 0


def _replay(body: bytes, receive: Receive) -> Receive:
    """The buffered body as one message, then the server's own receive (disconnects)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def guarded_h11_protocol(header_timeout_s: float) -> type[H11Protocol]:
    """uvicorn's h11 protocol with a deadline for the request head.

    The timer starts when the connection opens and again when a response completes (keep-alive);
    when it fires and the request head is still incomplete, the connection is closed, with a 408
    if part of a head arrived (slowloris) and silently if nothing did (an idle connection)."""

    class HeadTimeoutH11Protocol(H11Protocol):
        _head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)  # type: ignore[arg-type]
            self._arm_head_timer()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm_head_timer()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm_head_timer()
            super().connection_lost(exc)

        def _arm_head_timer(self) -> None:
            self._disarm_head_timer()
            self._head_timer = self.loop.call_later(header_timeout_s, self._head_timed_out)

        def _disarm_head_timer(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_timed_out(self) -> None:
            self._head_timer = None
            if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
                return  # the head arrived: the body has its own deadline, the app its work
            if self.conn.trailing_data[0]:
                headers, body = _json_response_parts(
                    408,
                    "request_timeout",
                    f"the request head was not received within {header_timeout_s:g} s",
                    True,
                    (),
                )
                head = b"HTTP/1.1 408 Request Timeout\r\n" + b"".join(
                    name + b": " + value + b"\r\n" for name, value in headers
                )
                self.transport.write(head + b"\r\n" + body)
            self.transport.close()

    return HeadTimeoutH11Protocol
