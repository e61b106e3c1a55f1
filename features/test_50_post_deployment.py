"""Post-deployment validation within 1 hour: the scenarios of 50_post_deployment.feature (one test module per feature file)."""

from pytest_bdd import scenarios

scenarios("50_post_deployment.feature")
