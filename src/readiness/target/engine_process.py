"""Starting the reference engine as a real process on a free port, and waiting until it serves.

Used by the suite's embedded target and by the project's tests: the engine is always run the
way an operator runs it (`planning-engine serve`), never imported into the test process.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EngineStartError(RuntimeError):
    pass


@dataclass
class EngineProcess:
    """One `planning-engine serve` (or `worker`) process and its JSON log file."""

    dsn: str
    log_file: Path
    env: dict[str, str] = field(default_factory=dict)
    command: str = "serve"
    workers: int = 4
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(
        self, ready_within_s: float = 20.0, healthy: bool = True, wait: bool = True
    ) -> "EngineProcess":
        """Spawn the engine; unless `wait` is False, return only once it serves (see
        `await_health`), so that a caller with other work can overlap the engine's start-up."""
        env = {**os.environ, **self.env, "PLANNING_ENGINE_LOG_FILE": str(self.log_file)}
        args = [sys.executable, "-m", "planning_engine.cli", self.command, "--dsn", self.dsn]
        if self.command == "serve":
            args += ["--port", str(self.port), "--workers", str(self.workers)]
        else:
            args += ["--concurrency", str(self.workers)]
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        if self.command == "serve" and wait:
            self.await_health(ready_within_s, healthy)
        return self

    def await_health(self, within_s: float = 20.0, healthy: bool = True) -> None:
        """Wait until /health answers (200, or anything at all when `healthy` is False)."""
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                stderr = self.process.stderr.read().decode() if self.process.stderr else ""
                raise EngineStartError(
                    f"the engine exited with {self.process.returncode}: {stderr.strip()}"
                )
            try:
                status = httpx.get(f"{self.url}/health", timeout=1).status_code
                if status == 200 or not healthy:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)  # polling a condition (the port answering), with a deadline
        self.stop()
        raise EngineStartError(f"the engine did not answer /health within {within_s:.0f} s")

    def terminate(self) -> None:
        """Ask the engine to stop (SIGTERM) without waiting, so that several engines drain in
        parallel; `stop` then waits."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def stop(self, timeout_s: float = 10.0) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._close_stderr()

    def kill(self) -> None:
        """SIGKILL: the worker dies holding whatever it claimed."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._close_stderr()

    def _close_stderr(self) -> None:
        """The pipe that carried a failed start's error: closed, or -W error fails the run."""
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()


@contextmanager
def seeded_engine(env: dict[str, str], workers: int = 4) -> Iterator[tuple[EngineProcess, str]]:
    """A throwaway Postgres with the foundational library and an engine serving it (benchmarks).

    Both live in temp folders of this process, deleted on the way out (see `workspace`)."""
    from engine_sandbox import workspace
    from engine_sandbox.embedded_postgres import EmbeddedPostgres
    from planning_engine.seeding import seed_foundational

    server = EmbeddedPostgres.start()
    engine = None
    logs = workspace.create("engine")
    try:
        dsn = server.create_database("bench")
        with psycopg.connect(dsn) as conn:
            seed_foundational(conn)
        engine = EngineProcess(dsn, logs / "engine.log", env, workers=workers).start()
        yield engine, dsn
    finally:
        if engine is not None:
            engine.stop()
        server.stop()
        workspace.remove(logs)
