"""Tokens an attacker tries, made from the test user's own token.

Without the signing key: the same claims signed with another key (a key guessed or leaked from
elsewhere), and the same claims unsigned (`alg: none`), which a verifier that reads the algorithm
from the token itself would accept. With the key (a token leaked after its time, or minted for
another service that shares the key): the same claims expired, and for another audience or
issuer where the token names one. The API must refuse each with 401.
"""

import base64
import json
import secrets
import time

import jwt
import pytest

from readiness.checks import expect
from readiness.evidence import Evidence
from readiness.target.api_client import PlanningApi
from readiness.target.deployment import Target
from readiness.target.job_waiting import at_once


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


def check_resigned_tokens_refused(
    api: PlanningApi, target: Target, job_id: str, evidence: Evidence
) -> None:
    """Each of `resigned_tokens` but the genuine one must be refused with 401; not verified
    without the key, or with a key the API does not check tokens with."""
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
    answers = statuses_with(api, job_id, tokens, evidence)
    accepted = {kind: status for kind, status in answers.items() if status != 401}
    expect(
        not accepted,
        found=f"tokens it must refuse answered {accepted}",
        expected=f"401 for each of: {', '.join(answers)}",
        fix="token_claims",
    )
