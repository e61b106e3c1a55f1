"""Rollback procedures and troubleshooting: the scenarios of 80_rollback.feature (one test module per feature file)."""

from pytest_bdd import scenarios

scenarios("80_rollback.feature")
