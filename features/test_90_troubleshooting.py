"""Troubleshooting: the scenarios of 90_troubleshooting.feature (one test module per feature file)."""

from pytest_bdd import scenarios

scenarios("90_troubleshooting.feature")
