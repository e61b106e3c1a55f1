-- The suite's own query: whether this database refuses writes (a replica in recovery, or
-- read-only transactions by default), as the service's sessions would find it.
SELECT pg_is_in_recovery() AS in_recovery,
  current_setting('default_transaction_read_only') AS default_read_only,
  current_setting('transaction_read_only') AS read_only;
