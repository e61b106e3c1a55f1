-- The plan queue as the database shows it, to explain test plans that missed their deadline.
SELECT count(*) FILTER (WHERE status = 'queued') AS queued,
  count(*) FILTER (WHERE status = 'processing') AS processing,
  count(*) FILTER (WHERE status = 'processing' AND lease_expires_at < now()) AS past_lease,
  extract(epoch FROM now() - min(created_at) FILTER (WHERE status = 'queued'))::float
    AS oldest_queued_s,
  extract(epoch FROM now() - min(updated_at) FILTER (WHERE status = 'processing'))::float
    AS oldest_processing_s
FROM plan_jobs
WHERE status IN ('queued', 'processing');
