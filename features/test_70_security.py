"""API security: the scenarios of 70_security.feature (one test module per feature file)."""

from pytest_bdd import scenarios

scenarios("70_security.feature")
