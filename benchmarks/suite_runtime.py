"""Wall time of `pytest features/` on the embedded default, cold start included (target <= 20 s),
sequential and with pytest-xdist `-n 2` (target: no slower).

Run: python benchmarks/suite_runtime.py [rounds]
"""

import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def timed_run(*extra: str) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "features", "-q", "-p", "no:cacheprovider", *extra],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"suite failed:\n{result.stdout[-2000:]}")
    return elapsed


def main(rounds: int = 3) -> None:
    for label, extra in (("sequential", ()), ("-n 2", ("-n", "2"))):
        times = [timed_run(*extra) for _ in range(rounds)]
        print(
            f"pytest features/ {label:<10}: median {statistics.median(times):.1f} s "
            f"(runs: {', '.join(f'{t:.1f}' for t in times)})  target <= 20 s"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
