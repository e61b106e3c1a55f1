"""Phase 4 - Validation: the scenarios of 40_phase4_validation.feature (one test module per feature file)."""

from pytest_bdd import scenarios

scenarios("40_phase4_validation.feature")
