"""Tokens an attacker tries, made from the test user's own token.

Without the signing key: the same claims signed with another key (a key guessed or leaked from
elsewhere), and the same claims unsigned (`alg: none`), which a verifier that reads the algorithm
from the token itself would accept. With the key (a token leaked after its time, or minted for
another service that shares the key): the same claims expired, and for another audience or
issuer where the token names one. And no token at all. The API must refuse each with 401.
"""

import base64
import json
import secrets
import time
import uuid
from dataclasses import dataclass

import jwt
import pytest

from readiness.checks import expect
from readiness.evidence import Evidence
from readiness.expectations import RUNBOOK_PLAN_REQUEST
from readiness.fixes import Fix
from readiness.target.api_client import PlanningApi
from readiness.target.deployment import Target
from readiness.target.job_waiting import at_once


@dataclass(frozen=True)
class Attempts:
    """Requests the API must refuse: the status each got, by what it tried, and the fix should
    one get through."""

    what: str
    statuses: dict[str, int]
    fix: Fix

    def expect_refused(self, status: int) -> None:
        accepted = {kind: got for kind, got in self.statuses.items() if got != status}
        expect(
            not accepted,
            found=f"{self.what} answered {accepted}",
            expected=f"{status} for each of: {', '.join(self.statuses)}",
            fix=self.fix,
        )


class NotAJwt(ValueError):
    """The test user's token is opaque: there are no claims to forge a token from."""


def _claims_and_header(token: str) -> tuple[dict[str, object], dict[str, object]]:
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise NotAJwt(str(error)) from None
    return claims, header


def _b64(data: dict[str, object]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def forged_tokens(token: str) -> dict[str, str]:
    """The forgeries, by what they are: the test user's claims signed with another key, and
    unsigned. Raises NotAJwt for an opaque token."""
    claims, header = _claims_and_header(token)
    algorithm = str(header.get("alg", "HS256"))
    if not algorithm.startswith("HS"):
        algorithm = "HS256"
    return {
        "signed with another key": jwt.encode(
            claims, secrets.token_urlsafe(32), algorithm=algorithm
        ),
        "unsigned (alg none)": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
    }


GENUINE = "re-signed with the key, unchanged"


def resigned_tokens(token: str, key: str) -> dict[str, str]:
    """The test user's claims signed with `key`: first unchanged (`GENUINE`, which the API must
    accept, or the key is not the one it checks with), then expired an hour ago, and with another
    audience and issuer where the token has them. Raises NotAJwt for an opaque token."""
    claims, header = _claims_and_header(token)
    algorithm = str(header.get("alg", "HS256"))
    if not algorithm.startswith("HS"):
        algorithm = "HS256"
    now = int(time.time())
    lifetime = 3600
    fresh = {**claims, "iat": now, "exp": now + lifetime}
    variants: dict[str, dict[str, object]] = {
        GENUINE: fresh,
        "expired an hour ago": {**claims, "iat": now - 2 * lifetime, "exp": now - lifetime},
    }
    if "aud" in claims:
        variants["for another audience"] = {**fresh, "aud": "another-audience"}
    if "iss" in claims:
        variants["from another issuer"] = {**fresh, "iss": "another-issuer"}
    return {kind: jwt.encode(body, key, algorithm=algorithm) for kind, body in variants.items()}


def statuses_with(
    api: PlanningApi, job_id: str, tokens: dict[str, str], evidence: Evidence
) -> dict[str, int]:
    """The status of reading the job with each token, the reads sent together."""
    statuses = at_once(
        lambda token: api.job(job_id, token, evidence).status_code, [*tokens.values()]
    )
    return dict(zip(tokens, statuses, strict=True))


def without_token(api: PlanningApi, target: Target, evidence: Evidence) -> Attempts:
    """The runbook's plan request and a job read, each without a token."""
    body = {"userId": target.plan_user, **RUNBOOK_PLAN_REQUEST}
    statuses = {
        "a plan request": api.generate(body, None, evidence).status_code,
        "a job read": api.job(str(uuid.uuid4()), None, evidence).status_code,
    }
    return Attempts("requests without a token", statuses, Fix.SECURITY)


def with_forged_tokens(
    api: PlanningApi, target: Target, job_id: str, evidence: Evidence
) -> Attempts:
    """Reading the job with `forged_tokens`; not verified for an opaque token."""
    try:
        forged = forged_tokens(target.token)
    except NotAJwt:
        pytest.skip("the test user's token is not a JWT: there are no claims to forge one from")
    return Attempts("forged tokens", statuses_with(api, job_id, forged, evidence), Fix.SECURITY)


def with_resigned_tokens(
    api: PlanningApi, target: Target, job_id: str, evidence: Evidence
) -> Attempts:
    """Reading the job with each of `resigned_tokens` but the genuine one; not verified without
    the key, or with a key the API does not check tokens with."""
    key = target.signing_key
    if key is None:
        pytest.skip(
            "the signing key is not given: set PLANNING_JWT_SECRET to the staging's key to try "
            "expired tokens and tokens for another audience or issuer"
        )
    try:
        tokens = resigned_tokens(target.token, key)
    except NotAJwt:
        pytest.skip("the test user's token is not a JWT: there are no claims to re-sign")
    if api.job(job_id, tokens.pop(GENUINE), evidence).status_code == 401:
        pytest.skip(
            "PLANNING_JWT_SECRET is not the key this API checks tokens with (the test user's own "
            "claims signed with it are refused): nothing else can be tried with it"
        )
    statuses = statuses_with(api, job_id, tokens, evidence)
    return Attempts("tokens it must refuse", statuses, Fix.TOKEN_CLAIMS)
