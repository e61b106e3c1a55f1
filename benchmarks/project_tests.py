"""How long the project's own test lanes take: the fast lane (`pytest -m unit`, target: under a
minute, no Postgres) and, with --full, every test (`pytest`, as .ci/run runs it), each in a
subprocess from the checkout, wall time.

Run: python benchmarks/project_tests.py [--repeat N] [--full]
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LANES = {"unit lane": ("-m", "unit", "-q"), "every test": ("-q",)}


def run_lane(args: tuple[str, ...]) -> tuple[float, str]:
    """Wall time and pytest's summary line; a run that fails stops the benchmark."""
    with tempfile.TemporaryDirectory(prefix="lane-") as temp_root:
        env = {**os.environ, "PYTEST_DEBUG_TEMPROOT": temp_root}
        started = time.perf_counter()
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - started
    summary = re.findall(r"^=*\s*(\d+ passed.*?)\s*=*$", run.stdout, re.MULTILINE)
    if run.returncode != 0 or not summary:
        sys.exit(f"pytest {' '.join(args)} failed (exit {run.returncode}):\n{run.stdout[-2000:]}")
    return elapsed, summary[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each lane (default 3)")
    parser.add_argument("--full", action="store_true", help="also every test (12-25 min a run)")
    options = parser.parse_args()
    lanes = LANES if options.full else {"unit lane": LANES["unit lane"]}
    for name, args in lanes.items():
        runs = [run_lane(args) for _ in range(options.repeat)]
        times = [elapsed for elapsed, _ in runs]
        print(
            f"{name:<11} `pytest {' '.join(args)}`: median {statistics.median(times):.1f} s "
            f"over {len(times)} runs ({min(times):.1f}-{max(times):.1f} s); {runs[-1][1]}"
        )


if __name__ == "__main__":
    main()
