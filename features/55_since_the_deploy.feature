@post_deploy @since_deploy @readonly
Feature: Since the deploy
  The release is judged against the target's own traffic before it went live, as a canary
  judge does: the jobs of a window before the deploy (as long as the time since, at most
  24 hours) against the jobs since. Too little traffic on either side is "not compared", with
  the counts, and never withholds GO. Each run is also compared with the last GO on the same
  target in the history.

  Background:
    Given the staging target is configured
    And the plan jobs before and since the deploy are read

  @criterion:since_deploy.error_rate
  Scenario: No increase in plan job failures since the deploy
    Then plan jobs fail no more often since the deploy than before it

  @criterion:since_deploy.scoring_share
  Scenario: No fewer scored plans since the deploy
    Then completed plans are scored no less often since the deploy than before it

  @criterion:since_deploy.latency
  Scenario: No slower plan jobs since the deploy
    Then plan jobs take no longer since the deploy than before it

  @criterion:since_deploy.regression
  Scenario: No performance regression since the last GO
    Then no runbook query and no plan job is slower than at the last GO on this target
