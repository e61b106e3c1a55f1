"""Bearer tokens: HS256 JWTs whose subject is the user id.

The athlete-ally API profile verifies tokens as that service does (DEPLOYED_API_ATHLETE_ALLY.md
§2): issuer `athlete-ally`, audience `athlete-ally-users`, the user in the `userId` claim."""

import math
import time

import jwt
from jwt.types import Options

ALGORITHM = "HS256"
DEFAULT_MAX_TTL_S = 24 * 3600.0
_TIME_CLAIMS = ("exp", "iat", "nbf")


class Unauthorized(Exception):
    """The request carries no token, or one that does not verify; the reason stays server-side."""


ATHLETE_ALLY_ISSUER = "athlete-ally"
ATHLETE_ALLY_AUDIENCE = "athlete-ally-users"
ATHLETE_ALLY_ROLES = ("user", "admin", "curator")


def mint_token(
    user_id: str, secret: str, ttl_seconds: int = 3600, athlete_ally: bool = False
) -> str:
    """A token of `user_id`; with `athlete_ally`, one the athlete-ally service accepts (it has
    `sub` as well, so the same token names its user to either reader)."""
    now = int(time.time())
    claims: dict[str, object] = {"sub": user_id, "iat": now, "exp": now + ttl_seconds}
    if athlete_ally:
        claims |= {
            "userId": user_id,
            "role": "user",
            "iss": ATHLETE_ALLY_ISSUER,
            "aud": ATHLETE_ALLY_AUDIENCE,
        }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_athlete_ally_token(
    token: str, secret: str, skipped: frozenset[str] = frozenset()
) -> str:
    """The token's `userId`, checked as the athlete-ally service checks it: signature (HS256,
    HS384 or HS512 with the secret), `exp`, issuer, audience, a non-empty `userId` and a known
    `role`. Anything else is refused."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256", "HS384", "HS512"],
            audience=ATHLETE_ALLY_AUDIENCE,
            issuer=ATHLETE_ALLY_ISSUER,
            options=_options(skipped, ["exp"]),
        )
    except jwt.PyJWTError as error:
        raise Unauthorized(type(error).__name__) from None
    user = claims.get("userId")
    if not isinstance(user, str) or not user:
        raise Unauthorized("no userId")
    if claims.get("role", "user") not in ATHLETE_ALLY_ROLES:
        raise Unauthorized("unknown role")
    return user


def _options(skipped: frozenset[str], require: list[str]) -> "Options":
    return {
        "require": require,
        "verify_signature": "no_signature_check" not in skipped,
        "verify_exp": "no_expiry_check" not in skipped,
    }


def _numeric_date(value: object) -> bool:
    """RFC 7519 NumericDate: a JSON number. PyJWT accepts anything int() takes ("4102444800",
    1e30), which lets a validly signed but malformed token live for ever."""
    return type(value) in (int, float) and math.isfinite(value)  # type: ignore[arg-type]


def verify_token(
    token: str,
    secret: str,
    max_ttl_s: float = DEFAULT_MAX_TTL_S,
    skipped: frozenset[str] = frozenset(),
) -> str:
    """The token's subject; anything but a valid, unexpired HS256 token with a subject, numeric
    time claims and a lifetime of at most `max_ttl_s` (exp - iat, and exp - now) is refused.
    `skipped` names the checks a broken deployment leaves out (its faults), for rehearsals only."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options=_options(skipped, ["sub", "exp"]),
        )
    except jwt.PyJWTError as error:
        raise Unauthorized(type(error).__name__) from None
    for name in _TIME_CLAIMS:
        if name in claims and not _numeric_date(claims[name]):
            raise Unauthorized(f"{name} is not a number")
    expires = claims["exp"]
    if "no_expiry_check" not in skipped:
        if expires - time.time() > max_ttl_s:
            raise Unauthorized("expires too far in the future")
        if "iat" in claims and expires - claims["iat"] > max_ttl_s:
            raise Unauthorized("lifetime too long")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise Unauthorized("empty subject")
    return subject
