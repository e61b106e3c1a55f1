"""The project's own tests need the dev extra: without it, one line naming it."""

import importlib.util

import pytest

# What the project's own tests use beyond the default install (the dev extra).
DEV_MODULES = ("hypothesis", "schemathesis", "coverage", "yaml", "jsonschema")


def _missing(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):  # a parent package missing, or blocked
        return True


def check_dev_extra(modules: tuple[str, ...] = DEV_MODULES) -> None:
    """Bare `pytest` after the default install: one line naming the extra, not a collection
    error per module that imports what only the dev extra installs."""
    missing = [module for module in modules if _missing(module)]
    if missing:
        raise pytest.UsageError(
            f"the project's own tests need the dev extra ({', '.join(missing)} missing): "
            'pip install -e ".[dev]"; `pytest features/` runs the readiness suite alone'
        )
