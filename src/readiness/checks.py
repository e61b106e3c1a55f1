"""Failing a step the way the runbook would explain it: what was found, what was expected, the fix."""

from collections.abc import Iterable
from typing import Any, NoReturn

from planning_engine.contract import validate_scoring
from readiness.fixes import Fix


class ReadinessFailure(AssertionError):
    """A runbook check that did not hold; the message is what the report and the terminal show.

    `fix` is the runbook fix the failure is grouped under: failures that share a fix share a root
    cause, and the verdict names it once. None: an unexpected failure, grouped as such."""

    def __init__(self, message: str, fix: Fix | None = None) -> None:
        super().__init__(message)
        self.fix = fix

    @property
    def cause(self) -> str:
        """The fix's key, as the scenario's record keeps it ("" for none)."""
        return self.fix.key if self.fix is not None else ""


def _short(value: Any, limit: int = 300) -> str:
    """Keep the message readable; the full value is in the scenario's evidence."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def expect(ok: bool, *, found: Any, expected: Any, fix: Fix) -> None:
    if not ok:
        raise ReadinessFailure(
            f"found {_short(found)}, expected {_short(expected)}: {fix.remedy}", fix
        )


def fail(problem: str, fix: Fix) -> NoReturn:
    raise ReadinessFailure(f"{problem}: {fix.remedy}", fix)


def contract_findings(payloads: Iterable[Any]) -> list[str]:
    """Every contract error of every payload, each prefixed by the payload's place in the list."""
    return [
        f"payload {index}: {error}"
        for index, payload in enumerate(payloads)
        for error in validate_scoring(payload).errors
    ]
