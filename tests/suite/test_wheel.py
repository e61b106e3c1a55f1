"""The wheel carries everything the suite needs: built, installed apart from the checkout, run elsewhere."""

import json
import os
import subprocess
import sys
from pathlib import Path

from support.suite_runner import REPO


def test_the_wheel_runs_the_suite_outside_the_checkout(tmp_path: Path) -> None:
    dist, site, elsewhere = tmp_path / "dist", tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",  # sdist, then the wheel from the sdist: both must carry the suite
            "--no-isolation",
            "--outdir",
            str(dist),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = dist.glob("stream5_readiness-*.whl")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    env = {**os.environ, "PYTHONPATH": str(site), "PYTEST_DEBUG_TEMPROOT": str(tmp_path)}
    env = {k: v for k, v in env.items() if not k.startswith("PLANNING_")}
    locate = subprocess.run(
        [
            sys.executable,
            "-c",
            "import planning_engine, readiness; print(planning_engine.__file__, readiness.__file__)",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(REPO) not in locate.stdout and str(site) in locate.stdout
    run = subprocess.run(
        [str(site / "bin" / "stream5-readiness"), "-q"],  # the console script the wheel installs
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "Readiness verdict: GO" in run.stdout
    assert {"signoff.html", "junit.xml", "cucumber.json", "verdict.json"} <= {
        p.name for p in (elsewhere / "reports").iterdir()
    }
    assert (dist / wheel.name).exists() and list(dist.glob("stream5_readiness-*.tar.gz"))
    # The wheel recorded the commit it was built from (through the sdist): the sign-off names it.
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    predicate = json.loads((elsewhere / "reports" / "verdict.json").read_text())["predicate"]
    assert predicate["configuration"][0]["digest"] == {"gitCommit": commit}
