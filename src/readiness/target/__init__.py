"""The deployment under test and how the suite reaches it: the target (a staging, or the
embedded engine it boots), the engine process and CLI, the engine log, the planning API client
and the database probe."""
