@post_deploy @monitoring @readonly
Feature: Monitoring and alerts
  The runbook's key metrics: from the engine's /metrics endpoint, or computed from the
  database where the deployment exposes no metric for them.

  Background:
    Given the staging target is configured
    And the target's key metrics are read

  @criterion:monitoring.movement_count
  Scenario: The movement library count has not dropped below 8
    Then the metric of published movements is at least 8

  @criterion:monitoring.import_failures
  Scenario: No movement import has failed
    Then the metric of movement import failures is 0

  @criterion:monitoring.scoring_errors
  Scenario: No scoring calculation has failed
    Then the metric of scoring errors is 0
