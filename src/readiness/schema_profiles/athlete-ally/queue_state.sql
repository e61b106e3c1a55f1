-- The plan queue as the database shows it. A job not yet picked up is `queued` (as the service
-- writes it) or `pending` (the column's default); there is no lease column, so a processing job
-- is judged by how long it has gone without an update.
SELECT count(*) FILTER (WHERE status IN ('pending', 'queued')) AS queued,
  count(*) FILTER (WHERE status = 'processing') AS processing,
  NULL::bigint AS past_lease,
  extract(epoch FROM now() AT TIME ZONE 'UTC'
    - min("createdAt") FILTER (WHERE status IN ('pending', 'queued')))::float AS oldest_queued_s,
  extract(epoch FROM now() AT TIME ZONE 'UTC'
    - min("updatedAt") FILTER (WHERE status = 'processing'))::float AS oldest_processing_s
FROM plan_jobs
WHERE status IN ('pending', 'queued', 'processing');
