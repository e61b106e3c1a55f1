"""Temp folders that never outlive the run that made them.

Why this exists: every embedded run used to leave its 139 MB Postgres folder
(`stream5-embedded-*`) and its `payloads-*` / `seed-dump-*` folders in the temp dir; a
machine collected 5 GB in a day. A folder made here is removed by its owner at the end of the
run, at exit, on Ctrl-C and on SIGTERM; one left by a run killed outright (SIGKILL, OOM
killer, power cut) is removed by the next run that sweeps the temp dir.

How "is the owner gone?" is decided: the owner takes an exclusive `flock` on a lock file
inside the folder (`.stream5-owner`) and holds it for its whole life. The kernel releases
the lock when the process dies, however it dies, so a folder whose lock can be taken has no
living owner. A recorded pid is not enough on its own (pids are reused); the pid, start time
and command line written into the lock file are there for the person who looks, and are
never trusted by the sweep. The lock file is created under a temporary name, locked, then
renamed into place, so there is no instant at which it exists unlocked.

Before a dead owner's folder is deleted, the processes still using it are stopped: a run
killed with SIGKILL leaves its Postgres (pg_ctl detaches it) and its engines running, and
they would otherwise hold memory and a port for ever. "Using it" means the folder appears
in the process's command line (Postgres' `-D`, an engine's `--dsn ...host=`) or its
`PLANNING_ENGINE_LOG_FILE` lies inside it.

Folders from before this module (no lock file: `stream5-embedded-*`, `planning-pg-*`,
`payloads-*`, `seed-dump-*`) are removed by the sweep once they are old enough that no run
can still be creating them and no process uses them; a folder without a lock file is never
removed while young, as that is also what a folder looks like in the microseconds between
its creation and its lock.

A folder may ask to live in memory (`in_memory=True`: the suite target's Postgres data). It
then goes to `/dev/shm` when that is a tmpfs with at least 1 GiB free and the user has not
chosen a temp dir (TMPDIR); elsewhere, as everything else, to the temp dir. On a disk where
creating files is slow, a run's Postgres (a copied cluster, then a database per rehearsal)
spends seconds on it that RAM does not; the data is thrown away at the end of the run anyway.
The sweep looks in both places.

Where there is no `flock` (Windows), folders are still removed at exit, on Ctrl-C and on
SIGTERM, but the sweep removes nothing: it could not tell a dead owner from a live one.

This module lives in `planning_engine` because `EmbeddedPostgres` needs it and the engine
package must not import the readiness suite (the dependency goes the other way).
"""

import atexit
import contextlib
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: see the module doc
    fcntl = None  # type: ignore[assignment]

OWNER_FILE = ".stream5-owner"
PREFIX = "stream5-"
# What the folders are for: the suite's embedded target, a process's scratch files, a bare
# Postgres, engine logs, a template cluster being built, a template cluster being deleted.
KINDS = ("embedded", "run", "pg", "engine", "template", "trash")
MEMORY_ROOT = Path("/dev/shm")
MEMORY_MIN_FREE = 1 << 30  # a run's Postgres grows to ~150 MB: leave room for others and more
# How old a folder without a lock file must be before the sweep may remove it: far longer than
# the microseconds a new folder goes without its lock, and than any old-style run's set-up.
UNLOCKED_GRACE_S = 600.0
# Folders made by versions before this module: name pattern -> what must be inside.
_LEGACY = (
    (re.compile(r"stream5-embedded-\w{8}"), None),
    (re.compile(r"planning-pg-\w{8}"), "PG_VERSION"),
    (re.compile(r"payloads-\w{8}"), "payloads.json"),
    (re.compile(r"seed-dump-\w{8}"), "movements_seed_ci.sql"),
)
_LEGACY_ONLY_CHILD = {"payloads.json", "movements_seed_ci.sql"}


@dataclass
class _Owned:
    path: Path
    lock_fd: int


_owned: dict[Path, _Owned] = {}
_owned_lock = threading.Lock()
_run_folder: Path | None = None
_swept = False
_exit_hook_installed = False
_signals_installed = False


class Terminated(KeyboardInterrupt):
    """SIGTERM (or SIGHUP) turned into the same orderly stop as Ctrl-C.

    A subclass of KeyboardInterrupt because that is what pytest, `finally` blocks and context
    managers already unwind cleanly from: fixtures are torn down, the reports are written and
    the folders removed, instead of the process vanishing with its Postgres still running."""


def temp_root() -> Path:
    """The temp dir runs share ($TMPDIR), where the sweep looks."""
    return Path(tempfile.gettempdir())


def memory_root() -> Path | None:
    """A RAM-backed temp dir with room to spare (Linux's /dev/shm), or None: none here, too
    small (a container's 64 MB one), or the user set TMPDIR to say where temp files go."""
    if os.environ.get("TMPDIR"):
        return None
    try:
        with open("/proc/self/mounts", encoding="utf-8") as mounts:
            tmpfs = any(
                fields[1] == str(MEMORY_ROOT) and fields[2] == "tmpfs"
                for fields in (line.split() for line in mounts)
                if len(fields) > 2
            )
        stats = os.statvfs(MEMORY_ROOT)
    except OSError:
        return None
    roomy = stats.f_bavail * stats.f_frsize >= MEMORY_MIN_FREE
    usable = os.access(MEMORY_ROOT, os.W_OK | os.X_OK)
    return MEMORY_ROOT if tmpfs and roomy and usable else None


def create(kind: str, parent: Path | None = None, in_memory: bool = False) -> Path:
    """A new folder `stream5-<kind>-XXXXXXXX` (in the temp dir unless `parent`; in RAM if
    `in_memory` and there is room, see the module doc), owned by this process until `remove`
    or exit. The first call of a process also sweeps the temp dirs of folders left by dead
    runs, and makes SIGTERM stop the process the way Ctrl-C does."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of temp folder {kind!r}: one of {', '.join(KINDS)}")
    _install_exit_handling()
    if parent is None:
        sweep_once()
    root = parent or (memory_root() if in_memory else None) or temp_root()
    path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{kind}-", dir=root))
    try:
        fd = _take_ownership(path)
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise
    with _owned_lock:
        _owned[path] = _Owned(path, fd)
    return path


def _take_ownership(path: Path) -> int:
    """Lock a new lock file, then rename it into place: the sweep never sees it unlocked."""
    pending = path / f"{OWNER_FILE}.{uuid.uuid4().hex}"
    fd = os.open(pending, os.O_RDWR | os.O_CREAT | os.O_EXCL | CLOEXEC, 0o600)
    try:
        lock(fd, exclusive=True, wait=False)
        record = {"pid": os.getpid(), "started": _start_time(os.getpid()), "argv": sys.argv}
        os.write(fd, (json.dumps(record) + "\n").encode())
        os.rename(pending, path / OWNER_FILE)
    except BaseException:
        os.close(fd)
        pending.unlink(missing_ok=True)
        raise
    return fd


CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def lock(fd: int, exclusive: bool, wait: bool) -> bool:
    """flock the open file: whether the lock was taken (False: someone holds it, or there is
    no flock here, so that nobody acts on a lock they could not check)."""
    if fcntl is None:
        return False
    try:
        fcntl.flock(
            fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | (0 if wait else fcntl.LOCK_NB)
        )
    except BlockingIOError:
        return False
    return True


def owns(path: Path) -> bool:
    """Whether this process made the folder (and so is the one to remove it)."""
    with _owned_lock:
        return Path(path) in _owned


def remove(path: Path) -> None:
    """Delete a folder this process owns, after stopping any process still using it.

    A folder of another process (e.g. the controller's target folder, seen from a pytest-xdist
    worker) is left alone: its owner removes it."""
    with _owned_lock:
        owned = _owned.pop(Path(path), None)
    if owned is None:
        return
    try:
        stop_users(owned.path)
        _delete(owned.path)
    finally:
        os.close(owned.lock_fd)


def remove_all() -> None:
    """Remove every folder this process still owns, newest first (at exit)."""
    with _owned_lock:
        paths = list(reversed(_owned))
    for path in paths:
        with contextlib.suppress(Exception):
            remove(path)


def scratch(prefix: str) -> Path:
    """A new empty folder for a few files (a dump, a payload), inside this process's
    `stream5-run-*` folder, so that it goes when the process does."""
    global _run_folder
    with _owned_lock:
        folder = _run_folder if _run_folder is not None and _run_folder in _owned else None
    if folder is None:
        folder = create("run")
        with _owned_lock:
            _run_folder = folder
    return Path(tempfile.mkdtemp(prefix=prefix, dir=folder))


# -- the sweep ------------------------------------------------------------------------------

# A folder this module makes: `stream5-<kind>-` and mkdtemp's 8 characters. Only such names are
# ever swept, so that nobody's `stream5-notes/` is taken for ours.
_OWN_NAME = re.compile(PREFIX + "(" + "|".join(KINDS) + r")-[a-z0-9_]{8}")


def sweep_once() -> None:
    """Sweep the temp dirs the first time a process asks; later calls cost nothing."""
    global _swept
    if not _swept:
        _swept = True
        sweep()
        if MEMORY_ROOT.is_dir() and temp_root() != MEMORY_ROOT:
            sweep(MEMORY_ROOT)


def sweep(root: Path | None = None, unlocked_grace_s: float = UNLOCKED_GRACE_S) -> list[Path]:
    """Remove the folders in `root` (the temp dir) whose owner is gone; returns them.

    Never removes a folder whose owner is alive: the owner's lock says so. A folder without a
    lock file (an old-style one, or one being created this very instant) is removed only when
    it is older than `unlocked_grace_s` and no process uses it."""
    root = root or temp_root()
    removed = []
    try:
        entries = list(os.scandir(root))
    except OSError:
        return []
    now = time.time()
    processes = _ProcessTable()
    for entry in entries:
        with contextlib.suppress(FileNotFoundError, NotADirectoryError, PermissionError):
            if not entry.is_dir(follow_symlinks=False):
                continue
            path = Path(entry.path)
            if not processes.known and _pid_files(path):
                continue  # a Postgres may still run there, and without psutil we cannot tell
            if _OWN_NAME.fullmatch(entry.name) and (path / OWNER_FILE).exists():
                if _remove_if_unowned(path, processes):
                    removed.append(path)
            elif (
                _looks_abandoned(path, entry.name, now, unlocked_grace_s)
                and not processes.using(path)
                and _delete(path)
            ):
                removed.append(path)
    return removed


def _remove_if_unowned(path: Path, processes: "_ProcessTable") -> bool:
    try:
        fd = os.open(path / OWNER_FILE, os.O_RDWR | CLOEXEC)
    except OSError:
        return False
    try:
        if not lock(fd, exclusive=True, wait=False):
            return False  # its owner is alive (or another run is sweeping it right now)
        stop_users(path, processes)
        return _delete(path)
    finally:
        os.close(fd)


def _looks_abandoned(path: Path, name: str, now: float, grace_s: float) -> bool:
    """A folder without a lock file that is ours by its name and shape, and old."""
    if _OWN_NAME.fullmatch(name):
        ours = True
    else:
        ours = False
        for pattern, inside in _LEGACY:
            if pattern.fullmatch(name):
                ours = inside is None or (path / inside).exists()
                if ours and inside in _LEGACY_ONLY_CHILD:
                    ours = {child.name for child in path.iterdir()} <= {inside}
                break
    if not ours:
        return False
    newest = max(p.stat().st_mtime for p in (path, *_pid_files(path)))
    return now - newest > grace_s


def _pid_files(path: Path) -> list[Path]:
    """postmaster.pid of any Postgres data dir in the folder (the folder or one level down)."""
    return [p for p in (path / "postmaster.pid", *path.glob("*/postmaster.pid")) if p.exists()]


# -- processes using a folder -----------------------------------------------------------------


class _ProcessTable:
    """The machine's processes, read once per sweep and only if a sweep needs them.

    A process uses a folder when the folder is in its command line or its engine log is
    inside it. This process and its ancestors are never counted. psutil comes with pgserver
    (the `embedded` extra); an install that only checks a staging starts no Postgres or
    engine, and without psutil the table is empty and says so (`known`)."""

    def __init__(self) -> None:
        self._rows: list[tuple[Any, list[str]]] | None = None
        self._environ: dict[int, str] = {}
        try:
            import psutil  # noqa: F401
        except ImportError:
            self.known = False
            self._rows = []
        else:
            self.known = True

    def _read(self) -> list[tuple[Any, list[str]]]:
        if self._rows is None:
            import psutil

            me = psutil.Process()
            exclude = {me.pid, *(p.pid for p in me.parents())}
            self._rows = [
                (process, process.info.get("cmdline") or [])
                for process in psutil.process_iter(["cmdline"])
                if process.pid not in exclude
            ]
        return self._rows

    def using(self, path: Path) -> list[Any]:
        needles = {str(path), str(path.resolve())}
        pattern = re.compile("(" + "|".join(re.escape(n) for n in needles) + r")(?![\w.-])")
        return [
            process
            for process, cmdline in self._read()
            if any(pattern.search(arg) for arg in cmdline) or pattern.match(self._log_file(process))
        ]

    def _log_file(self, process: Any) -> str:
        if process.pid not in self._environ:
            try:
                value = process.environ().get("PLANNING_ENGINE_LOG_FILE", "")
            except Exception:  # gone, or not ours to read
                value = ""
            self._environ[process.pid] = value
        return self._environ[process.pid]


def stop_users(path: Path, processes: _ProcessTable | None = None, timeout_s: float = 10.0) -> None:
    """Stop what still runs in the folder: a Postgres with an immediate shutdown (SIGQUIT: it
    then takes its backends and shared memory with it; its data is about to be deleted),
    anything else with SIGTERM, and SIGKILL for whatever is still there after `timeout_s`."""
    users = (processes or _ProcessTable()).using(path)
    if not users:
        return  # (nothing found, or no psutil: then this install started no process)
    import psutil

    postmasters = set()
    for pid_file in _pid_files(path):
        with contextlib.suppress(OSError, ValueError, IndexError):
            postmasters.add(int(pid_file.read_text().splitlines()[0]))
    for process in users:
        with contextlib.suppress(psutil.Error):
            process.send_signal(signal.SIGQUIT if process.pid in postmasters else signal.SIGTERM)
    alive = wait_gone(users, timeout_s)
    for process in alive:
        with contextlib.suppress(psutil.Error):
            process.kill()
    wait_gone(alive, timeout_s)


def wait_gone(processes: list[Any], timeout_s: float) -> list[Any]:
    """Wait until the (psutil) processes have exited; returns those still running.

    An exited process that is not our child stays a zombie until its parent, often init,
    reaps it, which some inits do only every second or so; psutil's own wait would wait for
    that. A zombie runs nothing and holds no files, so it counts as gone here."""
    import psutil

    deadline = time.monotonic() + timeout_s
    alive = list(processes)
    while alive:
        still = []
        for process in alive:
            try:
                if process.status() != psutil.STATUS_ZOMBIE:
                    still.append(process)
            except psutil.NoSuchProcess:
                pass
        alive = still
        if not alive or time.monotonic() > deadline:
            break
        time.sleep(0.01)  # polling a condition (the processes' exit), with a deadline
    return alive


def _delete(path: Path) -> bool:
    """Delete the folder, its lock file last: a deletion that fails half-way leaves a folder
    the next sweep still recognises (and retries) instead of an anonymous remnant."""
    failed: list[str] = []

    def note(_function: Any, failed_path: str, _error: Any) -> None:
        failed.append(failed_path)

    try:
        children = list(path.iterdir())
    except FileNotFoundError:
        return True
    for child in children:
        if child.name == OWNER_FILE:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, onerror=note)
        else:
            try:
                child.unlink(missing_ok=True)
            except OSError:
                failed.append(str(child))
    if failed:
        return False
    with contextlib.suppress(FileNotFoundError):
        (path / OWNER_FILE).unlink()
    try:
        path.rmdir()
    except FileNotFoundError:
        pass
    except OSError:
        return False
    return True


def _start_time(pid: int) -> float | None:
    try:
        import psutil

        return float(psutil.Process(pid).create_time())
    except Exception:
        return None


# -- exit and signals -----------------------------------------------------------------------


def _install_exit_handling() -> None:
    """Remove what this process owns at exit, and make SIGTERM/SIGHUP unwind like Ctrl-C
    (so that `finally` blocks and pytest's teardown run). Only when nobody else has taken
    those signals, and only from the main thread (the only one Python lets set handlers)."""
    global _exit_hook_installed, _signals_installed
    if not _exit_hook_installed:
        _exit_hook_installed = True
        atexit.register(remove_all)
    if _signals_installed or threading.current_thread() is not threading.main_thread():
        return  # a later call from the main thread installs them
    _signals_installed = True
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None and signal.getsignal(signum) == signal.SIG_DFL:
            signal.signal(signum, _on_termination)


_terminating = False


def _on_termination(signum: int, _frame: FrameType | None) -> None:
    """First SIGTERM: stop in order. A second one: die now (the next run sweeps the rest)."""
    global _terminating
    if _terminating:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    _terminating = True
    name = signal.Signals(signum).name
    raise Terminated(f"{name} received: stopping and removing this run's temp folders")
