"""The runbook's checks and drills: its SQL and the suite's own, the library checks, test plans and the queue, the score oracle, the rollback drills."""
