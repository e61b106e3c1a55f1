"""Since the deploy: the scenarios of 55_since_the_deploy.feature (one test module per feature file)."""

from pytest_bdd import scenarios

scenarios("55_since_the_deploy.feature")
