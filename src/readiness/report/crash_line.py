"""A failure as `--tb=line` promises it: one `path:line: finding` line.

pytest prints a report's long form and its sections before the crash line even under
`--tb=line`; a finding's long form is the finding itself and its sections the evidence, both on
the sign-off page. So under `--tb=line` the report carries only its crash line.
"""

from dataclasses import dataclass
from typing import Any


@dataclass
class CrashLine:
    """A report's long form that writes nothing: pytest writes `str(reprcrash)` itself."""

    reprcrash: Any

    def toterminal(self, writer: Any) -> None:
        """Nothing: the crash line is all."""

    def __str__(self) -> str:
        return str(self.reprcrash)


@dataclass
class SentLine:
    """A crash line as a pytest-xdist worker sent it: reports travel between processes as text."""

    text: str

    @property
    def message(self) -> str:
        """What the short summary shows after the test id."""
        return self.text.split(": ", 1)[-1]

    def __str__(self) -> str:
        return self.text
