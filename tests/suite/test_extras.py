"""Each side installs what it needs: the suite alone for a staging, the engine alone for a
service, both with pgserver for the embedded default; a missing part says which extra to add."""

import subprocess
import sys
from importlib import metadata
from pathlib import Path

from support.suite_runner import REPO


def _without(module: str, code: str) -> subprocess.CompletedProcess[str]:
    """Run `code` in a Python where `module` cannot be imported, as if never installed."""
    return subprocess.run(
        [sys.executable, "-c", f"import sys; sys.modules[{module!r}] = None\n{code}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_base_install_pulls_neither_the_service_nor_pytest() -> None:
    requires = metadata.requires("stream5-readiness") or []
    base = [r for r in requires if "extra ==" not in r]
    names = {r.split(">")[0].split("[")[0].split(";")[0].strip().lower() for r in base}
    assert not names & {"fastapi", "uvicorn", "pgserver", "pytest", "launchdarkly-server-sdk"}
    extras = set(metadata.metadata("stream5-readiness").get_all("Provides-Extra") or [])
    assert {"suite", "engine", "embedded", "dev"} <= extras
    assert metadata.metadata("stream5-readiness")["License-Expression"] == "MIT"
    assert (REPO / "src" / "readiness" / "py.typed").exists()
    assert (REPO / "src" / "planning_engine" / "py.typed").exists()


def test_the_embedded_default_without_pgserver_names_the_extra() -> None:
    run = _without(
        "pgserver",
        "import pytest; sys.exit(pytest.main(['features', '-q', '-p', 'no:cacheprovider']))",
    )
    assert run.returncode == 4
    assert "pip install 'stream5-readiness[embedded]'" in run.stderr
    assert "PLANNING_API_URL" in run.stderr and "Traceback" not in run.stderr


def test_the_suite_command_without_pytest_names_the_extra() -> None:
    run = _without("pytest", "from readiness.run import main; sys.exit(main([]))")
    assert run.returncode == 4
    assert run.stderr.strip() == (
        "stream5-readiness needs pytest and its plugins: pip install 'stream5-readiness[suite]'"
    )


def test_the_engine_service_without_fastapi_names_the_extra(dsn: str, tmp_path: Path) -> None:
    run = _without(
        "fastapi",
        f"from planning_engine.cli import main; sys.exit(main(['serve', '--dsn', {dsn!r}]))",
    )
    assert run.returncode != 0
    assert "pip install 'stream5-readiness[engine]'" in run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr
