@phase3
Feature: Phase 3 - Scoring enabled
  With the scoring flag on, a plan generated through the API carries a fixed-weight-v1 score.

  Background:
    Given the staging target is configured
    And scoring is expected to be enabled

  @writes @criterion:phase3.flag
  Scenario: The engine evaluates the scoring flag as enabled
    Given a test plan has been generated through the API
    Then the engine reports the scoring flag as enabled

  @writes @criterion:phase3.test_plan
  Scenario: A test plan generated through the API is scored
    When the runbook's test plan is requested through the API
    Then the plan job completes
    And the job result carries scoring version "fixed-weight-v1"
    And the scoring total is between 0 and 1
