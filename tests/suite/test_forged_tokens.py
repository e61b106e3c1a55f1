"""What an attacker makes without the signing key, from the test user's own token."""

import base64
import json

import jwt
import pytest

from readiness.runbook.forged_tokens import NotAJwt, forged_tokens

SECRET = "the-real-signing-key-of-32-characters"


def test_the_forgeries_carry_the_users_claims_but_not_its_signature() -> None:
    token = jwt.encode({"sub": "qa-user", "userId": "qa-user", "exp": 4102444800}, SECRET)
    forged = forged_tokens(token)
    assert set(forged) == {"signed with another key", "unsigned (alg none)"}
    other = forged["signed with another key"]
    assert jwt.decode(other, options={"verify_signature": False})["userId"] == "qa-user"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(other, SECRET, algorithms=["HS256"])
    header, payload, signature = forged["unsigned (alg none)"].split(".")
    padded = header + "=" * (-len(header) % 4)
    assert json.loads(base64.urlsafe_b64decode(padded))["alg"] == "none"
    assert signature == "" and payload


def test_an_opaque_token_has_nothing_to_forge_from() -> None:
    with pytest.raises(NotAJwt):
        forged_tokens("an-opaque-staging-token")
