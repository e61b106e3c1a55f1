@prerequisites @readonly
Feature: Prerequisites
  The runbook's Prerequisites Checklist: what must be in place before Stream 5 is deployed.

  @criterion:prerequisites.credentials
  Scenario: The staging database credentials are available
    Given the staging target is configured
    Then the staging database accepts connections

  @criterion:prerequisites.permissions
  Scenario: The database user has the permissions the runbook lists
    Given the staging target is configured
    Then the database user may select, insert, update and delete on the Stream 5 tables and create in their schema

  @criterion:prerequisites.flag_expected
  Scenario: The scoring flag is expected on
    Then the configuration expects scoring to be enabled

  @criterion:prerequisites.validator
  Scenario: The scoring contract validator is available
    Then the scoring contract schema is available to validate payloads
