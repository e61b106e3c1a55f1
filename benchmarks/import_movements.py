"""Import + publish 10,000 synthetic movements, then re-import them unchanged.

Targets (issue "Reference planning engine, part 1"): import <= 3 s, re-import <= 2 s.
Times the whole command path a curator runs: read the file, validate, stage, publish (the
file streamed through `MovementFile`, as `planning-engine import-movements` does). For 100,000
movements and hostile files, with peak memory, see benchmarks/large_imports.py.
Run: python benchmarks/import_movements.py [count]
"""

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from engine_sandbox.embedded_postgres import EmbeddedPostgres
from engine_sandbox.synthetic_movements import synthetic_movements
from planning_engine.importer import import_movements
from planning_engine.movement_file import MovementFile


def timed_import(dsn: str, path: Path) -> tuple[float, str]:
    start = time.perf_counter()
    with psycopg.connect(dsn) as conn:
        summary = import_movements(conn, MovementFile(path))
    return time.perf_counter() - start, f"created {summary.created}, unchanged {summary.unchanged}"


def main(count: int = 10_000, rounds: int = 3) -> None:
    server = EmbeddedPostgres.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "movements.json"
            path.write_text(json.dumps({"movements": synthetic_movements(count)}))
            firsts, repeats = [], []
            for _ in range(rounds):
                dsn = server.create_database("bench")
                first, outcome1 = timed_import(dsn, path)
                again, outcome2 = timed_import(dsn, path)
                firsts.append(first)
                repeats.append(again)
                server.drop_database(dsn)
            print(f"{count} movements, {rounds} rounds, fresh database each round")
            print(
                f"  import + publish : median {statistics.median(firsts):.2f} s  ({outcome1})  target <= 3 s"
            )
            print(
                f"  re-import        : median {statistics.median(repeats):.2f} s  ({outcome2})  target <= 2 s"
            )
    finally:
        server.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
