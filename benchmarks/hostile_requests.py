"""What hostile HTTP clients cost the engine: time to refuse, memory, /health meanwhile.

Targets (issue "The reference engine under hostile requests and files"):
  an unauthenticated 50 MB body refused in <= 50 ms, RSS growth <= 10 MB;
  engine RSS under 20 concurrent oversized requests <= 200 MB, /health still answering;
  200 slowloris connections all closed by the head timeout.
Run: python benchmarks/hostile_requests.py [runs per upload kind, default 10]
"""

import socket
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx

from planning_engine.auth import mint_token
from readiness.target.engine_process import seeded_engine

SECRET = "benchmark-secret-0123456789abcdef-0123"
BODY = 50 * 1024 * 1024
CHUNK = b"[" * 262144


def vm(pid: int, field: str) -> float:
    """VmRSS / VmHWM in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(field)


def head(port: int, token: str | None, chunked: bool = False) -> bytes:
    lines = [
        "POST /api/plans/generate HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        "Transfer-Encoding: chunked" if chunked else f"Content-Length: {BODY}",
    ]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def upload(port: int, token: str | None, chunked: bool = False) -> tuple[int | None, float]:
    """Send a 50 MB body as fast as the engine takes it; (status, ms until the answer)."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    answer: list[bytes] = []

    def read() -> None:
        try:
            answer.append(sock.recv(4096))
        except OSError:
            answer.append(b"")

    start = time.perf_counter()
    reader = threading.Thread(target=read)
    reader.start()
    sent = 0
    try:
        sock.sendall(head(port, token, chunked))
        while sent < BODY and reader.is_alive():
            piece = f"{len(CHUNK):x}\r\n".encode() + CHUNK + b"\r\n" if chunked else CHUNK
            sock.sendall(piece)
            sent += len(CHUNK)
    except OSError:
        pass  # the engine answered and closed while we were sending
    reader.join(10)
    elapsed_ms = (time.perf_counter() - start) * 1000
    sock.close()
    data = answer[0] if answer else b""
    status = int(data.split()[1]) if data.startswith(b"HTTP/") else None
    return status, elapsed_ms


def main(runs: int = 10) -> None:
    env = {"PLANNING_JWT_SECRET": SECRET, "FEATURE_V1_PLANNING_SCORING": "true"}
    token = mint_token("bench", SECRET)
    with seeded_engine(env, workers=2) as (engine, _dsn):
        assert engine.process is not None
        pid = engine.process.pid
        httpx.get(f"{engine.url}/health")
        base = vm(pid, "VmRSS")
        print(f"engine RSS at rest: {base:.0f} MB")

        for label, tok, chunked in (
            ("unauthenticated, Content-Length 50 MB", None, False),
            ("unauthenticated, chunked 50 MB", None, True),
            ("authenticated, Content-Length 50 MB", token, False),
            ("authenticated, chunked 50 MB", token, True),
        ):
            timed = [upload(engine.port, tok, chunked) for _ in range(runs)]
            statuses = sorted({s for s, _ in timed}, key=str)
            median = statistics.median(ms for _, ms in timed)
            print(
                f"  {label:40s}: answered {statuses} in median {median:.1f} ms, max "
                f"{max(ms for _, ms in timed):.1f} ms; RSS {vm(pid, 'VmRSS'):.0f} MB "
                f"(+{vm(pid, 'VmRSS') - base:.1f})  target <= 50 ms, <= +10 MB"
            )

        results: list[tuple[int | None, float]] = []
        threads = [
            threading.Thread(
                target=lambda n=n: results.append(upload(engine.port, token if n % 2 else None))
            )
            for n in range(20)
        ]
        for thread in threads:
            thread.start()
        health_ms = []
        while any(t.is_alive() for t in threads):
            start = time.perf_counter()
            httpx.get(f"{engine.url}/health", timeout=10)
            health_ms.append((time.perf_counter() - start) * 1000)
        for thread in threads:
            thread.join()
        print(
            f"20 concurrent 50 MB uploads: statuses {sorted({s for s, _ in results}, key=str)}, "
            f"peak engine RSS {vm(pid, 'VmHWM'):.0f} MB (target <= 200 MB), "
            f"/health max {max(health_ms, default=0):.0f} ms over {len(health_ms)} probes"
        )

        # 200 slowloris heads, trickled; the head timeout (10 s by default) must close all.
        socks = []
        start = time.monotonic()
        for n in range(200):
            sock = socket.create_connection(("127.0.0.1", engine.port))
            sock.sendall(f"GET /health HTTP/1.1\r\nX-{n}: ".encode())
            sock.setblocking(False)
            socks.append(sock)
        during = httpx.get(f"{engine.url}/health", timeout=10).status_code
        open_socks = set(socks)
        while open_socks and time.monotonic() - start < 30:
            for sock in list(open_socks):
                try:
                    sock.send(b"a")
                    if sock.recv(4096) == b"":
                        open_socks.discard(sock)
                except BlockingIOError:
                    pass
                except OSError:
                    open_socks.discard(sock)
            time.sleep(0.5)  # the trickle rate of a slowloris client
        print(
            f"200 slowloris connections: /health meanwhile {during}; all closed after "
            f"{time.monotonic() - start:.1f} s ({len(open_socks)} left open)"
        )
        for sock in socks:
            sock.close()
        print(f"engine RSS at the end: {vm(pid, 'VmRSS'):.0f} MB, peak {vm(pid, 'VmHWM'):.0f} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
