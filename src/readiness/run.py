"""`stream5-readiness`: run the readiness suite from an installed wheel, anywhere.

In a checkout this is `pytest features/`. A wheel carries the feature files, the step
definitions and the suite's conftest.py under `readiness/suite/`; this command points pytest at
them, with the current directory as the place for `reports/`.
"""

import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

_PACKAGED = Path(__file__).parent / "suite"
_CHECKOUT = Path(__file__).resolve().parents[2]


def suite_root() -> Path:
    """Where features/, steps/ and conftest.py live: inside the wheel, or at the checkout's top."""
    return _PACKAGED if (_PACKAGED / "features").is_dir() else _CHECKOUT


def main(argv: Sequence[str] | None = None) -> int:
    root = suite_root()
    # The same plugin choices as the checkout's pyproject.toml (which an installed wheel lacks).
    plugins = ["-p", "no:cacheprovider", "-p", "no:schemathesis", "-p", "no:hypothesispytest"]
    arguments = ["--rootdir", str(root), *plugins, str(root / "features"), *(argv or sys.argv[1:])]
    return int(pytest.main(arguments))


if __name__ == "__main__":
    sys.exit(main())
