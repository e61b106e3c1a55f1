@phase1 @readonly
Feature: Phase 1 - Database setup
  The staging Postgres answers and carries the Stream 5 schema.

  Background:
    Given the staging target is configured

  @criterion:phase1.connectivity
  Scenario: The database answers
    Then the database reports Postgres 14 or newer

  @criterion:phase1.schema
  Scenario: The schema is applied
    Then the Stream 5 schema has every column the engine needs

  @criterion:phase1.tables
  Scenario Outline: The runbook's tables exist
    Then the table <table> exists

    Examples:
      | table              |
      | movement_library   |
      | movement_staging   |
      | movement_audit_log |
      | plan_jobs          |
