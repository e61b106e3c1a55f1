"""Phase 1 - Database setup: the scenarios of 10_phase1_database.feature (one test module per feature file)."""

from pytest_bdd import scenarios

scenarios("10_phase1_database.feature")
