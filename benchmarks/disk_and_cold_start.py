"""Nothing left behind, and a faster cold start: what `pytest features/` costs the temp dir's disk
and how long a cold run takes.

1. Free disk in the temp dir, and the count and size of the run folders there (`stream5-*`,
   and the old `payloads-*`, `seed-dump-*`, `planning-pg-*`), and in /dev/shm (where the
   embedded Postgres runs when there is room), before and after N runs of `pytest features/`
   (default 10): they must be unchanged. Folders that other runs on the machine hold at the
   time are counted too, and named.
2. What a Ctrl-C (SIGINT to the run's process group, as a terminal sends it) and a SIGTERM (to
   pytest alone) in the middle of a run leave behind: nothing.
3. The cold wall time of `pytest features/`, median of M runs (default 5; target <= 4 s): each a
   new process; whether the machine's template cluster existed before is printed. Python
   writes its bytecode caches as on any user's machine (a PYTHONDONTWRITEBYTECODE of the
   benchmark's own environment is not passed on; one untimed run writes them); with
   `--no-bytecode-cache` every module is compiled again in every run.
   With `--compare-with DIR` (a copy of an older checkout, e.g. `git archive HEAD~1 | tar -x -C
   DIR`), the same is measured for that code too, run for run alternately, so that drift in the
   machine's load weighs on both alike. The older code may leak folders: its runs get a private
   temp dir, deleted after each run.

Run: python benchmarks/disk_and_cold_start.py [--runs 10] [--cold 5] [--compare-with DIR]
"""

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from engine_sandbox import workspace
from engine_sandbox.template_cluster import template_status

REPO = Path(__file__).resolve().parents[1]
RUN_FOLDERS = ("stream5-", "payloads-", "seed-dump-", "planning-pg-")
TARGET_S = 4.0


def run_folders(root: Path) -> list[Path]:
    return [p for p in root.iterdir() if p.name.startswith(RUN_FOLDERS) and p.is_dir()]


def size_of(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*"):
        try:
            if path.is_file() and not path.is_symlink():
                total += path.stat().st_size
        except OSError:
            pass  # deleted while we look: another run's folder going away
    return total


def disk_line(label: str, root: Path) -> tuple[int, int, int]:
    free = shutil.disk_usage(root).free
    folders = run_folders(root)
    size = sum(size_of(f) for f in folders)
    print(
        f"{label:<7} free space in {root}: {free / 2**20:,.0f} MB; run folders there: "
        f"{len(folders)} ({size / 2**20:,.1f} MB)"
        + (f": {', '.join(sorted(f.name for f in folders))}" if folders else "")
    )
    return free, len(folders), size


REPORTS = Path(tempfile.mkdtemp(prefix="bench-reports-"))  # not the checkout's reports/


def suite(*extra: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "features",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--reports-dir={REPORTS}",
            *extra,
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"pytest features/ failed ({cwd}):\n{done.stdout[-3000:]}")
    return elapsed


def older_env(older: Path, tmp: Path) -> dict[str, str]:
    """The environment that runs an older checkout's code with this virtualenv."""
    pythonpath = os.pathsep.join([str(older / "src"), str(older)])
    return {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": pythonpath}


def interrupted(how: str, root: Path, reports: Path, older: Path | None = None) -> list[str]:
    """Start `pytest features/ -v` in `root` (its TMPDIR), signal it once 3 scenarios passed
    and its target folder exists, wait for it to end; what is left in `root`."""
    env = older_env(older, root) if older else {**os.environ, "TMPDIR": str(root)}
    env["PYTHONUNBUFFERED"] = "1"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest",
            "features",
            "-v",
            "-p",
            "no:cacheprovider",
            f"--reports-dir={reports}",
        ],
        cwd=older or REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    passed = threading.Event()

    def read() -> None:
        count = 0
        assert process.stdout is not None
        for line in process.stdout:
            count += " PASSED" in line
            if count >= 3 and list(root.glob("stream5-embedded-*")):
                passed.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if not passed.wait(timeout=120):
        process.kill()
        raise SystemExit(f"{how}: the run never got under way")
    if how == "SIGINT":
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=240)
    reader.join(timeout=30)
    left = sorted(p.name for p in run_folders(root))
    using = workspace._ProcessTable().using(root)
    print(
        f"{how} mid-run ({'older checkout' if older else 'this checkout'}): exit {code}"
        + (" (killed by the signal)" if code < 0 else " (stopped in order)")
        + f"; left behind: {', '.join(left) if left else 'nothing'}"
        + (f"; {len(using)} process(es) still running there" if using else "")
    )
    return left


def cold_runs(count: int, older: Path | None, bytecode_cache: bool = True) -> None:
    print(f"before the cold runs: {template_status()}")
    if bytecode_cache:
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        sys.dont_write_bytecode = False
        suite()  # writes the bytecode caches, untimed
    print(f"bytecode caches: {'written and used' if bytecode_cache else 'not used'}")
    times: dict[str, list[float]] = {"this checkout": []}
    if older is not None:
        times[f"older ({older})"] = []
    for round_number in range(count):
        order = list(times) if round_number % 2 == 0 else list(reversed(times))
        for label in order:
            if label == "this checkout":
                times[label].append(suite())
                continue
            assert older is not None
            private = Path(tempfile.mkdtemp(prefix="bench-older-"))
            try:
                times[label].append(suite(cwd=older, env=older_env(older, private)))
            finally:
                workspace.stop_users(private)
                shutil.rmtree(private, ignore_errors=True)
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as cache:
        first = suite(env={**os.environ, "XDG_CACHE_HOME": cache})
    print(
        f"a machine's first run (it builds the template cluster, in an empty cache): {first:.2f} s"
    )
    for label, runs in times.items():
        median = statistics.median(runs)
        verdict = (
            ""
            if older is not None and label != "this checkout"
            else (f"  target <= {TARGET_S:.0f} s: {'met' if median <= TARGET_S else 'NOT met'}")
        )
        print(
            f"cold pytest features/, {label}: median {median:.2f} s of {len(runs)} "
            f"(runs: {', '.join(f'{t:.2f}' for t in runs)}){verdict}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="runs for the disk check (10)")
    parser.add_argument("--cold", type=int, default=5, help="cold runs timed (5)")
    parser.add_argument("--compare-with", type=Path, help="an older checkout to time as well")
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="compile every module in every timed run (as under PYTHONDONTWRITEBYTECODE=1)",
    )
    args = parser.parse_args()
    root = Path(tempfile.gettempdir())
    loadavg = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {loadavg[0]:.2f} at start")

    print(f"\n-- disk, {args.runs} runs of pytest features/ --")
    print(template_status())
    places = [root] + ([workspace.MEMORY_ROOT] if workspace.memory_root() else [])
    before = [disk_line("before", place) for place in places]
    for _ in range(args.runs):
        suite()
    after = [disk_line("after", place) for place in places]
    for place, was, now in zip(places, before, after, strict=True):
        print(
            f"change in {place}: {(was[0] - now[0]) / 2**20:+,.0f} MB used (other processes on "
            f"the machine write too), {now[1] - was[1]:+d} run folders, "
            f"{(now[2] - was[2]) / 2**20:+,.1f} MB in them"
        )

    print("\n-- interrupted runs --")
    checkouts = [None, args.compare_with] if args.compare_with else [None]
    for how in ("SIGINT", "SIGTERM"):
        for older in checkouts:
            private = Path(tempfile.mkdtemp(prefix="bench-signal-"))
            try:
                interrupted(how, private, private.with_name(private.name + "-reports"), older)
            finally:
                workspace.stop_users(private)
                shutil.rmtree(private, ignore_errors=True)
                shutil.rmtree(private.with_name(private.name + "-reports"), ignore_errors=True)

    print(f"\n-- cold start, {args.cold} runs --")
    cold_runs(args.cold, args.compare_with, not args.no_bytecode_cache)


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(REPORTS, ignore_errors=True)
