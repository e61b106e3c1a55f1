"""The reference planning engine: the staging emulator the Stream 5 runbook is checked against."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("stream5-readiness")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
