"""The athlete-ally gateway's rate limits (§3.2 of DEPLOYED_API_ATHLETE_ALLY.md), as an option
of the reference engine's athlete-ally API profile.

Each user may make `requests` calls a window to one path (query string ignored), and
`generate` calls a window to the generate route. A window starts at its first hit and lasts
`window_s`, while the Retry-After the gateway answers counts to the next boundary of the clock
(its minute boundaries): a client that waits exactly Retry-After may be refused again.
"""

import math
import threading
import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    headers: dict[str, str]
    error: str = ""
    retry_after_s: int = 0


@dataclass
class GatewayLimiter:
    window_s: float = 60.0
    requests: int = 60
    generate: int = 10
    _hits: dict[tuple[str, str], tuple[float, int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, user: str, path: str, strict: bool) -> Verdict:
        """Count this request against the user's per-path limit, then (for the generate route)
        its strict limit; the first limit exceeded refuses it."""
        now = time.time()
        reset = math.ceil(now / self.window_s) * self.window_s
        with self._lock:
            used = self._count((user, path), now)
            headers = {
                "X-RateLimit-Limit": str(self.requests),
                "X-RateLimit-Remaining": str(max(0, self.requests - used)),
                "X-RateLimit-Reset": str(int(reset)),
            }
            if used > self.requests:
                return self._refused(headers, "rate_limit_exceeded", now, reset)
            if strict:
                used = self._count((user, "strict"), now)
                if used > self.generate:
                    return self._refused(headers, "strict_rate_limit_exceeded", now, reset)
                headers["X-RateLimit-Limit"] = str(self.generate)
                headers["X-RateLimit-Remaining"] = str(max(0, self.generate - used))
        return Verdict(True, headers)

    def _count(self, key: tuple[str, str], now: float) -> int:
        started, count = self._hits.get(key, (now, 0))
        if now - started >= self.window_s:
            started, count = now, 0
        self._hits[key] = (started, count + 1)
        return count + 1

    @staticmethod
    def _refused(headers: dict[str, str], error: str, now: float, reset: float) -> Verdict:
        retry_after = max(1, math.ceil(reset - now))
        return Verdict(False, {**headers, "Retry-After": str(retry_after)}, error, retry_after)
