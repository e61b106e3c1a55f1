@security @writes
Feature: API security
  The planning API only answers users with a valid token, and only about their own jobs.

  Background:
    Given the staging target is configured

  Scenario: Requests without a token are rejected
    Then requesting a plan without a token is rejected with 401
    And reading a job without a token is rejected with 401

  Scenario: One user cannot read another user's job
    Given a test plan has been generated through the API
    Then another user reading that job is refused

  Scenario: Tokens forged without the signing key are rejected
    Given a test plan has been generated through the API
    Then reading it with a token signed with another key or unsigned is rejected with 401

  # Needs the signing key: the embedded target's, or a staging's PLANNING_JWT_SECRET.
  @hardening
  Scenario: Expired tokens and tokens for another audience or issuer are rejected
    Given a test plan has been generated through the API
    Then reading it with an expired token or one for another audience or issuer is rejected with 401

  @hardening
  Scenario: A retried plan request with the same Idempotency-Key creates one job
    Then the runbook's test plan requested twice with one Idempotency-Key is one job
