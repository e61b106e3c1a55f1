@post_deploy
Feature: Post-deployment validation within 1 hour
  Ten and more test plans across athlete profiles all succeed with valid scoring, and the
  runbook's queries stay within their time limit.

  Background:
    Given the staging target is configured

  @writes @criterion:post_deploy.test_plans
  Scenario Outline: The <weeks>-week test plan for <experience> athletes training <goal> <goal_days> of <available_days> days a week is valid and scored
    Given scoring is expected to be enabled
    When a test plan is requested for <experience> athletes training <goal> <goal_days> of <available_days> days a week over <weeks> weeks, selected days: <selected_days>
    Then the plan job completes
    And the scoring payload passes the contract validator

    # Together the profiles take every branch of fixed-weight-v1 a generated plan can reach
    # (tests/engine/test_scorer_branches.py proves it): a goal below, at and above the days
    # available, fewer days selected than planned, 1 to 7 days a week, each experience level,
    # plans with and without deload weeks, short, mid-length and long plans.
    Examples:
      | experience   | goal            | goal_days | available_days | weeks | selected_days |
      | beginner     | strength        | 2         | 2              | 12    | none          |
      | beginner     | conditioning    | 3         | 5              | 8     | none          |
      | beginner     | mobility        | 5         | 3              | 6     | none          |
      | intermediate | strength        | 4         | 4              | 12    | none          |
      | intermediate | hypertrophy     | 5         | 6              | 16    | none          |
      | intermediate | endurance       | 3         | 5              | 10    | 2             |
      | advanced     | power           | 5         | 5              | 3     | none          |
      | advanced     | strength        | 6         | 7              | 12    | none          |
      | advanced     | conditioning    | 7         | 7              | 24    | none          |
      | advanced     | fat_loss        | 4         | 2              | 12    | none          |
      | intermediate | general_fitness | 3         | 3              | 52    | none          |
      | beginner     | power           | 1         | 1              | 1     | none          |

  @readonly @criterion:post_deploy.sla
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

  @readonly @criterion:post_deploy.scoring_errors_logged
  Scenario: No scoring calculation errors are logged
    Then the engine log has no scoring calculation errors

  @writes @criterion:post_deploy.stored_contract
  Scenario: The contract validator passes the scoring stored on staging
    Given scoring is expected to be enabled
    And a test plan has been generated through the API
    Then every recent scoring payload stored in the database passes the contract validator

  @writes @criterion:post_deploy.scoring_logged
  Scenario: Scoring is logged for the test plan
    Given scoring is expected to be enabled
    And a test plan has been generated through the API
    Then the engine log records fixed-weight scoring for the test plan with its total
