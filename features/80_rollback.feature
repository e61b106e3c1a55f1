@rollback @destructive
Feature: Rollback procedures and troubleshooting
  The runbook's rollback drills, rehearsed where the suite may change the target.

  Background:
    Given the staging target is configured

  @controlled @criterion:rollback.scoring
  Scenario: Turning the scoring flag off stops scoring new plans and keeps existing scores
    Given a scored plan generated while the scoring flag was on
    When the engine is restarted with the scoring flag off
    And a new test plan is generated
    Then the new plan carries no scoring
    And the earlier plan keeps its scoring
    And the runbook's rollback query shows the new plan without scoring

  @criterion:rollback.seeding
  Scenario: Truncating and re-seeding restores the movement library
    When the movement tables are truncated
    And the foundational movements are seeded again
    Then the movement library holds 8 movements
    And the status counts show 8 published movements and nothing else
