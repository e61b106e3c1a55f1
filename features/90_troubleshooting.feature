@troubleshooting
Feature: Troubleshooting
  The runbook's troubleshooting paths end in a message that names the fix.

  @writes @rehearsal @controlled @criterion:troubleshooting.table_missing
  Scenario: Seeding a database without the schema points to migrate
    Given a database without the Stream 5 schema
    When the foundational movements are seeded
    Then the seeding fails with a message naming "planning-engine migrate"

  @readonly @criterion:troubleshooting.connection_error
  Scenario: Seeding an unreachable database explains the connection error
    Given a database that does not answer
    When the foundational movements are seeded
    Then the seeding fails with a message naming "verify the DSN format"

  @writes @rehearsal @controlled @criterion:troubleshooting.duplicate_movement
  Scenario: Seeding over a movement that already has the name explains the conflict
    Given a Stream 5 database where another movement is already named "Back Squat"
    When the foundational movements are seeded
    Then the seeding fails with a message naming "already used by library movement"
    And nothing was written to the movement library

  @readonly @rehearsal @criterion:troubleshooting.validation_fails
  Scenario: The contract validator names what is wrong with a corrupted payload
    Given a job result whose scoring total was changed to 1.2
    When the contract validator checks it
    Then the validator rejects it naming "$.total"
