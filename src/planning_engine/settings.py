"""The engine's service settings, read once from the environment (and command-line overrides)."""

import math
import os
from dataclasses import dataclass, field

from planning_engine.api_profile import RUNBOOK_API, resolve_api_profile
from planning_engine.auth import DEFAULT_MAX_TTL_S as DEFAULT_MAX_TOKEN_TTL_S
from planning_engine.errors import ConfigurationError
from planning_engine.faults import KNOWN_FAULTS
from planning_engine.faults import unknown as unknown_faults
from planning_engine.schema_profile import DEFAULT_PROFILE, resolve_profile

JWT_SECRET_VARIABLE = "PLANNING_JWT_SECRET"
FAULTS_VARIABLE = "PLANNING_ENGINE_FAULTS"
MAX_TOKEN_TTL_VARIABLE = "PLANNING_MAX_TOKEN_TTL_S"


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigurationError(
            f"{name}={raw!r} is not a number", f"set {name} to a number such as {default}"
        ) from None


def _positive(name: str, default: float) -> float:
    """A limit of 0, a negative one, nan or inf would disable the protection it configures."""
    value = _float(name, default)
    if not math.isfinite(value) or value <= 0:
        raise ConfigurationError(
            f"{name}={os.environ.get(name)!r} must be a positive number",
            f"set {name} to a positive number such as {default:g}, or unset it",
        )
    return value


def _switch(name: str) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw in ("", "false", "0"):
        return False
    if raw in ("true", "1"):
        return True
    raise ConfigurationError(
        f"{name}={os.environ.get(name)!r} is not a switch", f"set {name} to true or false"
    )


def max_token_ttl_s() -> float:
    """The longest lifetime a bearer token may have (`exp` - `iat`, and `exp` - now): a leaked
    token that never expires is a permanent credential."""
    return _positive(MAX_TOKEN_TTL_VARIABLE, DEFAULT_MAX_TOKEN_TTL_S)


def signing_secret() -> str:
    """PLANNING_JWT_SECRET, refused unless it has the 32 characters RFC 7518 asks of an HS256
    key: `serve` checks tokens with it and `token` mints them, so both refuse the same."""
    secret = os.environ.get(JWT_SECRET_VARIABLE, "")
    if len(secret) < 32:
        raise ConfigurationError(
            f"{JWT_SECRET_VARIABLE} is {'unset' if not secret else 'shorter than 32 characters'}",
            f"export {JWT_SECRET_VARIABLE} with a random value of at least 32 characters "
            "(RFC 7518 for HS256)",
        )
    return secret


@dataclass(frozen=True)
class ServiceSettings:
    dsn: str
    jwt_secret: str
    workers: int = 4
    lease_seconds: float = 30.0
    poll_seconds: float = 1.0
    pool_size: int = 10
    faults: frozenset[str] = field(default_factory=frozenset)
    # Hostile clients: a plan request is a few hundred bytes, so anything near this is abuse.
    max_body_bytes: int = 64 * 1024
    # A request head must arrive within this many seconds of the connection opening (or of the
    # previous response), its body within this many seconds of the head: slowloris defence.
    header_timeout_s: float = 10.0
    body_timeout_s: float = 10.0
    # Open connections beyond this are answered 503 (uvicorn's limit_concurrency).
    max_connections: int = 1000
    max_token_ttl_s: float = DEFAULT_MAX_TOKEN_TTL_S
    # Which schema the database holds (`runbook` or `athlete-ally`): picks the job store, the
    # gauges' queries and the schema check of /health.
    schema_profile: str = DEFAULT_PROFILE
    # Which API the service serves (`runbook` or `athlete-ally`, api_profile.py), and for the
    # athlete-ally one: how long a request waits for its consumer (its 404 window), and
    # whether its gateway routes apply the gateway's per-user limits, counted per window.
    api_profile: str = RUNBOOK_API
    pickup_delay_s: float = 0.3
    gateway_rate_limits: bool = False
    gateway_window_s: float = 60.0
    # Serve as the gateway alone: its routes and its /health, not the engine's routes.
    gateway_only: bool = False

    @classmethod
    def from_environment(
        cls,
        dsn: str,
        workers: int | None = None,
        verifies_tokens: bool = True,
        schema_profile: str | None = None,
        api_profile: str | None = None,
    ) -> "ServiceSettings":
        """Settings of `serve` (which verifies tokens) or `worker` (which has no API).
        `schema_profile` is the command-line option, which wins over PLANNING_SCHEMA_PROFILE."""
        secret = signing_secret() if verifies_tokens else os.environ.get(JWT_SECRET_VARIABLE, "")
        faults = frozenset(
            f.strip() for f in os.environ.get(FAULTS_VARIABLE, "").split(",") if f.strip()
        )
        if misspelt := unknown_faults(faults):
            raise ConfigurationError(
                f"{FAULTS_VARIABLE} names unknown fault(s): {', '.join(misspelt)}",
                f"use only {', '.join(sorted(KNOWN_FAULTS))}, or unset {FAULTS_VARIABLE}",
            )
        schema = resolve_profile(schema_profile)
        return cls(
            dsn=dsn,
            jwt_secret=secret,
            workers=workers if workers is not None else int(_float("PLANNING_WORKERS", 4)),
            lease_seconds=_float("PLANNING_LEASE_SECONDS", 30.0),
            poll_seconds=_float("PLANNING_POLL_SECONDS", 1.0),
            pool_size=int(_float("PLANNING_POOL_SIZE", 10)),
            faults=faults,
            max_body_bytes=max(1, int(_positive("PLANNING_MAX_BODY_BYTES", 64 * 1024))),
            header_timeout_s=_positive("PLANNING_HEADER_TIMEOUT_S", 10.0),
            body_timeout_s=_positive("PLANNING_BODY_TIMEOUT_S", 10.0),
            max_connections=max(1, int(_positive("PLANNING_MAX_CONNECTIONS", 1000))),
            max_token_ttl_s=max_token_ttl_s(),
            schema_profile=schema,
            api_profile=resolve_api_profile(api_profile, schema),
            pickup_delay_s=_float("PLANNING_PICKUP_DELAY_S", 0.3),
            gateway_rate_limits=_switch("PLANNING_GATEWAY_RATE_LIMITS"),
            gateway_window_s=_positive("PLANNING_GATEWAY_WINDOW_S", 60.0),
            gateway_only=_switch("PLANNING_GATEWAY_ONLY"),
        )
