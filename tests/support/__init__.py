"""What the project's own tests share besides their fixtures (those are in tests/conftest.py):
known secrets, the engine's API as a test calls it, database helpers, the suite run in a
subprocess, a local HTTP server and the athlete-ally schema's test data."""
