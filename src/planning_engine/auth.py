"""Bearer tokens: HS256 JWTs whose subject is the user id."""

import time

import jwt

ALGORITHM = "HS256"


class Unauthorized(Exception):
    """The request carries no token, or one that does not verify; the reason stays server-side."""


def mint_token(user_id: str, secret: str, ttl_seconds: int = 3600) -> str:
    now = int(time.time())
    return jwt.encode(
        {"sub": user_id, "iat": now, "exp": now + ttl_seconds}, secret, algorithm=ALGORITHM
    )


def verify_token(token: str, secret: str) -> str:
    """The token's subject; anything but a valid, unexpired HS256 token with a subject is refused."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]}
        )
    except jwt.PyJWTError as error:
        raise Unauthorized(type(error).__name__) from None
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise Unauthorized("empty subject")
    return subject
