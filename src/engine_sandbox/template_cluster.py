"""The template cluster every embedded Postgres starts from, and pgserver's binaries.

`initdb` and the migrations cost about a second, so they are done once per machine, into the
user's cache (`$XDG_CACHE_HOME/stream5-readiness/`, else `~/.cache/stream5-readiness/`), and
each server is a copy of that stopped cluster (its `planning_template` database already
migrated) started in place. The cached cluster is keyed by what it is made of (the Postgres
build, the migrations, the migration ledger's code): when any of them changes, the next start
builds a new one. A build happens in a temp folder and reaches the cache by one `rename`, so a
half-built cluster is never seen and two runs building at once both end up using one whole
cluster. Readers hold a shared lock while they copy, so pruning old clusters never pulls one
from under a copy.
"""

import atexit
import contextlib
import hashlib
import inspect
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import ModuleType

from engine_sandbox import workspace
from planning_engine import migrate as migrate_module
from planning_engine.migrate import available_migrations

# Bump when what a template cluster holds, or how it is made, changes: the key then changes.
TEMPLATE_FORMAT = "4: initdb (pgserver) + planning_template migrated + 4 MB WAL segments"

CACHE_NAME = "stream5-readiness"

KEEP_TEMPLATES = 3  # clusters kept in the cache (most recently used), e.g. for two checkouts

# What a stopped cluster still holds of the run that stopped it, and a copy must not inherit.
_RUN_FILES = ("postmaster.pid", "postmaster.opts", "log", ".handle_pids.json")


def load_pgserver() -> ModuleType:
    """pgserver, its inter-process lock file kept in this project's cache.

    pgserver locks a file in the user's runtime folder, fixed when it is imported; where
    XDG_RUNTIME_DIR is unset (CI, containers) that is a `runtime-<uid>` folder it leaves in the
    temp folder, with a warning. Imported with the runtime folder pointed at the cache instead,
    every process of this project shares one lock file there and leaves nothing in $TMPDIR."""
    if "pgserver" not in sys.modules and not os.environ.get("XDG_RUNTIME_DIR"):
        runtime = cache_root() / "runtime"
        runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)
        try:
            import pgserver
        finally:
            del os.environ["XDG_RUNTIME_DIR"]
    import pgserver

    return pgserver


def cache_root() -> Path:
    """Where the machine's template clusters live: the user's cache, which outlives runs."""
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / CACHE_NAME


def template_key() -> tuple[str, dict[str, str]]:
    """A short key naming a template cluster, and what went into it.

    It changes with the Postgres build (pgserver's version and its `postgres` binary's content), the
    migrations (each one's version, name and checksum), the ledger code that applies them,
    and `TEMPLATE_FORMAT`: whatever would make a cached cluster differ from a fresh one."""
    with client_binary("postgres").open("rb") as binary:
        # By content, not by file date: a new install of the same pgserver reuses the cluster.
        build = hashlib.file_digest(binary, "sha256").hexdigest()[:16]
    migrate_source = Path(inspect.getfile(migrate_module)).read_bytes()
    inputs = {
        "format": TEMPLATE_FORMAT,
        "pgserver": metadata.version("pgserver"),
        "postgres binary": f"sha256 {build}",
        "migrations": ", ".join(
            f"{m.version}_{m.name}:{m.checksum[:12]}" for m in available_migrations()
        ),
        "migrate.py": hashlib.sha256(migrate_source).hexdigest()[:12],
    }
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    return digest[:16], inputs


@dataclass(frozen=True)
class TemplateUse:
    """One use of the template cache: where the cluster is and whether this use built it."""

    key: str
    path: Path
    built: bool


def is_empty(folder: Path) -> bool:
    """Missing or empty: a folder a template cluster may be copied into (nothing to lose)."""
    try:
        return not any(folder.iterdir())
    except FileNotFoundError:
        return True


def fill_from_template(data_dir: Path) -> tuple[str, bool]:
    """Copy the template cluster into the empty `data_dir`; (origin, copied). A cache that
    cannot be used (a read-only home, a full disk) costs an `initdb`, never the run."""
    try:
        with template_cluster() as use:
            copy_cluster(use.path / "pgdata", data_dir)
        return (f"template cluster {use.key} ({'built now' if use.built else 'reused'})", True)
    except OSError as error:
        clear(data_dir)  # it was empty: whatever is in it now is a partial copy
        return f"initdb (template cache unavailable: {error})", False


def clear(folder: Path) -> None:
    if not folder.exists():
        return
    for child in folder.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def forget_failed_server(data_dir: Path) -> None:
    """pgserver keeps a handle (and an exit hook) for a server even when starting it failed,
    and would hand that broken handle back for the same folder: drop both, and stop whatever
    the failed start left running there."""
    load_pgserver()
    from pgserver.postgres_server import PostgresServer

    broken = PostgresServer._instances.pop(data_dir.expanduser().resolve(), None)
    if broken is not None:
        atexit.unregister(broken._cleanup)
    workspace.stop_users(data_dir)


def forget_template() -> None:
    """Move the current key's cluster out of the cache (the next start builds it again)."""
    key, _ = template_key()
    _discard_template(cache_root(), cache_root() / f"pg-template-{key}")


def template_status() -> str:
    """Whether this machine's template cluster for the current key exists (benchmarks)."""
    key, _ = template_key()
    ready = (cache_root() / f"pg-template-{key}" / "pgdata" / "PG_VERSION").exists()
    return f"template cluster {key} {'exists' if ready else 'absent'} in {cache_root()}"


@contextlib.contextmanager
def template_cluster() -> Iterator[TemplateUse]:
    """The current template cluster, built if missing, held (shared lock) while in the block."""
    root = cache_root()
    key, inputs = template_key()
    final = root / f"pg-template-{key}"
    for _attempt in range(3):
        built = False
        if not final.exists():
            _build_template(root, final, key, inputs)
            built = True
        with _reading(final) as ready:
            if ready:
                yield TemplateUse(key, final, built)
                return
        # pruned between our look and our lock (another checkout's build): look again
    raise OSError(f"the template cluster {final} kept disappearing")


@contextlib.contextmanager
def _reading(template: Path) -> Iterator[bool]:
    try:
        fd = os.open(template / ".lock", os.O_RDONLY | workspace.CLOEXEC)
    except FileNotFoundError:
        yield False
        return
    try:
        workspace.lock(fd, exclusive=False, wait=True)  # a pruner holds it only to rename
        ready = (template / "pgdata" / "PG_VERSION").exists()
        if ready:
            with contextlib.suppress(OSError):
                os.utime(template / ".lock")  # last use, for pruning
        yield ready
    finally:
        os.close(fd)


def _build_template(root: Path, final: Path, key: str, inputs: dict[str, str]) -> None:
    """initdb + migrate in a temp folder, then one rename into the cache (see the module doc).

    Built in a temp folder (in RAM when there is room) rather than in the cache because
    pgserver, run as root, opens up the permissions of every folder above the data dir; it
    already does so for the temp dirs."""
    root.mkdir(parents=True, exist_ok=True)
    workspace.sweep(root)  # builds and prunes that were killed half-way
    build = workspace.create("template", in_memory=True)
    try:
        from engine_sandbox.embedded_postgres import EmbeddedPostgres  # which starts from these

        server = EmbeddedPostgres.start(build / "pgdata", from_template=False)
        user = server._server.system_user if server._server is not None else None
        try:
            server.prepare_template()
        finally:
            server.stop()  # a clean shutdown: the copy starts without recovery
        _shrink_wal(build / "pgdata", user)
        for name in _RUN_FILES:
            (build / "pgdata" / name).unlink(missing_ok=True)
        staging = workspace.create("template", parent=root)
        try:
            ready = staging / final.name
            ready.mkdir()
            try:
                os.rename(build / "pgdata", ready / "pgdata")  # same filesystem: no copy
            except OSError:
                copy_cluster(build / "pgdata", ready / "pgdata")
            (ready / "template.json").write_text(
                json.dumps({"key": key, **inputs}, indent=2) + "\n", encoding="utf-8"
            )
            (ready / ".lock").touch()
            try:
                os.rename(ready, final)
            except OSError:
                if not (final / "pgdata" / "PG_VERSION").exists():
                    raise
                # another run built the same cluster at the same time: theirs is as good
        finally:
            workspace.remove(staging)
    finally:
        workspace.remove(build)
    _prune(root)


def _shrink_wal(data_dir: Path, user: str | None) -> None:
    """4 MB WAL segments instead of 16: every run copies and deletes the cluster, and a fresh
    cluster's WAL is mostly an empty 16 MB segment. Not 1 MB: a bulk write then creates and
    syncs a new segment every megabyte (a 100,000-movement import, 250 MB of WAL, ran ~0.3 s
    longer than on 16 MB segments; on 4 MB, ~0.05 s). `pg_resetwal` on a cleanly stopped
    cluster loses nothing (it is how the docs change the segment size after initdb). `user` is
    the system user pgserver runs Postgres as (under root), since pg_resetwal refuses root."""
    load_pgserver()
    from pgserver._commands import pg_resetwal  # type: ignore[attr-defined]

    with contextlib.suppress(subprocess.CalledProcessError):
        pg_resetwal(["--wal-segsize=4"], pgdata=data_dir, user=user, timeout=60)


def _prune(root: Path) -> None:
    """Keep the `KEEP_TEMPLATES` most recently used clusters; one being copied is kept."""
    clusters = sorted(
        root.glob("pg-template-*"),
        key=lambda p: (p / ".lock").stat().st_mtime if (p / ".lock").exists() else 0.0,
        reverse=True,
    )
    for old in clusters[KEEP_TEMPLATES:]:
        _discard_template(root, old)


def _discard_template(root: Path, template: Path) -> None:
    """Take a cluster out of the cache unless a run is copying it (its shared lock)."""
    try:
        fd = os.open(template / ".lock", os.O_RDONLY | workspace.CLOEXEC)
    except FileNotFoundError:
        return
    try:
        if not workspace.lock(fd, exclusive=True, wait=False):
            return  # a run is copying it (or there is no flock here to tell)
        trash = workspace.create("trash", parent=root)
        try:
            os.rename(template, trash / template.name)
        finally:
            workspace.remove(trash)
    finally:
        os.close(fd)


def copy_cluster(source: Path, destination: Path) -> None:
    """A startable copy of a stopped cluster's data dir.

    `cp -a` keeps the modes and, as root, the owners: Postgres refuses a data dir that others
    can read or that its user does not own (pgserver runs it as `pgserver` under root). A
    reflink where the filesystem can. The run files of the cluster's last run are not kept."""
    destination.mkdir(parents=True, exist_ok=True)
    attempts = (["cp", "-a", "--reflink=auto"], ["cp", "-a"])
    for command in attempts:
        try:
            done = subprocess.run(
                [*command, f"{source}/.", str(destination)], capture_output=True, timeout=300
            )
        except FileNotFoundError:
            break  # no cp at all
        if done.returncode == 0:
            break
    else:
        raise OSError(f"could not copy {source}: {done.stderr.decode(errors='replace').strip()}")
    if not (destination / "PG_VERSION").exists():
        shutil.copytree(source, destination, symlinks=True, dirs_exist_ok=True)
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            owner = source.stat()
            for path in (destination, *destination.rglob("*")):
                os.lchown(path, owner.st_uid, owner.st_gid)
    for name in _RUN_FILES:
        (destination / name).unlink(missing_ok=True)


def client_binary(name: str) -> Path:
    """A Postgres client program (psql, pg_dump) shipped in pgserver's wheel."""
    return Path(str(load_pgserver().__file__)).parent / "pginstall" / "bin" / name
