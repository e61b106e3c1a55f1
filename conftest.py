"""The readiness suite's entry: its plugin and step definitions (see steps/ and src/readiness/)."""

pytest_plugins = [
    "readiness.report.plugin",
    "readiness.plugin",
    "readiness.target_fixtures",
    "readiness.since_deploy.plugin",
    "steps.target_steps",
    "steps.database_steps",
    "steps.seeding_steps",
    "steps.plan_steps",
    "steps.observability_steps",
    "steps.since_deploy_steps",
]
