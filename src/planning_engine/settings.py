"""The engine's service settings, read once from the environment (and command-line overrides)."""

import os
from dataclasses import dataclass, field

from planning_engine.errors import ConfigurationError
from planning_engine.faults import KNOWN_FAULTS
from planning_engine.faults import unknown as unknown_faults

JWT_SECRET_VARIABLE = "PLANNING_JWT_SECRET"
FAULTS_VARIABLE = "PLANNING_ENGINE_FAULTS"


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


@dataclass(frozen=True)
class ServiceSettings:
    dsn: str
    jwt_secret: str
    workers: int = 4
    lease_seconds: float = 30.0
    poll_seconds: float = 1.0
    pool_size: int = 10
    faults: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_environment(
        cls, dsn: str, workers: int | None = None, verifies_tokens: bool = True
    ) -> "ServiceSettings":
        """Settings of `serve` (which verifies tokens) or `worker` (which has no API)."""
        secret = os.environ.get(JWT_SECRET_VARIABLE, "")
        if verifies_tokens and len(secret) < 32:
            raise ConfigurationError(
                f"{JWT_SECRET_VARIABLE} is {'unset' if not secret else 'shorter than 32 characters'}",
                f"export {JWT_SECRET_VARIABLE} with a random value of at least 32 characters (RFC 7518 for HS256)",
            )
        faults = frozenset(
            f.strip() for f in os.environ.get(FAULTS_VARIABLE, "").split(",") if f.strip()
        )
        if misspelt := unknown_faults(faults):
            raise ConfigurationError(
                f"{FAULTS_VARIABLE} names unknown fault(s): {', '.join(misspelt)}",
                f"use only {', '.join(sorted(KNOWN_FAULTS))}, or unset {FAULTS_VARIABLE}",
            )
        return cls(
            dsn=dsn,
            jwt_secret=secret,
            workers=workers if workers is not None else int(_float("PLANNING_WORKERS", 4)),
            lease_seconds=_float("PLANNING_LEASE_SECONDS", 30.0),
            poll_seconds=_float("PLANNING_POLL_SECONDS", 1.0),
            pool_size=int(_float("PLANNING_POOL_SIZE", 10)),
            faults=faults,
        )
