"""An answer, always, in bounded time: stagings that hang instead of failing end in NO-GO, with
every report written and the hang named as the first cause, well inside the run's budget.

Each row breaks a staging-like target (an engine and a database the suite did not start) the way
it hangs in real life and runs `pytest features/` against it with a 60 s budget. The ceiling
asserted here is generous (no timed test that flakes); `benchmarks/time_to_verdict.py` measures
the time to verdict of each row.
"""

import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from engine_sandbox.embedded_postgres import EmbeddedPostgres
from planning_engine.seeding import seed_foundational
from readiness.target.engine_process import EngineProcess
from support.local_http import answering
from support.suite_runner import SuiteRun, run_suite

BUDGET_S = 60
CEILING_S = 120  # generous: the measured times are in the benchmark and the README


@dataclass(frozen=True)
class Hang:
    """A staging that hangs: `cause` is the first cause the verdict must name, with `finding`
    in its finding."""

    name: str
    cause: str
    finding: str
    engine_env: dict[str, str] = field(default_factory=dict)
    suite_env: dict[str, str] = field(default_factory=dict)
    locked_table: str = ""
    # Sooner than the ceiling where the suite can tell early (a stall, a lock) what a deadline
    # would only confirm.
    ceiling_s: float = CEILING_S
    api: str = ""  # "silent": an API that accepts connections and never answers
    database: str = ""  # "silent": a Postgres port that accepts TCP and never answers


HANGS = [
    Hang(
        "plan jobs never complete",
        "plan jobs do not complete",
        "is still processing",
        engine_env={"PLANNING_ENGINE_FAULTS": "hold_jobs"},
        suite_env={"PLANNING_JOB_DEADLINE_S": "10"},
    ),
    Hang(
        "a runbook table held under an exclusive lock",
        "a lock held on a runbook table blocks the checks",
        "holds AccessExclusiveLock on movement_library",
        locked_table="movement_library",
        # the default 60 s job deadline: the plans blocked by the lock are called stuck once
        # nothing has moved for PLANNING_QUEUE_STALL_S (15 s) and the lock is seen held
        ceiling_s=50,
    ),
    Hang(
        "an API that never answers",
        "the planning API does not answer",
        "did not answer within",
        api="silent",
    ),
    Hang(
        "a database that never answers",
        "the staging database cannot be reached",
        "did not answer",
        database="silent",
    ),
]


@dataclass
class HangResult:
    seconds: float
    run: SuiteRun
    verdict: dict[str, object]
    reports: set[str]


@contextmanager
def silent_port() -> Iterator[int]:
    """A TCP port that accepts connections and never says a word (a hung Postgres)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        server.close()


@contextmanager
def held_lock(dsn: str, table: str) -> Iterator[None]:
    """Another session holding `table` under ACCESS EXCLUSIVE for as long as the block lasts."""
    with psycopg.connect(dsn, application_name="ops-maintenance") as conn:
        conn.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        yield
        conn.rollback()


def run_hang(
    hang: Hang, postgres: EmbeddedPostgres, folder: Path, suite_env: dict[str, str]
) -> HangResult:
    """Start a staging, make it hang `hang`'s way, and time `pytest features/` against it."""
    dsn = postgres.create_database("hang")
    with ExitStack() as stack:
        with psycopg.connect(dsn) as conn:
            seed_foundational(conn, actor="ops")
        engine = EngineProcess(
            dsn,
            folder / "engine.log",
            {**suite_env, "FEATURE_V1_PLANNING_SCORING": "true", **hang.engine_env},
        ).start()
        stack.callback(engine.stop)
        env = {
            **suite_env,
            "PLANNING_API_URL": engine.url,
            "PLANNING_DATABASE_URL": dsn,
            "PLANNING_ENGINE_LOG_FILE": str(engine.log_file),
            "PLANNING_MAX_DURATION": str(BUDGET_S),
            **hang.suite_env,
        }
        if hang.api == "silent":
            env["PLANNING_API_URL"] = stack.enter_context(
                answering(500, "text/plain", b"", hang=True)
            )
        if hang.database == "silent":
            port = stack.enter_context(silent_port())
            env["PLANNING_DATABASE_URL"] = f"postgresql://qa@127.0.0.1:{port}/staging"
        if hang.locked_table:
            stack.enter_context(held_lock(dsn, hang.locked_table))
        started = time.monotonic()
        run = run_suite(folder, env, timeout_s=CEILING_S + 60)
        seconds = time.monotonic() - started
    postgres.drop_database(dsn)
    reports = folder / "reports"
    verdict = json.loads((reports / "verdict.json").read_text())["predicate"]
    return HangResult(seconds, run, verdict, {p.name for p in reports.iterdir()})


def run_all(
    postgres: EmbeddedPostgres, folders: Iterator[Path], suite_env: dict[str, str]
) -> dict[str, HangResult]:
    """Every row, two at a time (each on its own database of one Postgres)."""
    with ThreadPoolExecutor(2) as pool:
        futures = {
            hang.name: pool.submit(run_hang, hang, postgres, next(folders), suite_env)
            for hang in HANGS
        }
        return {name: future.result() for name, future in futures.items()}


@pytest.fixture(scope="module")
def results(
    postgres: EmbeddedPostgres, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, HangResult]:
    from planning_engine.auth import mint_token
    from support.known_secrets import JWT_SECRET

    env = {
        "PLANNING_JWT_SECRET": JWT_SECRET,
        "PLANNING_API_TOKEN": mint_token("qa-user", JWT_SECRET),
        "PLANNING_API_TOKEN_2": mint_token("qa-other-user", JWT_SECRET),
    }
    folders = iter(tmp_path_factory.mktemp("hang") for _ in iter(int, 1))
    return run_all(postgres, folders, env)


@pytest.mark.parametrize("hang", HANGS, ids=[h.name for h in HANGS])
def test_a_hanging_staging_gets_no_go_in_bounded_time(
    hang: Hang, results: dict[str, HangResult]
) -> None:
    result = results[hang.name]
    tail = result.run.output[-3000:]
    assert result.run.exit_code == 1, tail
    assert result.verdict["verdict"] == "NO-GO", tail
    assert result.seconds < hang.ceiling_s, f"{result.seconds:.0f} s to the verdict"
    assert {"signoff.html", "junit.xml", "cucumber.json", "verdict.json"} <= result.reports
    first = result.verdict["causes"][0]  # type: ignore[index]
    assert first["cause"] == hang.cause, result.verdict["causes"]
    assert hang.finding in first["finding"], first
    # The cause first: the output ends with the verdict and its causes, the first one this.
    last = result.run.output.strip().splitlines()[-15:]
    verdict_line = next(i for i, line in enumerate(last) if line.startswith("Readiness verdict"))
    assert last[verdict_line + 1].startswith(
        f"  cause 1/{len(result.verdict['causes'])}: {hang.cause}"
    )  # type: ignore[arg-type]


def test_test_plans_are_requested_together_and_a_stuck_queue_is_found_once(
    start_engine, dsn: str, staging_suite_env, tmp_path: Path
) -> None:
    """An engine with no workers: the twelve profile plans are all requested before the first
    deadline passes, and only the first waits it out; the others fail with its finding."""
    deadline_s = 3
    with psycopg.connect(dsn) as conn:
        seed_foundational(conn, actor="ops")
    env = {**staging_suite_env(start_engine(dsn, workers=0)), "PLANNING_JOB_DEADLINE_S": "3"}
    run = run_suite(tmp_path, env, "-k", "athletes")
    failed = run.with_status("failed")
    assert len(failed) == 12, run.output[-2000:]
    assert sum("found earlier in this run" in message for message in failed.values()) == 11
    with psycopg.connect(dsn) as conn:
        (spread,) = conn.execute(
            "SELECT extract(epoch FROM max(created_at) - min(created_at)) FROM plan_jobs"
        ).fetchone()  # type: ignore[misc]
    assert spread < deadline_s, f"the plans were requested {spread:.1f} s apart"


def test_a_queue_nobody_works_is_found_when_it_stalls_not_at_the_deadline(
    start_engine, dsn: str, staging_suite_env, tmp_path: Path
) -> None:
    """The 60 s job deadline stays, but a queue where none of the run's jobs has moved for
    PLANNING_QUEUE_STALL_S while they all wait is stuck now."""
    with psycopg.connect(dsn) as conn:
        seed_foundational(conn, actor="ops")
    env = {**staging_suite_env(start_engine(dsn, workers=0)), "PLANNING_QUEUE_STALL_S": "2"}
    started = time.monotonic()
    run = run_suite(tmp_path, env, "-k", "athletes")
    assert time.monotonic() - started < 30, run.output[-2000:]
    failed = run.with_status("failed")
    assert len(failed) == 12
    assert any("has moved for 2 s" in message for message in failed.values()), failed


def test_a_queue_that_serves_others_is_busy_not_stalled(seeded_dsn: str) -> None:
    from readiness.runbook.plan_queue import PlanQueue
    from readiness.target.db_probe import DatabaseProbe

    with DatabaseProbe(seeded_dsn) as probe:
        queue = PlanQueue(probe)
        assert not queue.moved_within(15)
        with psycopg.connect(seeded_dsn) as conn:
            conn.execute(
                "INSERT INTO plan_jobs (user_id, status, request_data, started_at)"
                " VALUES ('someone-else', 'processing', '{}', now())"
            )
        assert queue.moved_within(15)
