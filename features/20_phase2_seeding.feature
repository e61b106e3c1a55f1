@phase2
Feature: Phase 2 - Movement seeding
  The movement library holds the 8 foundational movements, published, with an audit trail;
  both seeding paths of the runbook produce that library.

  Background:
    Given the staging target is configured

  @readonly @criterion:phase2.count
  Scenario: The library holds the 8 foundational movements
    Then the movement library holds 8 movements

  @readonly @criterion:phase2.listing
  Scenario: The listing shows the foundational movements and their categories
    Then the movement listing shows the foundational movements with their categories

  @readonly @criterion:phase2.audit
  Scenario: The audit log records the seeding
    Then the audit log is not empty

  @readonly @criterion:phase2.reseed_unchanged
  Scenario: Re-seeding the library would change nothing
    Then a dry run of the foundational seed reports every movement unchanged

  @writes @rehearsal @controlled @criterion:phase2.option_a
  Scenario: Option A - seeding directly gives the foundational library
    Given an empty database with the Stream 5 schema
    When the foundational movements are seeded
    Then that database holds the foundational movements, all published
    And its audit log records 8 imports and 8 publications

  @writes @rehearsal @controlled @criterion:phase2.option_b
  Scenario: Option B - restoring the CI dump gives the same library
    Given a seed dump produced from a seeded database
    And an empty database with the Stream 5 schema
    When the seed dump is restored
    Then that database holds the foundational movements, all published
    And its audit log records 8 imports and 8 publications

  @writes @rehearsal @controlled @criterion:phase2.idempotent
  Scenario: Seeding again is idempotent
    Given an empty database with the Stream 5 schema
    When the foundational movements are seeded
    And the foundational movements are seeded again
    Then the second seeding reports every movement unchanged
    And its audit log records 8 imports and 8 publications
