"""The schema profiles the engine speaks, and how a command picks one.

`runbook` is the snake_case schema the runbook's SQL is written for (the engine's own
migrations); `athlete-ally` is the camelCase Prisma schema of the engine the runbook came from
(`DEPLOYED_SCHEMA_ATHLETE_ALLY.md`). A process resolves its profile once, at start-up, and
every database-facing module is chosen from it: the profiles never mix within one process.
"""

import os

from planning_engine.errors import ConfigurationError

RUNBOOK = "runbook"
ATHLETE_ALLY = "athlete-ally"
PROFILES = (RUNBOOK, ATHLETE_ALLY)
DEFAULT_PROFILE = RUNBOOK
PROFILE_VARIABLE = "PLANNING_SCHEMA_PROFILE"


def require_known(profile: str, source: str = "schema profile") -> str:
    """`profile` itself when it is one the engine speaks; otherwise the error names the valid
    ones, since a typo here would otherwise surface as "column does not exist" much later."""
    if profile in PROFILES:
        return profile
    raise ConfigurationError(
        f"{source} {profile!r} is unknown: valid profiles are {', '.join(PROFILES)}",
        f"pass --schema-profile {' or '.join(PROFILES)}, or set {PROFILE_VARIABLE} to one of them",
    )


def resolve_profile(option: str | None = None) -> str:
    """The command-line option wins over PLANNING_SCHEMA_PROFILE; neither means `runbook`."""
    if option:
        return require_known(option, "--schema-profile")
    from_environment = os.environ.get(PROFILE_VARIABLE, "").strip()
    if from_environment:
        return require_known(from_environment, PROFILE_VARIABLE)
    return DEFAULT_PROFILE


def migrate_command(profile: str) -> str:
    """The command that applies `profile`'s schema, as the fixes in error messages quote it."""
    if profile == DEFAULT_PROFILE:
        return "planning-engine migrate"
    return f"planning-engine migrate --schema-profile {profile}"
