"""Time to verdict against stagings that behave as the athlete-ally deployment does (the
stagings of `tests/suite/test_deployed_api_profile.py`): healthy through the engine's routes,
healthy through the gateway's routes with its default rate limits (10 plans a minute per user:
the run's 14 plans need a second window, which the suite waits for), and two of its defects.

Run: python benchmarks/deployed_api.py
"""

import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "suite")]

from test_deployed_api_profile import GATEWAY, ROWS, Row, deployed_staging  # noqa: E402

from engine_sandbox.embedded_postgres import EmbeddedPostgres  # noqa: E402

STAGINGS = {
    "healthy, engine routes": ROWS["healthy"],
    "healthy, gateway routes, default rate limits": Row(GATEWAY),
    "every job fails (llm_stub)": ROWS["llm stub"],
    "a burst stranded in the in-memory queue (queue_stall)": ROWS["queue stall"],
}


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="deployed-api-") as folder:
        postgres = EmbeddedPostgres.start(Path(folder) / "pg")
        try:
            for number, (name, row) in enumerate(STAGINGS.items()):
                run = Path(folder) / f"row{number}"
                run.mkdir()
                started = time.monotonic()
                outcome = deployed_staging(postgres, run, row)
                causes = outcome.predicate["causes"]
                first = f"; first cause: {causes[0]['cause']}" if causes else ""
                print(
                    f"{name}: {outcome.predicate['verdict']} in "
                    f"{time.monotonic() - started:.1f} s (engine start included){first}"
                )
        finally:
            postgres.stop()


if __name__ == "__main__":
    main()
