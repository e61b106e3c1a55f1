"""One embedded target for all pytest-xdist workers.

The controller boots it in a background thread as soon as pytest is configured, so the boot
overlaps the workers' own start-up; each worker waits for the target's address file (a
condition with a deadline) and attaches. The signing key travels to workers in memory
(xdist's workerinput), never through the file.
"""

import json
import secrets
import threading
import time
from pathlib import Path
from typing import Any

from readiness.config import SuiteConfig
from readiness.target import Target, boot_embedded

READY_FILE = "target.json"
FAILED_FILE = "target.error"


class SharedBoot:
    def __init__(self, suite: SuiteConfig, workdir: Path) -> None:
        self.workdir = workdir
        self.secret = secrets.token_urlsafe(32)
        self.target: Target | None = None
        self._thread = threading.Thread(
            target=self._boot, args=(suite,), name="embedded-target", daemon=True
        )
        self._thread.start()

    def _boot(self, suite: SuiteConfig) -> None:
        try:
            self.target = boot_embedded(suite, self.workdir, self.secret)
            staging = self.workdir / f"{READY_FILE}.tmp"
            staging.write_text(json.dumps(self.target.shared()), encoding="utf-8")
            staging.replace(self.workdir / READY_FILE)
        except BaseException as error:  # the workers report it; nothing to re-raise in this thread
            (self.workdir / FAILED_FILE).write_text(
                f"{type(error).__name__}: {error}", encoding="utf-8"
            )

    def worker_input(self) -> dict[str, Any]:
        return {"workdir": str(self.workdir), "secret": self.secret}

    def stop(self) -> None:
        self._thread.join(timeout=120)
        if self.target is not None:
            self.target.stop()


def attach_shared(worker_input: dict[str, Any], within_s: float = 90.0) -> Target:
    workdir = Path(worker_input["workdir"])
    deadline = time.monotonic() + within_s
    while not (workdir / READY_FILE).exists():
        if (workdir / FAILED_FILE).exists():
            raise RuntimeError(
                "the embedded target failed to boot: " + (workdir / FAILED_FILE).read_text()
            )
        if time.monotonic() > deadline:
            raise RuntimeError(f"the embedded target was not ready within {within_s:.0f} s")
        time.sleep(0.02)
    shared = json.loads((workdir / READY_FILE).read_text(encoding="utf-8"))
    return Target.attach(shared, worker_input["secret"])
