-- The plan queue as the database shows it. A job not yet picked up is `pending`; there is no
-- lease column, so a processing job is judged by how long it has gone without an update.
SELECT count(*) FILTER (WHERE status = 'pending') AS queued,
  count(*) FILTER (WHERE status = 'processing') AS processing,
  NULL::bigint AS past_lease,
  extract(epoch FROM now() - min("createdAt") FILTER (WHERE status = 'pending'))::float
    AS oldest_queued_s,
  extract(epoch FROM now() - min("updatedAt") FILTER (WHERE status = 'processing'))::float
    AS oldest_processing_s
FROM plan_jobs
WHERE status IN ('pending', 'processing');
