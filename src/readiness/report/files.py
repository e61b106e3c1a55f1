"""Where the reports go, and how they get there: all together, or not at all.

Every report of a run (signoff.html, junit.xml, cucumber.json, verdict.json, announcement.md) is
first written into a pending folder beside them and moved into place at the end, once the run
has executed scenarios. A `--collect-only`, a marker that selects nothing or a run stopped
before any scenario leaves the previous reports as they were, and `reports/` never holds a
GO page beside a NO-GO verdict. A pending folder left by a killed run is removed by the next.
"""

import contextlib
import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

PENDING_PREFIX = ".pending-"
ANNOUNCEMENT = "announcement.md"
# What the suite writes into the reports folder by default: a run that does not write one of
# them there again (pytest-html disabled, --html or --junitxml elsewhere, no GO) removes the
# earlier run's, so nothing there speaks of another run.
DEFAULT_REPORTS = ("signoff.html", "junit.xml", "cucumber.json", "verdict.json", ANNOUNCEMENT)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ReportFiles:
    def __init__(self, reports_dir: Path) -> None:
        self.reports_dir = reports_dir
        self.pending = reports_dir / f"{PENDING_PREFIX}{os.getpid()}"
        self.finals: dict[str, Path] = {}  # pending file name -> where it goes
        self.scenarios_only_junit = False  # junit.xml is ours: keep only the suite's scenarios
        self.published: dict[str, Path] = {}  # what the run wrote, where it is now

    def prepare(self) -> None:
        """Create the pending folder; remove those of runs that are gone. A reports folder that
        cannot be one (a file there, no permission) stops the run with one line (exit 4)."""
        try:
            self.reports_dir.mkdir(parents=True, exist_ok=True)
            self.pending.mkdir(exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise pytest.UsageError(
                f"--reports-dir {self.reports_dir} is a file, not a folder: name a folder for "
                "the reports (PLANNING_REPORTS_DIR), or move the file"
            ) from None
        except PermissionError as error:
            raise pytest.UsageError(
                f"--reports-dir {self.reports_dir}: cannot write there ({error.strerror}): name "
                "a folder this user may write to (PLANNING_REPORTS_DIR)"
            ) from None
        for folder in self.reports_dir.glob(f"{PENDING_PREFIX}*"):
            owner = folder.name.removeprefix(PENDING_PREFIX)
            if owner.isdigit() and not _alive(int(owner)):
                shutil.rmtree(folder, ignore_errors=True)
        self.pending.mkdir(exist_ok=True)

    def staged(self, name: str, final: Path | None = None) -> Path:
        """The pending path to write report `name` to; it moves to `final` (once given; by
        default the reports folder) when the run's reports are published."""
        if final is not None or name not in self.finals:
            self.finals[name] = (final or self.reports_dir / name).resolve()
        return self.pending / name

    def publish(self) -> None:
        """Move every written report into place (one rename each); a report of an earlier run
        that this run did not write again in the reports folder is removed, so none there
        contradicts the others."""
        for name, final in self.finals.items():
            written = self.pending / name
            if written.exists():
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(written, final)
                self.published[name] = final
        rewritten = set(self.published.values())
        for name in DEFAULT_REPORTS:
            earlier = (self.reports_dir / name).resolve()
            if earlier not in rewritten:
                earlier.unlink(missing_ok=True)
        self.discard()

    def discard(self) -> None:
        shutil.rmtree(self.pending, ignore_errors=True)


def keep_only_scenarios(junit: Path) -> None:
    """Drop every test case that is not a readiness scenario from a junit.xml (a plain `pytest`
    runs the project's own tests too; the sign-off artifacts are about the deployment only)."""
    if not junit.exists():
        return
    tree = ET.parse(junit)
    for suite in tree.getroot().iter("testsuite"):
        dropped = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for case in list(suite.iter("testcase")):
            if case.get("classname", "").split(".")[0] == "features":
                continue
            dropped["tests"] += 1
            for tag, counter in (
                ("failure", "failures"),
                ("error", "errors"),
                ("skipped", "skipped"),
            ):
                dropped[counter] += len(case.findall(tag))
            suite.remove(case)
        for counter, count in dropped.items():
            with contextlib.suppress(TypeError, ValueError):
                suite.set(counter, str(int(suite.get(counter, "0")) - count))
    tree.write(junit, encoding="utf-8", xml_declaration=True)
