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
