"""The API profiles the engine serves, and how `serve` picks one.

`runbook` serves the routes the runbook's curl commands use (`POST /api/plans/generate`,
`GET /api/plans/jobs/{jobId}`); `athlete-ally` serves the routes, job lifecycle, tokens, logs
and metrics of the engine the runbook was written for, and its gateway's routes
(DEPLOYED_API_ATHLETE_ALLY.md). The athlete-ally API runs on the athlete-ally schema only.
"""

import os

from planning_engine.errors import ConfigurationError
from planning_engine.schema_profile import ATHLETE_ALLY

RUNBOOK_API = "runbook"
ATHLETE_ALLY_API = "athlete-ally"
API_PROFILES = (RUNBOOK_API, ATHLETE_ALLY_API)
API_PROFILE_VARIABLE = "PLANNING_API_PROFILE"


def resolve_api_profile(option: str | None, schema_profile: str) -> str:
    """The command-line option wins over PLANNING_API_PROFILE; neither means `runbook`. The
    athlete-ally API stores its jobs in the athlete-ally schema, so it needs that schema."""
    source, raw = "--api-profile", option
    if not raw:
        source, raw = API_PROFILE_VARIABLE, os.environ.get(API_PROFILE_VARIABLE, "").strip()
    profile = raw or RUNBOOK_API
    if profile not in API_PROFILES:
        raise ConfigurationError(
            f"{source} {profile!r} is unknown: valid API profiles are {', '.join(API_PROFILES)}",
            f"pass --api-profile {' or '.join(API_PROFILES)}, or unset {API_PROFILE_VARIABLE}",
        )
    if profile == ATHLETE_ALLY_API and schema_profile != ATHLETE_ALLY:
        raise ConfigurationError(
            f"the {ATHLETE_ALLY_API} API profile keeps its jobs in the athlete-ally schema, "
            f"but the schema profile is {schema_profile!r}",
            f"add --schema-profile {ATHLETE_ALLY} (or set PLANNING_SCHEMA_PROFILE={ATHLETE_ALLY})",
        )
    return profile
