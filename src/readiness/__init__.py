"""Support package of the readiness suite: target, API client, database probe, evidence."""
