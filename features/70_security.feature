@security @writes
Feature: API security
  The planning API only answers users with a valid token, and only about their own jobs.

  Background:
    Given the staging target is configured

  @criterion:security.token_required
  Scenario: Requests without a token are rejected
    When the API is called without a token
    Then the API answers 401 to each

  @criterion:security.job_ownership
  Scenario: One user cannot read another user's job
    Given a test plan has been generated through the API
    When another user reads the job
    Then the API refuses it without showing the job

  @criterion:security.forged_tokens
  Scenario: Tokens forged without the signing key are rejected
    Given a test plan has been generated through the API
    When the job is read with tokens forged without the signing key
    Then the API answers 401 to each

  # Needs the signing key: the embedded target's, or a staging's PLANNING_JWT_SECRET.
  @hardening @criterion:security.token_claims
  Scenario: Expired tokens and tokens for another audience or issuer are rejected
    Given a test plan has been generated through the API
    When the job is read with an expired token and with tokens for another audience or issuer
    Then the API answers 401 to each

  @hardening @criterion:security.idempotency
  Scenario: A retried plan request with the same Idempotency-Key creates one job
    When the runbook's test plan is requested twice with one Idempotency-Key
    Then both requests name one job
