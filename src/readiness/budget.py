"""The run's time budget: whatever the staging does, the run ends with a verdict in bounded time.

Every wait of the suite (an HTTP call, a query, a plan job, the engine log command) is capped
by what is left of the budget. Once it is spent, the wait in progress fails with "run budget
exhausted while waiting for ..." and every scenario not yet started fails at once, so the
verdict and all reports are still written before a CI job's own timeout.

The budget is spent by the scenarios: its clock runs while one runs and stops between them. In
`pytest features/` they follow one another, so that is the run's time; in a plain `pytest` the
project's own tests run between (and, under pytest-xdist, beside) them and are not counted. Each
pytest-xdist worker keeps its own.
"""

import time

from readiness.checks import fail
from readiness.fixes import Fix

# A wait is never given less than this, so that a nearly spent budget still gets an answer
# from a healthy staging instead of failing on a zero timeout.
MINIMUM_WAIT_S = 0.5


class RunBudget:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.spent = 0.0  # by the scenarios that ended
        self.since: float | None = None  # when the scenario running now started

    def start(self) -> None:
        """A scenario begins: the clock runs (a call while it runs changes nothing)."""
        if self.since is None:
            self.since = time.monotonic()

    def pause(self) -> None:
        """A scenario ended: the clock stops until the next one."""
        if self.since is not None:
            self.spent += time.monotonic() - self.since
            self.since = None

    def remaining(self) -> float:
        running = time.monotonic() - self.since if self.since is not None else 0.0
        return self.seconds - self.spent - running

    @property
    def exhausted(self) -> bool:
        return self.remaining() <= 0

    def cap(self, timeout_s: float) -> float:
        """`timeout_s`, or less when the budget ends sooner."""
        return max(MINIMUM_WAIT_S, min(timeout_s, self.remaining()))

    def check(self, waiting_for: str) -> None:
        """Fail the scenario when the budget is spent; `waiting_for` says what it was doing."""
        if self.exhausted:
            fail(
                f"run budget of {self.seconds:g} s exhausted while waiting for {waiting_for}",
                Fix.BUDGET,
            )


UNLIMITED = RunBudget(float("inf"))
