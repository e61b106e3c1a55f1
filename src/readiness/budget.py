"""The run's time budget: whatever the staging does, the run ends with a verdict in bounded time.

Every wait of the suite (an HTTP call, a query, a plan job, the engine log command) is capped
by what is left of the budget. Once it is spent, the wait in progress fails with "run budget
exhausted while waiting for ..." and every scenario not yet started fails at once, so the
verdict and all reports are still written before a CI job's own timeout.

The budget starts with the run's first scenario (a plain `pytest` runs the project's own tests
first); each pytest-xdist worker starts its own with its first scenario.
"""

import time

from readiness.checks import fail

# A wait is never given less than this, so that a nearly spent budget still gets an answer
# from a healthy staging instead of failing on a zero timeout.
MINIMUM_WAIT_S = 0.5


class RunBudget:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline: float | None = None  # set by start()

    def start(self) -> None:
        """Start the clock, once: later calls change nothing."""
        if self.deadline is None:
            self.deadline = time.monotonic() + self.seconds

    def remaining(self) -> float:
        return self.seconds if self.deadline is None else self.deadline - time.monotonic()

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
                "budget",
            )


UNLIMITED = RunBudget(float("inf"))
