"""Running `planning-engine` commands in-process, with their output captured like a shell's."""

import contextlib
import io
from dataclasses import dataclass

from planning_engine.cli import main
from planning_engine.dsn import mask_dsn


@dataclass(frozen=True)
class CliOutcome:
    command: str
    exit_code: int
    stdout: str
    stderr: str


def run_engine_command(*args: str) -> CliOutcome:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return CliOutcome(
        mask_dsn("planning-engine " + " ".join(args)),
        code,
        mask_dsn(out.getvalue()),
        mask_dsn(err.getvalue()),
    )
