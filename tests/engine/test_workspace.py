"""Nothing left behind: a run's temp folders go with it however it ends (the end, Ctrl-C,
SIGTERM; after SIGKILL, at the next run), never while their owner lives; and the embedded
Postgres starts from a template cluster built once per machine, atomically, copied per run.

The runs under test are real `pytest features/` subprocesses, each with a private, short
TMPDIR (Postgres puts its socket in its data dir, whose path must stay short), so that "left
behind" is simply "what is in that TMPDIR afterwards". They are interrupted on conditions
(a scenario has passed, the target folder exists), never after a fixed sleep.
"""

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pgserver  # noqa: F401  imported now, with the real TMPDIR: see `root`
import psutil
import psycopg
import pytest

from engine_sandbox import embedded_postgres, template_cluster, workspace
from engine_sandbox.embedded_postgres import EmbeddedPostgres
from engine_sandbox.template_cluster import copy_cluster, template_key
from planning_engine.migrate import Migration, available_migrations
from support.suite_runner import PYTEST_FEATURES, REPO, _without_suite_variables

# pgserver's runtime folder (its lock file) included: it belongs in the cache, not in TMPDIR.
LEFT_BEHIND = ("stream5-", "payloads-", "seed-dump-", "planning-pg-", "runtime-")


def left_behind(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith(LEFT_BEHIND))


def users(path: Path) -> list[str]:
    """Processes still using the folder (its path in their command line or engine log)."""
    return [" ".join(p.info.get("cmdline") or []) for p in workspace._ProcessTable().using(path)]


@pytest.fixture
def root() -> Iterator[Path]:
    """A private temp dir (the child run's TMPDIR), short enough for Postgres' socket.

    pgserver puts its machine-wide lock under the temp dir it sees when first imported, and
    takes it again at exit: imported at the top of this module, it uses the real one, not a
    `root` that would then be recreated after its removal."""
    folder = Path(tempfile.mkdtemp(prefix="s5ws-"))
    yield folder
    workspace.stop_users(folder)  # a failed test must not leak a Postgres either
    shutil.rmtree(folder, ignore_errors=True)


# -- ownership and the sweep ----------------------------------------------------------------

OWNER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from engine_sandbox import workspace
    path = workspace.create("embedded", parent=Path(sys.argv[1]))
    (path / "pg").mkdir()
    print(path, flush=True)
    sys.stdin.read()  # until the test lets go
    """
)


def start_owner(root: Path) -> tuple[subprocess.Popen[str], Path]:
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert owner.stdout is not None
    return owner, Path(owner.stdout.readline().strip())


def test_a_folder_whose_owner_is_alive_is_never_removed(root: Path) -> None:
    owner, folder = start_owner(root)
    try:
        assert workspace.sweep(root, unlocked_grace_s=0) == []
        assert (folder / "pg").is_dir()
    finally:
        owner.kill()
        owner.communicate()  # closes its pipes


def test_a_folder_whose_owner_was_killed_is_removed_by_the_next_sweep(root: Path) -> None:
    owner, folder = start_owner(root)
    owner.kill()  # SIGKILL: no handler, no atexit, nothing of the owner runs
    owner.communicate()  # closes its pipes
    assert folder.is_dir()
    assert workspace.sweep(root) == [folder]
    assert left_behind(root) == []


def test_an_owner_removes_its_folder_when_it_exits(root: Path) -> None:
    owner, folder = start_owner(root)
    owner.communicate("")  # end of stdin: the owner returns normally
    assert owner.returncode == 0
    assert not folder.exists()


def test_sigterm_makes_an_owner_clean_up_and_exit(root: Path) -> None:
    owner, folder = start_owner(root)
    owner.send_signal(signal.SIGTERM)
    owner.communicate(timeout=30)
    assert owner.returncode != -signal.SIGTERM  # it did not just die: it unwound
    assert not folder.exists()


def test_a_recorded_pid_that_is_alive_does_not_keep_a_dead_folder(root: Path) -> None:
    """pid reuse: the record names a live process (this one), but nobody holds the lock."""
    folder = root / "stream5-embedded-abcd1234"
    (folder / "pg").mkdir(parents=True)
    record = {"pid": os.getpid(), "started": psutil.Process().create_time()}
    (folder / workspace.OWNER_FILE).write_text(json.dumps(record))
    assert workspace.sweep(root) == [folder]


def test_a_folder_without_a_lock_is_kept_while_young_or_used(root: Path) -> None:
    """What a folder looks like between its creation and its lock, or from an older version."""
    young = root / "stream5-embedded-young123"
    used = root / "stream5-embedded-used1234"
    old = root / "stream5-embedded-old12345"
    for folder in (young, used, old):
        (folder / "pg").mkdir(parents=True)
    an_hour_ago = time.time() - 3600
    for folder in (used, old):
        os.utime(folder, (an_hour_ago, an_hour_ago))
    user = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()", str(used)], stdin=subprocess.PIPE
    )
    try:
        assert workspace.sweep(root) == [old]
        assert young.is_dir() and used.is_dir()
    finally:
        user.kill()
        user.communicate()  # closes its pipes


def test_folders_that_are_not_ours_are_never_touched(root: Path) -> None:
    an_hour_ago = time.time() - 3600
    theirs = [
        root / "stream5-notes",
        root / "stream5-mine-abcd1234",  # not one of our kinds
        root / "payloads-abcd1234",  # the old name, but holding something else
        root / "seed-dump",
    ]
    (theirs[2] / "payloads.json").parent.mkdir(parents=True)
    (theirs[2] / "payloads.json").write_text("[]")
    (theirs[2] / "notes.txt").write_text("mine")
    ours = root / "payloads-efgh5678"  # what the old suite left
    ours.mkdir()
    (ours / "payloads.json").write_text("[]")
    for folder in [*theirs, ours]:
        folder.mkdir(exist_ok=True)
        os.utime(folder, (an_hour_ago, an_hour_ago))
    assert workspace.sweep(root) == [ours]
    assert all(folder.is_dir() for folder in theirs)


def test_postgres_data_goes_to_ram_only_when_there_is_room_and_no_chosen_temp_dir(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TMPDIR", "/tmp")
    assert workspace.memory_root() is None  # the user said where temp files go
    monkeypatch.delenv("TMPDIR")
    monkeypatch.setattr(workspace, "MEMORY_MIN_FREE", 1 << 62)
    assert workspace.memory_root() is None  # e.g. a container's 64 MB /dev/shm
    monkeypatch.setattr(workspace, "MEMORY_MIN_FREE", 1 << 20)
    mounts = Path("/proc/self/mounts").read_text() if Path("/proc/self/mounts").exists() else ""
    if " /dev/shm tmpfs " not in mounts:
        pytest.skip("no /dev/shm tmpfs on this machine")
    assert workspace.memory_root() == workspace.MEMORY_ROOT


def test_without_psutil_a_folder_where_postgres_may_run_is_left_alone(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A staging-only install has no pgserver, hence no psutil to tell what still runs."""
    with_postgres = root / "stream5-embedded-withpg12"
    scratch_only = root / "stream5-run-scratch1"
    (with_postgres / "pg").mkdir(parents=True)
    (with_postgres / "pg" / "postmaster.pid").write_text("12345\n")
    (scratch_only / "payloads-abc").mkdir(parents=True)
    for folder in (with_postgres, scratch_only):
        (folder / workspace.OWNER_FILE).write_text("{}")  # an owner that is gone
    monkeypatch.setitem(sys.modules, "psutil", None)  # `import psutil` now fails
    assert workspace.sweep(root) == [scratch_only]
    assert with_postgres.is_dir()


def test_scratch_folders_live_in_the_process_run_folder(root: Path) -> None:
    script = textwrap.dedent(
        """
        from engine_sandbox import workspace
        first, second = workspace.scratch("payloads-"), workspace.scratch("seed-dump-")
        assert first.parent == second.parent and first.parent.name.startswith("stream5-run-")
        (first / "payloads.json").write_text("[]")
        print(first.parent)
        """
    )
    env = {**os.environ, "TMPDIR": str(root)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).parent == root
    assert left_behind(root) == []


# -- the template cluster -------------------------------------------------------------------


@pytest.fixture
def private_cache(tmp_path: Path, root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("TMPDIR", str(root))
    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    monkeypatch.delenv(embedded_postgres.TEST_SERVER_VARIABLE, raising=False)
    return tmp_path / "cache" / template_cluster.CACHE_NAME


def migrated_versions(dsn: str) -> list[str]:
    with psycopg.connect(dsn) as conn:
        return [row[0] for row in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")]


def test_a_server_is_a_copy_of_the_template_cluster_built_once(
    private_cache: Path, root: Path
) -> None:
    expected = [m.version for m in available_migrations()]
    origins = []
    for _ in range(2):
        server = EmbeddedPostgres.start()
        try:
            origins.append(server.origin)
            assert migrated_versions(server.create_database("copy")) == expected
            with psycopg.connect(server.create_database("bare", migrated=False)) as conn:
                assert conn.execute("SELECT to_regclass('schema_migrations')").fetchone() == (None,)
        finally:
            server.stop()
    key, _ = template_key()
    assert origins == [
        f"template cluster {key} (built now)",
        f"template cluster {key} (reused)",
    ]
    assert sorted(p.name for p in private_cache.iterdir()) == [f"pg-template-{key}"]
    template = private_cache / f"pg-template-{key}" / "pgdata"
    assert not {"postmaster.pid", "log", ".handle_pids.json"} & {p.name for p in template.iterdir()}
    assert left_behind(root) == []


BUILDER = textwrap.dedent(
    """
    import sys
    from engine_sandbox.embedded_postgres import EmbeddedPostgres
    server = EmbeddedPostgres.start()
    try:
        server.create_database("check")
        print(server.origin)
    finally:
        server.stop()
    """
)


def test_two_runs_building_the_template_at_once_end_with_one_whole_cluster(
    private_cache: Path, root: Path
) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(private_cache.parent), "TMPDIR": str(root)}
    env.pop(embedded_postgres.TEST_SERVER_VARIABLE, None)
    builders = [
        subprocess.Popen(
            [sys.executable, "-c", BUILDER],
            env=env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [builder.communicate(timeout=240) for builder in builders]
    assert [b.returncode for b in builders] == [0, 0], results
    assert all("template cluster" in out for out, _ in results), results
    key, _ = template_key()
    clusters = [p.name for p in private_cache.iterdir() if p.name.startswith("pg-template-")]
    assert clusters == [f"pg-template-{key}"]
    assert left_behind(root) == []


def test_the_template_key_follows_the_migrations(monkeypatch: pytest.MonkeyPatch) -> None:
    key, inputs = template_key()
    assert "0001_movement_library" in inputs["migrations"]
    assert template_key()[0] == key  # stable while nothing changes
    keys = {key}
    for sql in ("CREATE TABLE t (id int)", "CREATE TABLE t (id bigint)"):  # a new one, then edited
        new = Migration("9999", "new_table", sql)
        monkeypatch.setattr(
            template_cluster, "available_migrations", lambda m=new: [*available_migrations(), m]
        )
        keys.add(template_key()[0])
    assert len(keys) == 3


def test_old_template_clusters_are_pruned_unless_a_run_is_copying_one(
    tmp_path: Path, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(root))
    monkeypatch.setattr(tempfile, "tempdir", None)
    cache = tmp_path / "cache"
    ages = {"newest": 0, "newer": 100, "new": 200, "old": 300, "oldest": 400}
    for name, age in ages.items():
        (cache / f"pg-template-{name}" / "pgdata").mkdir(parents=True)
        lock = cache / f"pg-template-{name}" / ".lock"
        lock.touch()
        os.utime(lock, (time.time() - age, time.time() - age))
    copying = os.open(cache / "pg-template-oldest" / ".lock", os.O_RDONLY)
    try:
        assert workspace.lock(copying, exclusive=False, wait=True)  # a run copying it
        template_cluster._prune(cache)
    finally:
        os.close(copying)
    kept = sorted(p.name.removeprefix("pg-template-") for p in cache.iterdir())
    assert kept == ["new", "newer", "newest", "oldest"]  # the 3 most recently used + the busy one


def test_a_copy_keeps_modes_and_leaves_the_last_run_behind(tmp_path: Path) -> None:
    source = tmp_path / "source"
    (source / "base" / "1").mkdir(parents=True)
    (source / "PG_VERSION").write_text("16\n")
    (source / "base" / "1" / "1259").write_bytes(b"\0" * 8192)
    for run_file in ("postmaster.pid", "postmaster.opts", "log", ".handle_pids.json"):
        (source / run_file).write_text("of the last run")
    source.chmod(0o700)
    (source / "base" / "1" / "1259").chmod(0o600)
    copy_cluster(source, tmp_path / "copy")
    copy = tmp_path / "copy"
    assert sorted(p.name for p in copy.iterdir()) == ["PG_VERSION", "base"]
    assert copy.stat().st_mode & 0o777 == 0o700
    assert (copy / "base" / "1" / "1259").stat().st_mode & 0o777 == 0o600


def test_a_damaged_template_costs_one_initdb_not_the_run(private_cache: Path) -> None:
    EmbeddedPostgres.start().stop()  # builds the template
    key, _ = template_key()
    (private_cache / f"pg-template-{key}" / "pgdata" / "global" / "pg_control").write_bytes(b"")
    server = EmbeddedPostgres.start()
    try:
        assert server.origin.startswith("initdb (the template cluster did not start")
        server.create_database("works")
    finally:
        server.stop()
    assert not (private_cache / f"pg-template-{key}").exists()  # the next start rebuilds it


# -- whole runs: the end, Ctrl-C, SIGTERM, SIGKILL, two at once ------------------------------


# Started in the background by a non-interactive shell (as a CI step may be), a process ignores
# SIGINT, and so do its children: the suite under test would never see the Ctrl-C sent to it.
# It is started with SIGINT at its default, as a terminal's job is, whoever started this test.
AS_IN_A_TERMINAL = (
    sys.executable,
    "-c",
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL);"
    " os.execv(sys.argv[1], sys.argv[1:])",
)


class SuiteProcess:
    """`pytest features/ -v` in a subprocess whose output is read line by line as it comes."""

    def __init__(self, root: Path | None, tmp_path: Path, *args: str) -> None:
        """`root`: the run's TMPDIR; None for none (the machine's defaults)."""
        env = _without_suite_variables()
        env.pop(embedded_postgres.TEST_SERVER_VARIABLE, None)
        env.pop("TMPDIR", None)
        env["PYTHONUNBUFFERED"] = "1"
        if root is not None:
            env["TMPDIR"] = str(root)
        env["PYTEST_DEBUG_TEMPROOT"] = str(tmp_path)
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self.process = subprocess.Popen(
            [
                *AS_IN_A_TERMINAL,
                *PYTEST_FEATURES,
                "-v",
                f"--reports-dir={tmp_path / 'reports'}",
                *args,
            ],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group, as a terminal's job is
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._ended: queue.Queue[int] = queue.Queue()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_until(self, condition: Callable[[], bool], what: str, within_s: float = 120) -> None:
        deadline = time.monotonic() + within_s
        with self._changed:
            while not condition():
                if self.process.poll() is not None and not self._reader.is_alive():
                    raise AssertionError(f"the run ended before {what}:\n{self.output}")
                if time.monotonic() > deadline:
                    raise AssertionError(f"not {what} within {within_s} s:\n{self.output}")
                self._changed.wait(timeout=0.5)

    def passed(self) -> int:
        return sum(" PASSED" in line for line in self.lines)

    def finish(self, within_s: float = 240) -> int:
        code = self.process.wait(timeout=within_s)
        self._reader.join(timeout=30)
        if self.process.stdout is not None:
            self.process.stdout.close()
        return code

    @property
    def output(self) -> str:
        return "".join(self.lines)


def mid_run(run: SuiteProcess, root: Path, scenarios: int = 3) -> Path:
    """Wait until the run is well under way: its target folder exists and scenarios passed."""
    run.wait_until(
        lambda: run.passed() >= scenarios and bool(list(root.glob("stream5-embedded-*"))),
        f"{scenarios} scenarios passed on an embedded target",
    )
    (folder,) = root.glob("stream5-embedded-*")
    assert users(folder), "the target's engine should be running mid-run"
    assert any("postgres -D" in user for user in users(root)), "and its Postgres"
    return folder


MODES = pytest.mark.parametrize(
    "mode", [(), ("-n", "2")], ids=["sequential", "xdist"]
)  # under xdist the controller owns the target its workers share


@pytest.mark.slow
@MODES
def test_ctrl_c_mid_run_leaves_nothing_behind(
    root: Path, tmp_path: Path, mode: tuple[str, ...]
) -> None:
    run = SuiteProcess(root, tmp_path, *mode)
    mid_run(run, root)
    os.killpg(run.process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    code = run.finish()
    assert code >= 0, "pytest itself should handle Ctrl-C and exit"
    assert "KeyboardInterrupt" in run.output
    assert left_behind(root) == []
    assert users(root) == []


@pytest.mark.slow
@MODES
def test_sigterm_mid_run_leaves_nothing_behind(
    root: Path, tmp_path: Path, mode: tuple[str, ...]
) -> None:
    run = SuiteProcess(root, tmp_path, *mode)
    mid_run(run, root)
    run.process.send_signal(signal.SIGTERM)  # to pytest alone, as `kill PID` or a CI cancel
    code = run.finish()
    assert code >= 0, f"killed by SIGTERM instead of stopping in order:\n{run.output}"
    assert "SIGTERM received" in run.output
    assert left_behind(root) == []
    assert users(root) == []


@pytest.mark.slow
def test_a_run_killed_outright_is_cleaned_up_by_the_next_run(root: Path, tmp_path: Path) -> None:
    killed = SuiteProcess(root, tmp_path / "killed")
    folder = mid_run(killed, root)
    killed.process.kill()  # SIGKILL: nothing of the run gets to clean up
    killed.finish()
    assert folder.is_dir()
    assert users(folder), "its engine outlives it"
    assert any("postgres -D" in user for user in users(root)), "and so does its Postgres"
    next_run = SuiteProcess(root, tmp_path / "next", "-m", "phase1", "--allow-incomplete")
    assert next_run.finish() == 0, next_run.output
    assert not folder.exists()
    assert left_behind(root) == []
    assert users(root) == []


def owned_by(pid: int) -> list[Path]:
    """The run folders, in the shared temp dir and in RAM, that a process made."""
    found = []
    for place in {workspace.temp_root(), workspace.MEMORY_ROOT}:
        for lock in place.glob(f"stream5-*/{workspace.OWNER_FILE}") if place.is_dir() else []:
            try:
                if json.loads(lock.read_text()).get("pid") == pid:
                    found.append(lock.parent)
            except (OSError, ValueError):
                pass  # going away as we look
    return found


@pytest.mark.slow
def test_a_run_killed_outright_in_the_default_places_is_cleaned_up_by_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No TMPDIR: the target in the shared temp dir, its Postgres in RAM when there is room.
    Only the folders the killed run made are looked at; other runs may share the machine."""
    monkeypatch.delenv("TMPDIR", raising=False)
    killed = SuiteProcess(None, tmp_path / "killed")
    killed.wait_until(lambda: killed.passed() >= 3, "3 scenarios passed")
    killed.process.kill()
    killed.finish()
    left = owned_by(killed.process.pid)
    assert any(f.name.startswith("stream5-embedded-") for f in left), left
    assert any(f.name.startswith("stream5-pg-") for f in left), left
    if workspace.memory_root() is not None:
        assert any(f.parent == workspace.MEMORY_ROOT for f in left), left
    assert all(users(f) for f in left if f.name.startswith("stream5-pg-")), "Postgres outlives it"
    next_run = SuiteProcess(None, tmp_path / "next", "-m", "phase1", "--allow-incomplete")
    assert next_run.finish() == 0, next_run.output
    assert [f for f in left if f.exists()] == []
    assert owned_by(next_run.process.pid) == []
    assert all(users(f) == [] for f in left)


@pytest.mark.slow
def test_two_runs_at_once_leave_each_other_alone(root: Path, tmp_path: Path) -> None:
    """One run shares its target with pytest-xdist workers; the other starts, sweeps the same
    temp dir and finishes while the first is mid-run. Both must pass, and leave nothing."""
    first = SuiteProcess(root, tmp_path / "first", "-n", "2")
    first.wait_until(lambda: first.passed() >= 1, "the first run passed a scenario")
    (first_folder,) = root.glob("stream5-embedded-*")
    second = SuiteProcess(root, tmp_path / "second")
    second.wait_until(
        lambda: len(list(root.glob("stream5-embedded-*"))) == 2,
        "both runs had their targets at once",
    )
    assert second.finish() == 0, second.output
    assert first.finish() == 0, first.output
    assert not first_folder.exists()
    assert left_behind(root) == []
    assert users(root) == []


def test_a_new_install_of_the_same_postgres_reuses_the_template(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each fresh virtualenv installs pgserver's binaries anew (new file dates): the same build
    must name the same cluster, or every install would add one to the cache."""
    key, _ = template_key()
    reinstalled = tmp_path / "postgres"
    shutil.copyfile(template_cluster.client_binary("postgres"), reinstalled)
    os.utime(reinstalled, (1_000_000_000, 1_000_000_000))
    monkeypatch.setattr(template_cluster, "client_binary", lambda name: reinstalled)
    assert template_key()[0] == key
