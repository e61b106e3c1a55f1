"""One embedded target for all pytest-xdist workers.

The controller boots it in a background thread as soon as pytest is configured, so the boot
overlaps the workers' own start-up. It publishes the target in two stages: the address file
once the database is migrated and seeded and the engine spawned, then a marker once the engine
serves. Each worker attaches at the first (a condition with a deadline) and waits for the
second only when a scenario needs the engine's API, so the scenarios that bring their own
engines and scratch databases start while the target's engine is still starting. The signing
key travels to workers in memory (xdist's workerinput), never through the files.
"""

import json
import secrets
import threading
import time
from functools import partial
from pathlib import Path
from typing import Any

from engine_sandbox import workspace
from readiness.config import SuiteConfig
from readiness.target.deployment import EmbeddedTarget, boot_embedded

READY_FILE = "target.json"
ENGINE_READY_FILE = "engine.ready"
FAILED_FILE = "target.error"


class SharedBoot:
    def __init__(self, suite: SuiteConfig, workdir: Path) -> None:
        self.workdir = workdir
        self.secret = secrets.token_urlsafe(32)
        self.target: EmbeddedTarget | None = None
        self._thread = threading.Thread(
            target=self._boot, args=(suite,), name="embedded-target", daemon=True
        )
        self._thread.start()

    def _boot(self, suite: SuiteConfig) -> None:
        try:
            self.target = boot_embedded(suite, self.workdir, self.secret, await_engine=False)
            _publish(self.workdir / READY_FILE, json.dumps(self.target.shared()))
            self.target.await_engine()
            _publish(self.workdir / ENGINE_READY_FILE, "")
        except BaseException as error:  # the workers report it; nothing to re-raise in this thread
            (self.workdir / FAILED_FILE).write_text(
                f"{type(error).__name__}: {error}", encoding="utf-8"
            )

    def worker_input(self) -> dict[str, Any]:
        return {"workdir": str(self.workdir), "secret": self.secret}

    def stop(self) -> None:
        """Stop the target and delete its folder (also when the boot failed half-way)."""
        self._thread.join(timeout=120)
        if self.target is not None:
            self.target.stop()
        workspace.remove(self.workdir)


def _publish(path: Path, content: str) -> None:
    """Write then rename, so that a worker never reads a half-written file."""
    staging = path.with_name(f"{path.name}.tmp")
    staging.write_text(content, encoding="utf-8")
    staging.replace(path)


def _await_file(workdir: Path, name: str, what: str, within_s: float) -> Path:
    deadline = time.monotonic() + within_s
    while not (workdir / name).exists():
        if (workdir / FAILED_FILE).exists():
            raise RuntimeError(
                "the embedded target failed to boot: " + (workdir / FAILED_FILE).read_text()
            )
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"the embedded target's {what} was not ready within {within_s:.0f} s"
            )
        time.sleep(0.02)
    return workdir / name


def attach_shared(worker_input: dict[str, Any], within_s: float = 90.0) -> EmbeddedTarget:
    workdir = Path(worker_input["workdir"])
    ready = _await_file(workdir, READY_FILE, "database", within_s)
    shared = json.loads(ready.read_text(encoding="utf-8"))
    return EmbeddedTarget.attach(
        shared,
        worker_input["secret"],
        engine_starting=partial(_await_file, workdir, ENGINE_READY_FILE, "engine", within_s),
    )
