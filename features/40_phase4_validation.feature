@phase4
Feature: Phase 4 - Validation
  The runbook's database, scoring and API validation after deployment.

  Background:
    Given the staging target is configured

  @readonly @criterion:phase4.published
  Scenario: Every movement is published
    Then the status counts show 8 published movements and nothing else

  @readonly @criterion:phase4.unique
  Scenario: Every movement is unique by name
    Then no movement name appears more than once

  @readonly @criterion:phase4.audit_actions
  Scenario: The audit log matches the import and publish actions
    Then the audit log records 8 imports and 8 publications

  @readonly @criterion:phase4.audit_in_library
  Scenario: Every audited movement is in the library
    Then every movement named in the audit log exists in the library

  @writes @criterion:phase4.plans_with_scoring
  Scenario: Recent completed plans carry valid scoring in the database
    Given scoring is expected to be enabled
    And a test plan has been generated through the API
    Then every recent completed plan job has scoring version "fixed-weight-v1" with a total between 0 and 1

  @writes @criterion:phase4.response
  Scenario: Scoring is present in the API response
    Given scoring is expected to be enabled
    And a test plan has been generated through the API
    Then the API response carries a scoring payload

  @writes @criterion:phase4.persisted
  Scenario: Scoring is persisted in the database as returned
    Given scoring is expected to be enabled
    And a test plan has been generated through the API
    Then the scoring stored for the job equals the scoring in the API response

  @writes @criterion:phase4.contract
  Scenario: Scoring matches the contract
    Given scoring is expected to be enabled
    And a test plan has been generated through the API
    Then the scoring payload passes the contract validator

  @writes @criterion:phase4.recomputed
  Scenario: Every stored score is correct when recomputed from its plan
    Given scoring is expected to be enabled
    And a test plan has been generated through the API
    Then every recent stored score equals fixed-weight-v1 recomputed from its stored plan and request

  @readonly @criterion:phase4.log
  Scenario: The application log shows no errors
    Then the engine log has no error lines
