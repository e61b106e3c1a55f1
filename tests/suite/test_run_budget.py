"""The run's budget is spent by scenarios only: a plain `pytest -n 2` runs the project's own
tests beside the suite's scenarios, and their minutes must not use up the suite's budget."""

import pytest

from readiness import budget as budget_module
from readiness.budget import RunBudget
from readiness.checks import ReadinessFailure


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The budget's clock, moved by the test: [now]."""
    now = [1000.0]
    monkeypatch.setattr(budget_module.time, "monotonic", lambda: now[0])
    return now


def test_the_clock_stops_between_scenarios(clock: list[float]) -> None:
    budget = RunBudget(300)
    budget.start()
    clock[0] += 100  # a scenario
    budget.pause()
    clock[0] += 900  # the project's own tests, between two scenarios
    budget.start()
    assert budget.remaining() == 200
    budget.check("the next scenario")


def test_the_scenarios_time_adds_up_until_it_is_spent(clock: list[float]) -> None:
    budget = RunBudget(300)
    for _ in range(2):
        budget.start()
        clock[0] += 160
        budget.pause()
    with pytest.raises(ReadinessFailure, match=r"run budget of 300 s exhausted"):
        budget.check("a third scenario")
