"""Prerequisites: the scenarios of 00_prerequisites.feature (one test module per feature file)."""

from pytest_bdd import scenarios

scenarios("00_prerequisites.feature")
