"""Load on the reference engine over HTTP, load generator on the same machine.

Targets (issue "Reference planning engine, part 3"):
- 500 plan requests sent concurrently: all completed and scored, >= 100 completed jobs/s end to end;
- pickup latency (insert -> claimed) median <= 10 ms, p95 <= 50 ms while idle workers wait;
- engine RSS under that load <= 250 MB.

Run: python benchmarks/api_load.py [requests] [workers]
"""

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

import httpx
import psycopg

from planning_engine.auth import mint_token
from readiness.target.engine_process import seeded_engine

SECRET = "benchmark-secret-0123456789abcdef0123456789"
BODY = {
    "userId": "bench",
    "weeklyGoalDays": 4,
    "availabilityDays": 4,
    "goals": ["strength"],
    "experience": "intermediate",
}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> tuple[float, float]:
    """Current and peak resident memory of a process, from /proc."""
    fields = dict(
        line.split(":", 1)
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if ":" in line
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def burst(url: str, count: int) -> float:
    """`count` POSTs sent at once: one connection each, all in flight together."""
    headers = {"Authorization": f"Bearer {mint_token('bench', SECRET)}"}

    async def send_all() -> list[int]:
        limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
        async with httpx.AsyncClient(
            base_url=url, headers=headers, timeout=60, limits=limits
        ) as client:
            responses = await asyncio.gather(
                *(client.post("/api/plans/generate", json=BODY) for _ in range(count))
            )
        return [r.status_code for r in responses]

    started = time.perf_counter()
    statuses = asyncio.run(send_all())
    if statuses.count(202) != count:
        raise SystemExit(f"not every request was accepted: {sorted(set(statuses))}")
    return time.perf_counter() - started


def wait_until_done(dsn: str, count: int, within_s: float = 120) -> None:
    deadline = time.monotonic() + within_s
    with psycopg.connect(dsn, autocommit=True) as conn:
        while (
            conn.execute(
                "SELECT count(*) FROM plan_jobs WHERE status IN ('completed', 'failed')"
            ).fetchone()[0]
            < count
        ):  # type: ignore[index]
            if time.monotonic() > deadline:
                raise SystemExit("jobs did not finish in time")
            time.sleep(0.01)


def main(count: int = 500, workers: int = 4) -> None:
    os.environ.update(PLANNING_JWT_SECRET=SECRET, FEATURE_V1_PLANNING_SCORING="true")
    with seeded_engine({"PLANNING_JWT_SECRET": SECRET}, workers=workers) as (engine, dsn):
        assert engine.process is not None
        idle_rss, _ = rss_mb(engine.process.pid)

        cpu_before = cpu_seconds(engine.process.pid)
        send_s = burst(engine.url, count)
        wait_until_done(dsn, count)
        engine_cpu = cpu_seconds(engine.process.pid) - cpu_before
        busy_rss, peak_rss = rss_mb(engine.process.pid)
        with psycopg.connect(dsn) as conn:
            completed, scored, span = conn.execute(
                "SELECT count(*) FILTER (WHERE status = 'completed'),"
                " count(*) FILTER (WHERE result_data ? 'scoring'),"
                " extract(epoch FROM max(completed_at) - min(created_at)) FROM plan_jobs"
            ).fetchone()  # type: ignore[misc]
        print(f"{count} plan requests sent concurrently, {workers} in-process workers")
        print(f"  accepted in {send_s:.2f} s; completed {completed}, scored {scored}")
        if completed != count or scored != count:
            raise SystemExit(f"FAILED: {count} requested, {completed} completed, {scored} scored")
        print(
            f"  engine CPU during the burst: {engine_cpu:.2f} s ({engine_cpu / count * 1000:.1f} ms a job)"
        )
        print(
            f"  end to end {float(span):.2f} s -> {completed / float(span):.0f} completed jobs/s  target >= 100"
        )

        pickups = measure_pickup(engine.url, dsn, samples=100)
        print(
            f"  pickup latency (insert -> claimed), idle workers: median {statistics.median(pickups):.1f} ms, "
            f"p95 {statistics.quantiles(pickups, n=20)[18]:.1f} ms  targets <= 10 / <= 50 ms"
        )
        print(
            f"  engine RSS: idle {idle_rss:.0f} MB, after load {busy_rss:.0f} MB, peak {peak_rss:.0f} MB  target <= 250 MB"
        )


def measure_pickup(url: str, dsn: str, samples: int) -> list[float]:
    """One job at a time, each after the previous completed, so every pickup finds the workers idle."""
    headers = {"Authorization": f"Bearer {mint_token('bench', SECRET)}"}
    latencies = []
    with (
        httpx.Client(base_url=url, headers=headers, timeout=10) as client,
        psycopg.connect(dsn, autocommit=True) as conn,
    ):
        for _ in range(samples):
            job_id = client.post("/api/plans/generate", json=BODY).json()["jobId"]
            while True:
                row = conn.execute(
                    "SELECT extract(epoch FROM started_at - created_at) * 1000, status FROM plan_jobs"
                    " WHERE job_id = %s",
                    (job_id,),
                ).fetchone()
                if row and row[1] == "completed":
                    latencies.append(float(row[0]))
                    break
                time.sleep(0.002)
            time.sleep(0.02)  # let every worker go back to waiting on NOTIFY
    return latencies


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
