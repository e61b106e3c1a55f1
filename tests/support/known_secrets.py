"""Secret values the tests give the suite and the engine, known so that a test can prove none of
them reaches an output, a log or a report."""

JWT_SECRET = "test-secret-for-the-engine-0123456789abcdef"
STAGING_DB_PASSWORD = "Dsn-Pa55word-known"
STAGING_LD_KEY = "sdk-known-launchdarkly-key-000"
