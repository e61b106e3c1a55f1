"""Time to verdict against stagings that hang (target: NO-GO well inside a 60 s budget each).

Each staging of `tests/suite/test_bounded_time.py` (plan jobs that never complete, a runbook table held
under an exclusive lock, an API that never answers, a Postgres that never answers) is started on
an embedded Postgres and `pytest features/` is timed against it, one at a time.

Run: python benchmarks/time_to_verdict.py
"""

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "suite")]

from test_bounded_time import BUDGET_S, HANGS, run_hang  # noqa: E402

from conftest import JWT_SECRET  # noqa: E402
from engine_sandbox.embedded_postgres import EmbeddedPostgres  # noqa: E402
from planning_engine.auth import mint_token  # noqa: E402


def main() -> None:
    env = {
        "PLANNING_JWT_SECRET": JWT_SECRET,
        "PLANNING_API_TOKEN": mint_token("qa-user", JWT_SECRET),
        "PLANNING_API_TOKEN_2": mint_token("qa-other-user", JWT_SECRET),
    }
    with tempfile.TemporaryDirectory(prefix="time-to-verdict-") as folder:
        postgres = EmbeddedPostgres.start(Path(folder) / "pg")
        try:
            for number, hang in enumerate(HANGS):
                row = Path(folder) / f"row{number}"
                row.mkdir()
                result = run_hang(hang, postgres, row, env)
                cause = result.verdict["causes"][0]["cause"]  # type: ignore[index]
                print(
                    f"{hang.name}: {result.verdict['verdict']} in {result.seconds:.1f} s "
                    f"(budget {BUDGET_S} s); first cause: {cause}"
                )
        finally:
            postgres.stop()


if __name__ == "__main__":
    main()
