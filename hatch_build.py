"""Build hook: the wheel (and the sdist it may be built from) records the commit it was built
from, so that a suite run from an installed wheel names its commit on the sign-off page instead
of "unknown" (an installed suite is no checkout to ask git)."""

import subprocess
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

RECORD = "BUILD_COMMIT"  # beside readiness/__init__.py in the wheel


class CustomBuildHook(BuildHookInterface):  # type: ignore[misc]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        commit = self._commit()
        if commit is None:
            return
        folder = Path(tempfile.mkdtemp(prefix="build-commit-"))
        record = folder / RECORD
        record.write_text(commit + "\n", encoding="utf-8")
        inside = "readiness" if self.target_name == "wheel" else "src/readiness"
        build_data["force_include"][str(record)] = f"{inside}/{RECORD}"

    def _commit(self) -> str | None:
        """The checkout's commit, or the one an sdist recorded when it was built."""
        root = Path(self.root)
        try:
            result = subprocess.run(
                ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
            )
        except (OSError, subprocess.SubprocessError):
            result = None
        if result is not None and result.returncode == 0 and result.stdout.strip():
            return result.stdout.strip()
        recorded = root / "src" / "readiness" / RECORD
        return recorded.read_text(encoding="utf-8").strip() if recorded.is_file() else None
