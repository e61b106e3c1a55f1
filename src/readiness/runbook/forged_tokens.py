"""Tokens an attacker can make without the signing key, from the test user's own token.

The API must refuse each with 401: the same claims signed with another key (a key guessed or
leaked from elsewhere), and the same claims unsigned (`alg: none`), which a verifier that reads
the algorithm from the token itself would accept.
"""

import base64
import json
import secrets

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
