-- Who holds an exclusive lock on a table of this database, when a query of the suite could not
-- get its lock in time (runbook: "a query blocked by a lock names the blocker").
SELECT a.pid, a.application_name, a.state,
  extract(epoch FROM now() - coalesce(a.xact_start, a.query_start, now()))::float AS seconds,
  l.mode, l.relation::regclass::text AS relation, left(a.query, 80) AS query
FROM pg_locks l
JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.granted AND l.locktype = 'relation' AND l.database = (
    SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.mode IN ('AccessExclusiveLock', 'ExclusiveLock')
  AND l.pid <> pg_backend_pid()
ORDER BY seconds DESC;
