"""Large and hostile movement files through `planning-engine import-movements`, as a process:
wall time and peak RSS (the process's own, from wait4).

Targets (issue "The reference engine under hostile requests and files"):
  100,000 valid movements imported in <= 5 s with peak RSS <= 300 MB;
  any file under the size limit (50 MB) accepted or refused within 60 s, RSS <= 500 MB.
Run: python benchmarks/large_imports.py [--quick] [--repeat N]
  --quick: skip the 50 MB files; --repeat N: the 100,000-movement first import N times, each
  on a fresh database, with the median and range (default 1).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from engine_sandbox.embedded_postgres import EmbeddedPostgres
from engine_sandbox.synthetic_movements import synthetic_movement

LIMIT = 50 * 1024 * 1024


# A small process runs the command and reports its peak RSS: measured from this (large)
# process, wait4's ru_maxrss would include what this one held when it forked.
_MEASURE = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:]).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
sys.exit(code)
"""


def run_cli(dsn: str, path: Path) -> tuple[int, float, float, list[str]]:
    """(exit code, seconds, peak RSS in MB, the stderr lines that are not log lines)."""
    env = {**os.environ, "PLANNING_ENGINE_LOG_FILE": os.devnull}
    command = [
        sys.executable,
        "-m",
        "planning_engine.cli",
        "import-movements",
        "--file",
        str(path),
        "--dsn",
        dsn,
    ]
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command],
        stderr=subprocess.PIPE,
        env=env,
        check=False,
        stdout=subprocess.DEVNULL,
    )
    elapsed = time.perf_counter() - start
    lines = done.stderr.decode(errors="replace").splitlines()
    rss_mb = int(lines.pop()) / 1024
    return done.returncode, elapsed, rss_mb, [line for line in lines if not line.startswith("{")]


def write_json(path: Path, count: int) -> Path:
    with path.open("w") as handle:
        handle.write('{"movements": [')
        for index in range(count):
            handle.write(("," if index else "") + json.dumps(synthetic_movement(index)))
        handle.write("]}")
    return path


def write_csv(path: Path, limit: int) -> Path:
    """Minimal valid rows, as many as fit under `limit` bytes (the issue's 1M-row CSV)."""
    with path.open("w") as handle:
        handle.write("movement_id,name,category,modalities,recommended_rpe\n")
        size, index = 0, 0
        while True:
            row = f"m{index:07d},Movement {index:07d},strength,barbell,{1 + index % 10}\n"
            if size + len(row) > limit:
                break
            handle.write(row)
            size += len(row)
            index += 1
    return path


def fill(path: Path, opening: str, item: str, closing: str, limit: int, joiner: str = ",") -> None:
    """`opening` + `item` repeated (joined by `joiner`) + `closing`, `limit` bytes at most."""
    count = (limit - len(opening) - len(closing)) // (len(item) + len(joiner))
    with path.open("w") as handle:
        handle.write(opening)
        block = joiner.join([item] * 100_000)
        for done in range(0, count, 100_000):
            handle.write(
                (joiner if done else "")
                + (block if count - done >= 100_000 else joiner.join([item] * (count - done)))
            )
        handle.write(closing)


def report(label: str, result: tuple[int, float, float, list[str]], targets: str) -> None:
    code, seconds, rss, lines = result
    first = lines[0][:110] if lines else ""
    print(f"  {label:44s} exit {code}  {seconds:6.2f} s  peak RSS {rss:6.0f} MB  ({targets})")
    if code and first:
        print(f"      {first}   [{len(lines)} stderr lines]")


def main(quick: bool = False, repeat: int = 1) -> None:
    server = EmbeddedPostgres.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            print("valid files (fresh database each):")
            big = write_json(root / "movements-100k.json", 100_000)
            firsts: list[float] = []
            dsn = ""
            for _ in range(repeat):
                if dsn:
                    server.drop_database(dsn)
                dsn = server.create_database("bench")
                result = run_cli(dsn, big)
                firsts.append(result[1])
                report("100,000 movements, first import", result, "target <= 5 s, <= 300 MB")
            if repeat > 1:
                print(
                    f"      first import over {repeat} runs: median {statistics.median(firsts):.2f} s,"
                    f" range {min(firsts):.2f}-{max(firsts):.2f} s"
                )
            report("100,000 movements, re-import", run_cli(dsn, big), "target <= 5 s, <= 300 MB")
            with psycopg.connect(dsn) as conn:
                counts = conn.execute(
                    "SELECT (SELECT count(*) FROM movement_library),"
                    " (SELECT count(*) FROM movement_audit_log)"
                ).fetchone()
            print(f"      library {counts[0]} rows, audit log {counts[1]} rows")  # type: ignore[index]
            server.drop_database(dsn)
            if not quick:
                csv = write_csv(root / "movements-1m.csv", 35_000_000)
                dsn = server.create_database("bench")
                report("~1M-row CSV (35 MB), first import", run_cli(dsn, csv), "<= 60 s, <= 500 MB")
                server.drop_database(dsn)

            print("refused files:")
            dsn = server.create_database("bench")
            record = synthetic_movement(1)
            small = {
                "5 MB of [{},{},...]": ("[", "{}", "]", 5_000_000),
                "JSON nested 100,000 levels": ("[" * 100_000, "", "]" * 100_000, 0),
                "a 5,000-digit number": (
                    json.dumps([record]).replace(
                        '"recommended_rpe": 2', '"recommended_rpe": ' + "9" * 5000
                    ),
                    "",
                    "",
                    0,
                ),
                "a lone surrogate in a name": (
                    json.dumps([record]).replace("Movement", "\\ud800 Movement"),
                    "",
                    "",
                    0,
                ),
            }
            at_limit = {
                "50 MB of [{},{},...]": ("[", "{}", "]", LIMIT),
                "50 MB of [0,0,...]": ("[", "0", "]", LIMIT),
                "50 MB of [[[],[],...]] (one record)": ("[[", "[]", "]]", LIMIT),
                '50 MB {"x": [[],...], "movements": []}': (
                    '{"x": [',
                    "[]",
                    '], "movements": []}',
                    LIMIT,
                ),
                "50 MB of one CSV line": ("movement_id,name\n", "x", "\n", LIMIT),
                "50 MB of CSV rows of bad cells": (
                    "movement_id,name,recommended_rpe\n",
                    "a,b,c\n",
                    "",
                    LIMIT,
                ),
            }
            cases = {**small, **({} if quick else at_limit)}
            for index, (label, (opening, item, closing, size)) in enumerate(cases.items()):
                suffix = ".csv" if "CSV" in label else ".json"
                path = root / f"hostile-{index}{suffix}"
                if item:
                    fill(path, opening, item, closing, size, joiner="" if "CSV" in label else ",")
                else:
                    path.write_text(opening + closing)
                report(label, run_cli(dsn, path), "<= 60 s, <= 500 MB")
                path.unlink()
            server.drop_database(dsn)
    finally:
        server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the 50 MB files")
    parser.add_argument(
        "--repeat", type=int, default=1, help="first imports of 100,000 movements (median, range)"
    )
    options = parser.parse_args()
    main(quick=options.quick, repeat=max(1, options.repeat))
