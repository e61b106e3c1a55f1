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
    """Rounds alternate the two modes (and which goes first), so that drift in the machine's
    load during the benchmark weighs on both alike."""
    modes = {"sequential": (), "-n 2": ("-n", "2")}
    times: dict[str, list[float]] = {label: [] for label in modes}
    for round_number in range(rounds):
        order = list(modes) if round_number % 2 == 0 else list(reversed(modes))
        for label in order:
            times[label].append(timed_run(*modes[label]))
    for label, runs in times.items():
        print(
            f"pytest features/ {label:<10}: median {statistics.median(runs):.1f} s "
            f"(runs: {', '.join(f'{t:.1f}' for t in runs)})  target <= 20 s"
        )
    saved = [seq - par for seq, par in zip(times["sequential"], times["-n 2"], strict=True)]
    print(
        f"-n 2 minus sequential, round by round: median {-statistics.median(saved):+.1f} s "
        f"(target: <= 0, no slower)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
