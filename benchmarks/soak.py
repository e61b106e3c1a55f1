"""Soak: steady generate-and-poll traffic at half the measured peak rate for 10 minutes.

Targets (issue "Reliability and security"): no errors, flat memory (RSS growth under 10%),
p95 latency stable. Prints one line a minute and a summary.
Run: python benchmarks/soak.py [seconds] [rate]   (rate default: half of a measured peak)
"""

import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from planning_engine.auth import mint_token
from readiness.target.engine_process import seeded_engine

SECRET = "benchmark-secret-0123456789abcdef0123456789"
BODY = {
    "userId": "soak",
    "weeklyGoalDays": 4,
    "availabilityDays": 4,
    "goals": ["strength"],
    "experience": "intermediate",
}
HEADERS = {"Authorization": f"Bearer {mint_token('soak', SECRET, ttl_seconds=24 * 3600)}"}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def one_plan(client: httpx.Client) -> float:
    """Generate and poll to completion; the end-to-end latency in ms."""
    started = time.perf_counter()
    job_id = client.post("/api/plans/generate", json=BODY).raise_for_status().json()["jobId"]
    while True:
        job = client.get(f"/api/plans/jobs/{job_id}").raise_for_status().json()
        if job["status"] == "completed" and "scoring" in job["resultData"]:
            return (time.perf_counter() - started) * 1000
        if job["status"] == "failed":
            raise RuntimeError(f"job {job_id} failed: {job['errorData']}")
        time.sleep(0.01)


def peak_rate(url: str, seconds: float = 10) -> float:
    done, deadline = [0], time.monotonic() + seconds
    lock = threading.Lock()

    def worker() -> None:
        with httpx.Client(base_url=url, headers=HEADERS, timeout=30) as client:
            while time.monotonic() < deadline:
                one_plan(client)
                with lock:
                    done[0] += 1

    with ThreadPoolExecutor(16) as pool:
        for _ in range(16):
            pool.submit(worker)
    return done[0] / seconds


def soak(url: str, pid: int, seconds: float, rate: float) -> None:
    latencies: list[tuple[float, float]] = []  # (time, ms)
    errors: list[str] = []
    lock = threading.Lock()
    start = time.monotonic()
    interval = 1 / rate

    def worker(offset: int, workers: int) -> None:
        with httpx.Client(base_url=url, headers=HEADERS, timeout=30) as client:
            n = offset
            while True:
                due = start + n * interval
                if due - start > seconds:
                    return
                time.sleep(
                    max(0.0, due - time.monotonic())
                )  # pacing to the target rate, not a wait for a condition
                try:
                    ms = one_plan(client)
                    with lock:
                        latencies.append((time.monotonic() - start, ms))
                except (httpx.HTTPError, RuntimeError) as error:
                    with lock:
                        errors.append(str(error))
                n += workers

    workers = 16
    rss_start = rss_mb(pid)
    threads = [threading.Thread(target=worker, args=(i, workers)) for i in range(workers)]
    for thread in threads:
        thread.start()
    minute_p95 = []
    for minute in range(1, int(seconds // 60) + 1):
        time.sleep(max(0.0, start + minute * 60 - time.monotonic()))
        with lock:
            window = [ms for t, ms in latencies if minute * 60 - 60 <= t < minute * 60]
        p95 = statistics.quantiles(window, n=20)[18] if len(window) >= 20 else float("nan")
        minute_p95.append(p95)
        print(
            f"  minute {minute:2d}: {len(window)} plans, p95 {p95:.0f} ms, RSS {rss_mb(pid):.0f} MB, errors {len(errors)}"
        )
    for thread in threads:
        thread.join()
    growth = (rss_mb(pid) - rss_start) / rss_start * 100
    print(
        f"soak {seconds:.0f} s at {rate:.0f} plans/s: {len(latencies)} plans, {len(errors)} errors (target 0)"
    )
    print(f"  RSS {rss_start:.0f} -> {rss_mb(pid):.0f} MB, growth {growth:.1f}% (target < 10%)")
    print(f"  p95 by minute: min {min(minute_p95):.0f} ms, max {max(minute_p95):.0f} ms")


def main(seconds: float = 600, rate: float | None = None) -> None:
    os.environ.update(PLANNING_JWT_SECRET=SECRET, FEATURE_V1_PLANNING_SCORING="true")
    with seeded_engine({"PLANNING_JWT_SECRET": SECRET}, workers=4) as (engine, _dsn):
        assert engine.process is not None
        if rate is None:
            peak = peak_rate(engine.url)
            rate = peak / 2
            print(
                f"measured peak {peak:.0f} generate-and-poll plans/s; soaking at half: {rate:.0f}/s"
            )
        soak(engine.url, engine.process.pid, seconds, rate)


if __name__ == "__main__":
    main(*(float(a) for a in sys.argv[1:3]))
