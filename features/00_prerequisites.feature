@prerequisites @readonly
Feature: Prerequisites
  The runbook's Prerequisites Checklist: what must be in place before Stream 5 is deployed.

  Scenario: The staging database credentials are available
    Given the staging target is configured
    Then the staging database accepts connections

  Scenario: The scoring flag is expected on
    Then the configuration expects scoring to be enabled

  Scenario: The scoring contract validator is available
    Then the scoring contract schema is available to validate payloads
