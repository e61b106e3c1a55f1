"""Phase 3 - Scoring enabled: the scenarios of 30_phase3_scoring.feature (one test module per feature file)."""

from pytest_bdd import scenarios

scenarios("30_phase3_scoring.feature")
