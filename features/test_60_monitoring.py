"""Monitoring and alerts: the scenarios of 60_monitoring.feature (one test module per feature file)."""

from pytest_bdd import scenarios

scenarios("60_monitoring.feature")
