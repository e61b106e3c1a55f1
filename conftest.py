"""The readiness suite's entry: its plugin and step definitions (see steps/ and src/readiness/)."""

from readiness import SUITE_PLUGINS

pytest_plugins = [
    *SUITE_PLUGINS,
    "steps.target_steps",
    "steps.database_steps",
    "steps.seeding_steps",
    "steps.plan_steps",
    "steps.observability_steps",
    "steps.since_deploy_steps",
]
