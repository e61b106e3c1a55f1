"""Phase 2 - Movement seeding: the scenarios of 20_phase2_seeding.feature (one test module per feature file)."""

from pytest_bdd import scenarios

scenarios("20_phase2_seeding.feature")
