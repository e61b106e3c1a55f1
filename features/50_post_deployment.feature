@post_deploy
Feature: Post-deployment validation within 1 hour
  Ten and more test plans across athlete profiles all succeed with valid scoring, and the
  runbook's queries stay within their time limit.

  Background:
    Given the staging target is configured

  @writes
  Scenario Outline: The test plan for <experience> athletes training <goal> <days>x a week is valid and scored
    Given scoring is expected to be enabled
    When a test plan is requested for <experience> athletes training <goal> <days>x a week
    Then the plan job completes
    And the scoring payload passes the contract validator

    Examples:
      | experience   | goal         | days |
      | beginner     | strength     | 2    |
      | beginner     | conditioning | 3    |
      | beginner     | mobility     | 4    |
      | intermediate | strength     | 4    |
      | intermediate | hypertrophy  | 5    |
      | intermediate | endurance    | 3    |
      | advanced     | power        | 5    |
      | advanced     | strength     | 6    |
      | advanced     | conditioning | 7    |
      | advanced     | fat_loss     | 4    |
      | intermediate | general_fitness | 3 |
      | beginner     | power        | 1    |

  @readonly
  Scenario Outline: The runbook query for <check> runs within the SLA
    Then the runbook query for "<check>" completes within the SLA

    Examples:
      | check           |
      | movement count  |
      | movement listing |
      | audit log size  |
      | status counts   |
      | duplicate names |
      | audit actions   |
      | recent scoring  |

  @readonly
  Scenario: No scoring calculation errors are logged
    Then the engine log has no scoring calculation errors

  @writes
  Scenario: The contract validator passes the scoring stored on staging
    Given scoring is expected to be enabled
    And a test plan has been generated through the API
    Then every recent scoring payload stored in the database passes the contract validator

  @writes
  Scenario: Scoring is logged for the test plan
    Given scoring is expected to be enabled
    And a test plan has been generated through the API
    Then the engine log records fixed-weight scoring for the test plan with its total
