"""The engine's schema profiles, each a package declaring one `SchemaBackend` (see `backend.py`):
`runbook/` (the runbook's snake_case tables, the engine's own migrations) and `athlete_ally/`
(the Prisma tables of the service the runbook came from). A profile is imported when a process
first asks for it, so a process loads only the one it speaks."""

from importlib import import_module

from planning_engine.profiles.backend import SchemaBackend
from planning_engine.schema_profile import ATHLETE_ALLY, RUNBOOK, require_known

_PACKAGES = {RUNBOOK: "runbook", ATHLETE_ALLY: "athlete_ally"}


def backend_for(profile: str) -> SchemaBackend:
    """The backend of `profile`; an unknown name is refused with the valid ones."""
    package = import_module(f"{__name__}.{_PACKAGES[require_known(profile)]}")
    backend: SchemaBackend = package.BACKEND
    return backend
