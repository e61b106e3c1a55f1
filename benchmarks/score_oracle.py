"""What the score oracle adds to a run: recomputing the stored scores of the test plan and the
runbook's 100 most recent completed jobs (engine-sized plans, about 14 kB of JSON each), from
one fetch to the last comparison (target: under 0.1 s).

Run: python benchmarks/score_oracle.py [rounds]
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "suite")]

import psycopg  # noqa: E402
from test_score_oracle import _store_job  # noqa: E402

from engine_sandbox.embedded_postgres import EmbeddedPostgres  # noqa: E402
from planning_engine.seeding import seed_foundational  # noqa: E402
from readiness.evidence import Evidence  # noqa: E402
from readiness.runbook.score_oracle import RECOMPUTE_CAP, verify_stored_scores  # noqa: E402
from readiness.target.db_probe import DatabaseProbe  # noqa: E402


def main(rounds: int = 7) -> None:
    with tempfile.TemporaryDirectory(prefix="score-oracle-") as folder:
        postgres = EmbeddedPostgres.start(Path(folder) / "pg")
        try:
            dsn = postgres.create_database("oracle")
            with psycopg.connect(dsn, autocommit=True) as conn:
                seed_foundational(conn)
                jobs = [_store_job(conn) for _ in range(RECOMPUTE_CAP + 20)]
            with DatabaseProbe(dsn) as probe:
                probe.query("SELECT 1")  # the run's connection is long open by then
                timings = []
                for _ in range(rounds):
                    started = time.perf_counter()
                    outcome = verify_stored_scores(probe, Evidence(), jobs[0])
                    timings.append(time.perf_counter() - started)
        finally:
            postgres.stop()
    median = statistics.median(timings)
    print(
        f"score oracle: {len(outcome.compared)} stored scores recomputed and compared: "
        f"median {median * 1000:.0f} ms, best {min(timings) * 1000:.0f} ms of {rounds} "
        f"(target < 100 ms: {'met' if median < 0.1 else 'NOT met'})"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
