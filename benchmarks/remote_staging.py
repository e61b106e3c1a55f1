"""Time to verdict against a healthy staging far away: 25 ms each way to its API and to its
Postgres (50 ms round trip), against the same staging near. Every byte the suite exchanges with
the staging goes through a delaying TCP proxy, which also counts the round trips: connections
opened, and each time the suite speaks again after the staging has answered.

Run: python benchmarks/remote_staging.py [one-way delay in ms, default 25]
"""

import asyncio
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

from psycopg.conninfo import conninfo_to_dict, make_conninfo

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "suite")]

from test_fault_matrix import RUNBOOK, _run_row, _suite_env  # noqa: E402

from engine_sandbox.embedded_postgres import EmbeddedPostgres  # noqa: E402
from readiness.target.engine_process import EngineProcess  # noqa: E402


@dataclass
class Counts:
    connections: int = 0
    turns: int = 0  # the suite speaking after the staging answered: one round trip each

    @property
    def round_trips(self) -> int:
        return self.connections + self.turns


@dataclass
class DelayProxy:
    """127.0.0.1:<port> forwarding to `upstream`, each chunk held `delay_s` in each direction
    and each new connection one round trip (its TCP handshake)."""

    upstream: tuple[str, int]
    delay_s: float
    counts: Counts = field(default_factory=Counts)
    port: int = 0
    _loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)

    def start(self) -> "DelayProxy":
        ready = threading.Event()

        async def serve() -> None:
            server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            async with server:
                await server.serve_forever()

        threading.Thread(target=self._loop.run_until_complete, args=(serve(),), daemon=True).start()
        ready.wait()
        return self

    async def _connection(
        self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter
    ) -> None:
        self.counts.connections += 1
        await asyncio.sleep(2 * self.delay_s)
        host, port = self.upstream
        if host.startswith("/"):  # a Unix socket folder, as libpq takes it
            server_r, server_w = await asyncio.open_unix_connection(f"{host}/.s.PGSQL.{port}")
        else:
            server_r, server_w = await asyncio.open_connection(host, port)
        last = {"from": "server"}

        def turn(side: str) -> None:
            if side == "client" and last["from"] == "server":
                self.counts.turns += 1
            last["from"] = side

        await asyncio.gather(
            self._pump(client_r, server_w, lambda: turn("client")),
            self._pump(server_r, client_w, lambda: turn("server")),
            return_exceptions=True,
        )

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: Callable[[], None]
    ) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                if not data:
                    writer.close()
                    return
                writer.write(data)
                await writer.drain()

        delivery = asyncio.ensure_future(deliver())
        try:
            while data := await reader.read(65536):
                seen()
                queue.put_nowait((time.monotonic() + self.delay_s, data))
        finally:
            queue.put_nowait((time.monotonic() + self.delay_s, b""))
            await delivery


def _far(
    delay_s: float, proxies: list[DelayProxy]
) -> Callable[[EngineProcess, str], dict[str, str]]:
    """The suite's settings for the staging, with its API and Postgres behind delaying proxies."""

    def settings(engine: EngineProcess, dsn: str) -> dict[str, str]:
        env = _suite_env(engine, dsn)
        api = urlsplit(engine.url)
        database = conninfo_to_dict(dsn)
        api_proxy = DelayProxy((api.hostname or "127.0.0.1", api.port or 80), delay_s).start()
        db_host = str(database.get("host") or "127.0.0.1")
        db_proxy = DelayProxy((db_host, int(database.get("port") or 5432)), delay_s).start()
        proxies[:] = [api_proxy, db_proxy]
        env["PLANNING_API_URL"] = f"http://127.0.0.1:{api_proxy.port}"
        env["PLANNING_DATABASE_URL"] = make_conninfo(dsn, host="127.0.0.1", port=db_proxy.port)
        return env

    return settings


def _slowest(folder: Path, count: int = 6) -> str:
    """The scenarios that took longest, from the run's junit.xml."""
    cases = ElementTree.parse(folder / "reports" / "junit.xml").iter("testcase")
    timed = sorted(((float(c.get("time", 0)), c.get("name", "")) for c in cases), reverse=True)
    return "; ".join(f"{name[:60]} {seconds:.2f} s" for seconds, name in timed[:count])


def _seconds(output: str) -> float:
    found = re.findall(r" in ([0-9.]+)s", output)
    return float(found[-1]) if found else float("nan")


def main() -> None:
    one_way_ms = float(sys.argv[1]) if len(sys.argv) > 1 else 25.0
    with tempfile.TemporaryDirectory(prefix="remote-staging-") as folder:
        postgres = EmbeddedPostgres.start(Path(folder) / "pg")
        try:
            (Path(folder) / "near").mkdir()
            near = _run_row(None, RUNBOOK, postgres, Path(folder) / "near", _suite_env)
            print(f"near: {near.verdict} in {_seconds(near.output):.1f} s (pytest's own timing)")
            proxies: list[DelayProxy] = []
            (Path(folder) / "far").mkdir()
            far = _run_row(
                None, RUNBOOK, postgres, Path(folder) / "far", _far(one_way_ms / 1000, proxies)
            )
            api, database = (p.counts for p in proxies)
            print(
                f"{2 * one_way_ms:g} ms round trip: {far.verdict} in {_seconds(far.output):.1f} s; "
                f"round trips: API {api.round_trips} ({api.connections} connections), "
                f"Postgres {database.round_trips} ({database.connections} connections)"
            )
            print(f"slowest scenarios far: {_slowest(Path(folder) / 'far')}")
        finally:
            postgres.stop()


if __name__ == "__main__":
    main()
