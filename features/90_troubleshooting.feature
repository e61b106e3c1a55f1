@rollback
Feature: Troubleshooting
  The runbook's troubleshooting paths end in a message that names the fix.

  @writes @rehearsal @controlled
  Scenario: Seeding a database without the schema points to migrate
    Given a database without the Stream 5 schema
    When the foundational movements are seeded into it
    Then the seeding fails with a message naming "planning-engine migrate"

  @readonly
  Scenario: Seeding an unreachable database explains the connection error
    When the foundational movements are seeded into a database that does not answer
    Then the seeding fails with a message naming "verify the DSN format"
