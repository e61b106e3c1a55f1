"""Support package of the readiness suite: target, API client, database probe, evidence."""

# The suite's pytest plugins, in the order they register: the top-level conftest.py and a
# pytester run of a stub feature load the same ones.
SUITE_PLUGINS = (
    "readiness.report.plugin",
    "readiness.plugin",
    "readiness.report.scenario_reports",
    "readiness.scenario_fixtures",
    "readiness.target_fixtures",
    "readiness.since_deploy.plugin",
)
