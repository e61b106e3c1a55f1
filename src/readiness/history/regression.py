"""This run against the last GO on the same target: a runbook query or the plan jobs' latency
slower beyond the noise is a performance regression, with both figures.

Timings of a few milliseconds vary more than their share suggests: a slowdown counts only when
it is beyond the tolerance *and* beyond an absolute floor.
"""

from dataclasses import dataclass
from typing import Any

QUERY_FLOOR_MS = 5.0
LATENCY_FLOOR_S = 0.5


@dataclass(frozen=True)
class Slower:
    what: str
    last: float
    now: float
    unit: str

    def line(self) -> str:
        return f"{self.what}: {self.now:.2f} {self.unit} now, {self.last:.2f} {self.unit} at the last GO"


def _slower(now: float, last: float, tolerance: float, floor: float) -> bool:
    return now > last * (1 + tolerance) and now - last > floor


def compared(now: dict[str, Any], last: dict[str, Any], tolerance: float) -> list[Slower]:
    """What is slower now than in `last` (both `measured` documents of the history)."""
    found = [
        Slower(f"runbook query {name!r}", last_ms, ms, "ms")
        for name, ms in (now.get("queries_ms") or {}).items()
        if (last_ms := (last.get("queries_ms") or {}).get(name)) is not None
        and _slower(ms, last_ms, tolerance, QUERY_FLOOR_MS)
    ]
    for quantile in ("p50", "p95"):
        now_s = _latency(now, quantile)
        last_s = _latency(last, quantile)
        if (
            now_s is not None
            and last_s is not None
            and _slower(now_s, last_s, tolerance, LATENCY_FLOOR_S)
        ):
            found.append(Slower(f"plan job latency {quantile}", last_s, now_s, "s"))
    return found


def _latency(measured: dict[str, Any], quantile: str) -> float | None:
    value = ((measured.get("jobs") or {}).get("since") or {}).get("latency", {}).get(quantile)
    return float(value) if isinstance(value, int | float) else None
